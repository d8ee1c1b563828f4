import {
  answerCapacity,
  type LimitSetting,
  parseLimitSetting,
  parseWindow,
} from '../../forecast/capacity.ts';
import { capacityJson } from '../../forecast/capacity-json.ts';
import { isoDate, rate, timeLeft } from '../../forecast/describe.ts';
import { formatQuantity } from '../../forecast/quantity.ts';
import { readStoredSeries } from '../../forecast/stored-series.ts';
import { renderTrendChart } from '../../forecast/text-chart.ts';
import { binned, type Direction } from '../../forecast/trend.ts';
import { openStore } from '../../store/index.ts';
import { CliError, loadModelOrFail } from '../fail.ts';

// `vigil report forecast`: when one perfdata label of an object reaches its limit, with the
// fit and a small chart of the samples and the trend.

interface ForecastOptions {
  config: string;
  object: string;
  label: string;
  limit?: string;
  direction: string;
  window: string;
  minSamples: string;
  format: string;
}

/** Columns of the chart: one per averaged point. */
const CHART_WIDTH = 64;

export async function reportForecastCommand(options: ForecastOptions): Promise<void> {
  const limit = limitOption(options.limit);
  const windowMs = parseWindow(options.window);
  if (typeof windowMs === 'object') throw new CliError(`--${windowMs.problem}`);
  const direction = directionOption(options.direction);
  const minSamples = Number(options.minSamples);
  if (!Number.isInteger(minSamples) || minSamples < 2)
    throw new CliError(`--min-samples must be a whole number of at least 2, not "${options.minSamples}"`);
  if (options.format !== 'table' && options.format !== 'json')
    throw new CliError(`--format must be table or json, not "${options.format}"`);
  if (!options.object.includes('/'))
    throw new CliError(`--object must be HOST/SERVICE, not "${options.object}"`);

  const model = await loadModelOrFail(options.config);
  const store = await openStore(model.settings.store);
  const now = Date.now();
  try {
    await store.migrate();
    process.stderr.write(`reading ${options.window} of ${options.object} ${options.label} perfdata…\n`);
    const series = await readStoredSeries(store, options.object, options.label, now - windowMs, now);
    if (series.samples.length === 0) {
      const known = series.labels.length > 0 ? `it has ${series.labels.join(', ')}` : 'it has none stored';
      throw new CliError(
        `no perfdata "${options.label}" stored for ${options.object} in the window (${known})`,
      );
    }
    const answer = answerCapacity(
      series,
      {
        ...(limit !== undefined ? { limit } : {}),
        direction,
        windowMs,
        minSamples,
        what: `${options.object} ${options.label}`,
      },
      now,
    );
    if ('problem' in answer) throw new CliError(`${options.object} ${options.label}: ${answer.problem}`);
    if (options.format === 'json') {
      const subject = { object: options.object, label: options.label, direction, windowMs };
      process.stdout.write(`${JSON.stringify(capacityJson(answer, series, subject), null, 2)}\n`);
      return;
    }
    const result = answer.forecast;
    const lines = [answer.summary, ''];
    if (result.verdict !== 'not-enough-data') {
      const { fit } = result;
      const unit = answer.unit;
      lines.push(
        `  trend now   ${formatQuantity(fit.valueAtNow, unit)} (${direction === 'up' ? 'limit' : 'floor'} ${formatQuantity(answer.limit, unit)})`,
        `  rate        ${rate(fit.slopePerDay, unit)}`,
        `  projected   ${result.verdict === 'crossing' ? `${isoDate(result.at)} (in about ${timeLeft(result.daysLeft)})` : result.verdict === 'reached' ? 'reached now' : `none: ${result.reason}`}`,
        `  fit         R² ${fit.rSquared.toFixed(3)} over ${fit.samples} samples, ${isoDate(fit.firstAt)} to ${isoDate(fit.lastAt)}; typical deviation ${formatQuantity(fit.residualSpread, unit)}`,
        '',
        ...renderTrendChart({
          samples: binned(series.samples, CHART_WIDTH * 2),
          projection: answer.projection,
          limit: answer.limit,
          unit,
          now,
          width: CHART_WIDTH,
        }).map((line) => `  ${line}`),
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await store.close();
  }
}

function limitOption(text: string | undefined): LimitSetting | undefined {
  if (text === undefined) return undefined;
  const limit = parseLimitSetting(text);
  if (typeof limit === 'object') throw new CliError(`--${limit.problem}`);
  return limit;
}

function directionOption(text: string): Direction {
  if (text !== 'up' && text !== 'down') throw new CliError(`--direction must be up or down, not "${text}"`);
  return text;
}
