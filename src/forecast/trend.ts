// The trend of a metric over time and when it reaches a limit. Pure: samples and the
// clock come in as plain numbers, a verdict comes out.
//
// Why Theil–Sen and not least squares: capacity series are full of one-off jumps — a
// nightly dump lying on the disk for an hour, a log rotation, a table rebuilt in place.
// Least squares lets a single such point swing the slope (and the projected date by
// months); Theil–Sen takes the median of the slopes between all pairs of points, so up to
// about 29 % of the points can be wild before the line moves at all, and it needs no
// tuning. Its cost is quadratic in the points, so the samples are first averaged into at
// most MAX_BINS equal time bins — the mean of points on a line lies on that line, so a
// straight series stays exactly straight.

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Beyond this the projection is a guess about a different system: called "not growing". */
export const HORIZON_MS = 10 * 365 * DAY_MS;

/** Points the pairwise fit works on; 400 points are 79,800 pairs, a few milliseconds. */
export const MAX_BINS = 400;

export interface TimedValue {
  /** ms since the epoch. */
  at: number;
  value: number;
}

export type Direction = 'up' | 'down';

export interface ForecastRequest {
  samples: readonly TimedValue[];
  /** The value the metric must not reach: a ceiling when `direction` is up, a floor when down. */
  limit: number;
  direction: Direction;
  /** The time the forecast is made (the injected clock). */
  now: number;
  /** Fewer usable samples than this is "not enough data". */
  minSamples: number;
  /** Samples spanning less time than this (ms) are "not enough data". */
  minSpanMs: number;
}

/** The fitted line: value(t) = valueAtNow + slopePerMs × (t − now). */
export interface TrendFit {
  slopePerMs: number;
  slopePerDay: number;
  /** The trend's value at `now`, not the last raw sample (which may be an outlier). */
  valueAtNow: number;
  /** 1 − (residual / total sum of squares) against the robust line, clamped to 0..1. */
  rSquared: number;
  /** Typical distance of a sample from the line: 1.4826 × median absolute residual (≈ σ for normal noise). */
  residualSpread: number;
  samples: number;
  firstAt: number;
  lastAt: number;
}

export type Forecast =
  | { verdict: 'not-enough-data'; reason: string; samples: number; spanMs: number }
  | { verdict: 'not-growing'; reason: string; fit: TrendFit }
  | { verdict: 'reached'; fit: TrendFit }
  | { verdict: 'crossing'; fit: TrendFit; at: number; daysLeft: number };

/** When the trend of `samples` reaches the limit, or why that cannot be said. */
export function forecast(request: ForecastRequest): Forecast {
  const samples = usable(request.samples);
  const spanMs = samples.length > 0 ? (samples.at(-1)?.at ?? 0) - (samples[0]?.at ?? 0) : 0;
  const minSamples = Math.max(2, request.minSamples);
  if (samples.length < minSamples)
    return {
      verdict: 'not-enough-data',
      reason: `${samples.length} sample${samples.length === 1 ? '' : 's'}, at least ${minSamples} needed`,
      samples: samples.length,
      spanMs,
    };
  if (spanMs < Math.max(1, request.minSpanMs))
    return {
      verdict: 'not-enough-data',
      reason: `samples span ${describeSpan(spanMs)}, at least ${describeSpan(Math.max(1, request.minSpanMs))} needed`,
      samples: samples.length,
      spanMs,
    };
  const fit = fitTrend(samples, request.now);
  const sign = request.direction === 'up' ? 1 : -1;
  const headroom = sign * (request.limit - fit.valueAtNow);
  if (headroom <= 0) return { verdict: 'reached', fit };
  const towardLimit = sign * fit.slopePerMs;
  if (!(towardLimit > 0))
    return {
      verdict: 'not-growing',
      reason: request.direction === 'up' ? 'the trend is flat or falling' : 'the trend is flat or rising',
      fit,
    };
  const msLeft = headroom / towardLimit;
  if (!(msLeft <= HORIZON_MS))
    return { verdict: 'not-growing', reason: 'at this rate the limit is more than 10 years away', fit };
  return { verdict: 'crossing', fit, at: request.now + msLeft, daysLeft: msLeft / DAY_MS };
}

/**
 * The robust line through the samples (at least two distinct times). Sample order does not
 * matter: they are sorted first, so the same set always gives the same floating-point sums.
 */
export function fitTrend(samples: readonly TimedValue[], now: number): TrendFit {
  const sorted = usable(samples);
  const points = binned(sorted, MAX_BINS);
  // Times relative to now keep the arithmetic well inside double precision.
  const xs = points.map((p) => p.at - now);
  const ys = points.map((p) => p.value);
  const slopes: number[] = [];
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      const dx = (xs[j] as number) - (xs[i] as number);
      if (dx !== 0) slopes.push(((ys[j] as number) - (ys[i] as number)) / dx);
    }
  }
  const slopePerMs = median(slopes);
  const valueAtNow = median(ys.map((y, i) => y - slopePerMs * (xs[i] as number)));
  const residuals = ys.map((y, i) => y - (valueAtNow + slopePerMs * (xs[i] as number)));
  const mean = ys.reduce((sum, y) => sum + y, 0) / ys.length;
  const total = ys.reduce((sum, y) => sum + (y - mean) ** 2, 0);
  const residual = residuals.reduce((sum, r) => sum + r * r, 0);
  return {
    slopePerMs,
    slopePerDay: slopePerMs * DAY_MS,
    valueAtNow,
    rSquared: total === 0 ? 1 : Math.min(1, Math.max(0, 1 - residual / total)),
    residualSpread: 1.4826 * median(residuals.map(Math.abs)),
    samples: sorted.length,
    firstAt: sorted[0]?.at ?? now,
    lastAt: sorted.at(-1)?.at ?? now,
  };
}

/** The trend line's value at a time. */
export function trendValueAt(fit: TrendFit, at: number, now: number): number {
  return fit.valueAtNow + fit.slopePerMs * (at - now);
}

/** Finite samples, sorted by time then value: the canonical order every sum is taken in. */
function usable(samples: readonly TimedValue[]): TimedValue[] {
  return samples
    .filter((s) => Number.isFinite(s.at) && Number.isFinite(s.value))
    .sort((a, b) => a.at - b.at || a.value - b.value);
}

/** Samples averaged into at most `bins` equal time bins (as they are, sorted, if they fit). */
export function binned(samples: readonly TimedValue[], bins: number): TimedValue[] {
  const sorted = usable(samples);
  if (sorted.length <= bins) return [...sorted];
  const first = sorted[0]?.at ?? 0;
  const width = ((sorted.at(-1)?.at ?? first) - first) / bins || 1;
  const out: TimedValue[] = [];
  let bin = -1;
  let sumAt = 0;
  let sumValue = 0;
  let count = 0;
  const flush = () => {
    if (count > 0) out.push({ at: first + sumAt / count, value: sumValue / count });
  };
  for (const sample of sorted) {
    const index = Math.min(bins - 1, Math.floor((sample.at - first) / width));
    if (index !== bin) {
      flush();
      bin = index;
      sumAt = 0;
      sumValue = 0;
      count = 0;
    }
    // Offsets from the first time: a sum of raw epoch times would lose precision.
    sumAt += sample.at - first;
    sumValue += sample.value;
    count += 1;
  }
  flush();
  return out;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function describeSpan(ms: number): string {
  if (ms >= DAY_MS) return `${+(ms / DAY_MS).toFixed(1)} days`;
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toFixed(1)} hours`;
  return `${Math.round(ms / 60_000)} minutes`;
}
