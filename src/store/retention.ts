// How long each kind of data is kept, and the pure arithmetic of downsampling raw check
// results into hourly perfdata buckets. Both backends run the same chunked algorithm:
// delete a bounded chunk of expired results RETURNING their perfdata, fold it into hourly
// buckets here, upsert the buckets, commit. A chunk is one transaction, so a crash between
// chunks neither loses nor double-counts a sample.
import type { PerfDatum, StoreSettings } from '../model/types.ts';
import type { PerfdataHourlyTable } from './schema.ts';

export type RetentionPolicy = Pick<
  StoreSettings,
  'resultRetentionMs' | 'downsampledRetentionMs' | 'historyRetentionMs'
>;

const DAY_MS = 24 * 60 * 60 * 1000;
export const HOUR_MS = 60 * 60 * 1000;

export const DEFAULT_RETENTION: RetentionPolicy = {
  resultRetentionMs: 7 * DAY_MS,
  downsampledRetentionMs: 400 * DAY_MS,
  historyRetentionMs: 400 * DAY_MS,
};

/**
 * Rows per maintenance transaction. Small enough that one chunk takes a few
 * milliseconds (SQLite blocks the event loop while it runs), large enough that a day of
 * 1,667 results/s is worked through in reasonable time.
 */
export const MAINTENANCE_CHUNK_ROWS = 5000;

export function hourStart(at: number): number {
  return Math.floor(at / HOUR_MS) * HOUR_MS;
}

export interface ExpiredResult {
  object_id: string;
  started_at: number;
  perfdata: string;
}

/** Fold expired results into hourly buckets; non-finite values are not samples. */
export function bucketHourly(results: readonly ExpiredResult[]): PerfdataHourlyTable[] {
  const buckets = new Map<string, PerfdataHourlyTable>();
  for (const result of results) {
    const hour = hourStart(result.started_at);
    for (const datum of parsePerfdata(result.perfdata)) {
      if (!Number.isFinite(datum.value)) continue;
      const key = `${result.object_id}\u0000${datum.label}\u0000${hour}`;
      const bucket = buckets.get(key);
      if (bucket === undefined) {
        buckets.set(key, {
          object_id: result.object_id,
          label: datum.label,
          hour_start: hour,
          min: datum.value,
          max: datum.value,
          sum: datum.value,
          count: 1,
          unit: datum.unit,
        });
      } else {
        bucket.min = Math.min(bucket.min, datum.value);
        bucket.max = Math.max(bucket.max, datum.value);
        bucket.sum += datum.value;
        bucket.count += 1;
        bucket.unit = datum.unit;
      }
    }
  }
  return [...buckets.values()];
}

/** Stored perfdata is our own JSON, but a damaged row must not stop maintenance forever. */
export function parsePerfdata(text: string): PerfDatum[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as PerfDatum[]) : [];
  } catch {
    return [];
  }
}

/**
 * How a bucket merges into an existing one. Written with CASE rather than min()/least() so
 * the same text runs on SQLite and PostgreSQL.
 */
export const HOURLY_MERGE_SQL = `on conflict (object_id, label, hour_start) do update set
    min = case when excluded.min < perfdata_hourly.min then excluded.min else perfdata_hourly.min end,
    max = case when excluded.max > perfdata_hourly.max then excluded.max else perfdata_hourly.max end,
    sum = perfdata_hourly.sum + excluded.sum,
    count = perfdata_hourly.count + excluded.count,
    unit = excluded.unit`;

/** Delete one chunk of expired results, oldest first, handing back what downsampling needs. */
export const EXPIRE_RESULTS_SQL = `delete from check_results
  where (object_id, started_at) in (
    select object_id, started_at from check_results where started_at < ? order by started_at limit ?)
  returning object_id, started_at, perfdata`;
