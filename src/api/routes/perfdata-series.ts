import type { PerfSample } from '../../store/store.ts';

// Performance data as chart series: one per label, at most a fixed number of points each.
// Raw samples (and the store's hourly buckets) come back as they are while they fit;
// beyond that they are folded into equal time buckets. Pure.

export interface SeriesPoint {
  at: number;
  min: number;
  avg: number;
  max: number;
  count: number;
}

export interface Series {
  label: string;
  unit: string;
  /** Bucket width in ms; 0 when the points are the stored samples themselves. */
  step: number;
  points: SeriesPoint[];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Bucket widths a person reads easily; beyond the last, whole weeks. */
const NICE_STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
];

/** The smallest readable bucket width that puts [since, until] into at most `maxPoints` buckets. */
export function stepFor(since: number, until: number, maxPoints: number): number {
  // Buckets are aligned to multiples of the step, so a range can touch two partial ones.
  const least = Math.max(1, (until - since) / Math.max(1, maxPoints - 2));
  for (const step of NICE_STEPS) if (step >= least) return step;
  return Math.ceil(least / (7 * DAY)) * 7 * DAY;
}

/** Samples (any order) into one series per label, sorted by label; each at most `maxPoints` points. */
export function seriesOf(
  samples: readonly PerfSample[],
  since: number,
  until: number,
  maxPoints: number,
): Series[] {
  const byLabel = new Map<string, PerfSample[]>();
  for (const sample of samples) {
    const list = byLabel.get(sample.label);
    if (list) list.push(sample);
    else byLabel.set(sample.label, [sample]);
  }
  const series: Series[] = [];
  for (const [label, list] of byLabel) {
    list.sort((a, b) => a.at - b.at);
    const unit = list.reduce((found, s) => s.unit || found, '');
    if (list.length <= maxPoints) {
      series.push({
        label,
        unit,
        step: 0,
        points: list.map((s) => ({ at: s.at, min: s.min, avg: s.avg, max: s.max, count: s.count })),
      });
      continue;
    }
    const step = stepFor(
      Math.min(since, list[0]?.at ?? since),
      Math.max(until, list[list.length - 1]?.at ?? until),
      maxPoints,
    );
    const points: SeriesPoint[] = [];
    let current: (SeriesPoint & { sum: number }) | undefined;
    for (const sample of list) {
      const at = Math.floor(sample.at / step) * step;
      if (!current || current.at !== at) {
        if (current) points.push(finish(current));
        current = { at, min: sample.min, max: sample.max, avg: 0, count: 0, sum: 0 };
      }
      current.min = Math.min(current.min, sample.min);
      current.max = Math.max(current.max, sample.max);
      current.sum += sample.avg * sample.count;
      current.count += sample.count;
    }
    if (current) points.push(finish(current));
    series.push({ label, unit, step, points });
  }
  return series.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

function finish(bucket: SeriesPoint & { sum: number }): SeriesPoint {
  // Clamped: floating-point sums can land a hair outside [min, max].
  const avg =
    bucket.count > 0 ? Math.min(bucket.max, Math.max(bucket.min, bucket.sum / bucket.count)) : bucket.min;
  return { at: bucket.at, min: bucket.min, avg, max: bucket.max, count: bucket.count };
}
