import type { CapacityAnswer } from './capacity.ts';
import type { StoredSeries } from './stored-series.ts';
import { binned, DAY_MS, type Direction, type TimedValue } from './trend.ts';

// A capacity answer as JSON, the same for `GET /api/v1/forecast` and
// `vigil report forecast --format json`: times in ISO 8601, numbers in the metric's unit.

/** Samples handed to a chart: more would not show on a screen. */
export const CHART_POINTS = 500;

export interface CapacitySubject {
  object: string;
  label: string;
  direction: Direction;
  windowMs: number;
}

export function capacityJson(answer: CapacityAnswer, series: StoredSeries, subject: CapacitySubject) {
  const result = answer.forecast;
  const fit = result.verdict === 'not-enough-data' ? undefined : result.fit;
  const windowStart = (fit?.lastAt ?? Number.POSITIVE_INFINITY) - subject.windowMs;
  const inWindow = series.samples.filter((sample) => fit === undefined || sample.at >= windowStart);
  return {
    object: subject.object,
    label: subject.label,
    unit: answer.unit,
    direction: subject.direction,
    limit: answer.limit,
    window_days: subject.windowMs / DAY_MS,
    verdict: result.verdict,
    summary: answer.summary,
    reason: 'reason' in result ? result.reason : null,
    crossing_at: result.verdict === 'crossing' ? new Date(result.at).toISOString() : null,
    days_left:
      result.verdict === 'crossing' ? round(result.daysLeft) : result.verdict === 'reached' ? 0 : null,
    slope_per_day: fit?.slopePerDay ?? null,
    value_now: fit?.valueAtNow ?? null,
    r_squared: fit ? round(fit.rSquared) : null,
    residual_spread: fit?.residualSpread ?? null,
    samples: fit?.samples ?? ('samples' in result ? result.samples : 0),
    points: binned(inWindow, CHART_POINTS).map(pointJson),
    projection: answer.projection.map(pointJson),
  };
}

function pointJson(point: TimedValue) {
  return { at: new Date(point.at).toISOString(), value: point.value };
}

function round(value: number): number {
  return Number(value.toFixed(3));
}
