import { parseDuration } from '../model/duration.ts';
import { describeForecast, type ForecastWording } from './describe.ts';
import type { StoredSeries } from './stored-series.ts';
import { DAY_MS, type Direction, type Forecast, forecast, type TimedValue, trendValueAt } from './trend.ts';

// One capacity question — "when does this label of this object reach its limit?" — asked
// the same way by the forecast check, `vigil report forecast` and the API. Pure: the
// stored series and the clock come in.

/** A number, or `max`: the maximum the check declares in its perfdata (a filesystem's size). */
export type LimitSetting = number | 'max';

export interface CapacityQuestion {
  /** Absent: `max` when the metric grows, 0 when it falls (free space running out). */
  limit?: LimitSetting;
  direction: Direction;
  /** How far back the trend is fitted, ms. */
  windowMs: number;
  minSamples: number;
  /** Absent: a tenth of the window, at most a day. */
  minSpanMs?: number;
  /** What the sentence calls the metric. */
  what: string;
}

export const DEFAULT_MIN_SAMPLES = 10;
export const DEFAULT_WINDOW_MS = 30 * DAY_MS;

export interface CapacityAnswer {
  forecast: Forecast;
  limit: number;
  unit: string;
  /** One sentence: "storage exhausted in about 90 days (2027-02-25), growing 1.2 GB/day". */
  summary: string;
  /** The trend line from the first sample to the crossing (or one window past now), for charts. */
  projection: TimedValue[];
}

/** The limit the question means, or what is missing to know it. */
export function resolveLimit(
  limit: LimitSetting | undefined,
  direction: Direction,
  declaredMax: number | undefined,
): { value: number; exhausts: boolean } | { problem: string } {
  const setting = limit ?? (direction === 'up' ? 'max' : 0);
  if (setting !== 'max') return { value: setting, exhausts: direction === 'down' && setting === 0 };
  if (direction === 'down')
    return { problem: 'limit max applies to a growing metric; a falling one needs a number (its floor)' };
  if (declaredMax === undefined)
    return { problem: 'limit max: the stored perfdata declares no maximum; set limit to a number' };
  return { value: declaredMax, exhausts: true };
}

export function answerCapacity(
  series: StoredSeries,
  question: CapacityQuestion,
  now: number,
): CapacityAnswer | { problem: string } {
  const limit = resolveLimit(question.limit, question.direction, series.declaredMax);
  if ('problem' in limit) return limit;
  const since = now - question.windowMs;
  const samples = series.samples.filter((sample) => sample.at >= since && sample.at <= now);
  const result = forecast({
    samples,
    limit: limit.value,
    direction: question.direction,
    now,
    minSamples: question.minSamples,
    minSpanMs: question.minSpanMs ?? Math.min(DAY_MS, question.windowMs / 10),
  });
  const wording: ForecastWording = {
    what: question.what,
    unit: series.unit,
    limit: limit.value,
    exhausts: limit.exhausts,
  };
  return {
    forecast: result,
    limit: limit.value,
    unit: series.unit,
    summary: describeForecast(result, wording),
    projection: projection(result, now, question.windowMs),
  };
}

function projection(result: Forecast, now: number, windowMs: number): TimedValue[] {
  if (result.verdict === 'not-enough-data') return [];
  const { fit } = result;
  const end = result.verdict === 'crossing' ? result.at : now + windowMs;
  const times = [fit.firstAt, now, end].filter((at, i, all) => i === 0 || at > (all[i - 1] as number));
  return times.map((at) => ({ at, value: trendValueAt(fit, at, now) }));
}

/** A limit as written on a command line or in a query: a number or `max`. */
export function parseLimitSetting(text: string): LimitSetting | { problem: string } {
  if (text.trim() === 'max') return 'max';
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    return { problem: `limit "${text}" is not a number or max` };
  return value;
}

/** A window as written: a duration such as 30d or 12h. */
export function parseWindow(text: string): number | { problem: string } {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0)
    return { problem: `window "${text}" is not a duration such as 30d or 12h` };
  return ms;
}
