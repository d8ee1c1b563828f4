import type { FirstPost } from '../../store/incidents.ts';

// How long customers waited for the first public word about an incident, measured from the
// first hard failure. The promise a team makes (5 minutes after a 20-minute silence; Vigil's
// default publish delay is one minute) is judged against every incident, not an average.

export interface FirstPostReport {
  incidents: number;
  medianMs: number | null;
  p90Ms: number | null;
  maxMs: number | null;
  promiseMs: number;
  /** Incidents whose first post came later than the promise. */
  overPromise: number;
  /** The late ones, slowest first. */
  late: { id: number; firstPostMs: number }[];
}

/** The value at quantile q (0..1) by the nearest-rank method over ascending values. */
export function nearestRank(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export function firstPostReport(posts: readonly FirstPost[], promiseMs: number): FirstPostReport {
  const waits = posts.map((p) => Math.max(0, p.firstPostMs)).sort((a, b) => a - b);
  const late = posts
    .filter((p) => p.firstPostMs > promiseMs)
    .map((p) => ({ id: p.id, firstPostMs: p.firstPostMs }))
    .sort((a, b) => b.firstPostMs - a.firstPostMs);
  return {
    incidents: posts.length,
    medianMs: nearestRank(waits, 0.5),
    p90Ms: nearestRank(waits, 0.9),
    maxMs: waits.at(-1) ?? null,
    promiseMs,
    overPromise: late.length,
    late,
  };
}
