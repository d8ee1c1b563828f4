// The `forecast` check kind: reads another check's stored perfdata (disk used, table size,
// any metric), fits its trend and goes WARNING / CRITICAL when the time left until the
// limit drops under `warn_days` / `crit_days`. It runs no probe of its own, so it needs
// the store: it runs in the daemon, not on remote workers.
import { z } from 'zod';
import { answerCapacity, type CapacityAnswer, DEFAULT_MIN_SAMPLES } from '../forecast/capacity.ts';
import { formatQuantity } from '../forecast/quantity.ts';
import { DAY_MS } from '../forecast/trend.ts';
import { parseDuration } from '../model/duration.ts';
import { type PerfDatum, ServiceState as State } from '../model/types.ts';
import type { CheckKind, CheckOutcome, CheckTarget } from './check.ts';
import { outcomeFor } from './native.ts';

const window = z
  .union([z.string(), z.number()], { error: 'window must be a duration such as 30d' })
  .transform((value, context) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0) {
      context.addIssue({ code: 'custom', message: `window "${value}" is not a duration such as 30d or 12h` });
      return z.NEVER;
    }
    return ms;
  });

const params = z
  .strictObject({
    /** HOST/SERVICE whose perfdata is read, or just SERVICE for a service of this check's host. */
    object: z.string({ error: 'object is required: the HOST/SERVICE whose perfdata is forecast' }).min(1),
    label: z.string({ error: 'label is required: the perfdata label to forecast, e.g. used' }).min(1),
    /** Absent: `max` (the declared maximum) for direction up, 0 for direction down. */
    limit: z.union([z.number(), z.literal('max')], { error: 'limit must be a number or max' }).optional(),
    direction: z.enum(['up', 'down'], { error: 'direction must be up or down' }).default('up'),
    window: window.default(30 * DAY_MS),
    warn_days: z.number().min(0).default(30),
    crit_days: z.number().min(0).default(7),
    /** Fewer samples in the window than this is UNKNOWN ("not enough data"). */
    min_samples: z.number().int().min(2).default(DEFAULT_MIN_SAMPLES),
    /** What the status line calls the metric ("storage"); default "OBJECT LABEL". */
    what: z.string().min(1).optional(),
  })
  .refine((p) => p.crit_days <= p.warn_days, { message: 'crit_days must not be above warn_days' })
  .refine((p) => !(p.limit === 'max' && p.direction === 'down'), {
    message: 'limit max applies to direction up; a falling metric needs a number (its floor, default 0)',
  });

export type ForecastParams = z.output<typeof params>;

const outcome = outcomeFor('FORECAST');

export const forecastCheck: CheckKind<ForecastParams> = {
  kind: 'forecast',
  params,
  async run(p, target, env) {
    if (env.perfdata === undefined)
      return outcome(State.UNKNOWN, 'no store to read perfdata from: forecast checks run in the daemon');
    const objectId = forecastObject(p.object, target.host.name);
    const what = p.what ?? `${objectId} ${p.label}`;
    const now = Date.now();
    let series: Awaited<ReturnType<NonNullable<typeof env.perfdata>>>;
    try {
      series = await env.perfdata(objectId, p.label, now - p.window, now);
    } catch (error) {
      return outcome(State.UNKNOWN, `cannot read perfdata of ${objectId}: ${(error as Error).message}`);
    }
    if (series.samples.length === 0) {
      const known = series.labels.length > 0 ? `it has ${series.labels.join(', ')}` : 'it has none stored';
      return outcome(
        State.UNKNOWN,
        `no perfdata "${p.label}" stored for ${objectId} in the window (${known})`,
      );
    }
    const answer = answerCapacity(
      series,
      { limit: p.limit, direction: p.direction, windowMs: p.window, minSamples: p.min_samples, what },
      now,
    );
    if ('problem' in answer) return outcome(State.UNKNOWN, `${objectId} ${p.label}: ${answer.problem}`);
    return judged(answer, p);
  },
};

/** `SERVICE` alone means a service of the host this check belongs to. */
export function forecastObject(object: string, hostName: string): string {
  return object.includes('/') ? object : `${hostName}/${object}`;
}

function judged(answer: CapacityAnswer, p: ForecastParams): CheckOutcome {
  const result = answer.forecast;
  const details = [
    `limit ${formatQuantity(answer.limit, answer.unit)} (${p.direction === 'up' ? 'ceiling' : 'floor'})`,
  ];
  const perfdata: PerfDatum[] = [];
  let state: State;
  switch (result.verdict) {
    case 'not-enough-data':
      return outcome(State.UNKNOWN, answer.summary, details.join('\n'));
    case 'not-growing':
      state = State.OK;
      break;
    case 'reached':
      state = State.CRITICAL;
      perfdata.push(daysLeftDatum(0, p));
      break;
    case 'crossing':
      state =
        result.daysLeft < p.crit_days
          ? State.CRITICAL
          : result.daysLeft < p.warn_days
            ? State.WARNING
            : State.OK;
      perfdata.push(daysLeftDatum(result.daysLeft, p));
      break;
  }
  const { fit } = result;
  perfdata.push({ label: 'slope_per_day', value: Number(fit.slopePerDay.toPrecision(6)), unit: answer.unit });
  details.push(
    `trend now ${formatQuantity(fit.valueAtNow, answer.unit)}, ${formatQuantity(fit.slopePerDay, answer.unit)}/day`,
    `fitted on ${fit.samples} samples from ${new Date(fit.firstAt).toISOString()} to ${new Date(fit.lastAt).toISOString()}`,
    `fit R² ${fit.rSquared.toFixed(3)}, typical deviation ${formatQuantity(fit.residualSpread, answer.unit)}`,
  );
  return outcome(state, answer.summary, details.join('\n'), perfdata);
}

function daysLeftDatum(days: number, p: ForecastParams): PerfDatum {
  return {
    label: 'days_left',
    value: Number(days.toFixed(2)),
    unit: '',
    warn: `${p.warn_days}:`,
    crit: `${p.crit_days}:`,
    min: 0,
  };
}
