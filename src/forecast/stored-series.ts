import type { Store } from '../store/store.ts';
import type { TimedValue } from './trend.ts';

// Reads one label's history out of the store for a forecast: the edge between the store's
// perfdata (raw samples where kept, hourly buckets beyond) and the pure trend fit.

/** One label's stored perfdata, oldest first. */
export interface StoredSeries {
  /** Raw values where the store still keeps them, hourly averages beyond. */
  samples: TimedValue[];
  /** The unit of the newest sample ('' when there is none). */
  unit: string;
  /** The `max` the check declared in its newest raw result (a filesystem's size), if any. */
  declaredMax?: number;
  /** Every label the object has samples for in the period, for "no label X (known: ...)". */
  labels: string[];
}

export type PerfdataSource = Pick<Store, 'perfdata' | 'results'>;

/** Raw results looked at for a declared max: the newest may be an UNKNOWN without perfdata. */
const RESULTS_FOR_MAX = 5;

export async function readStoredSeries(
  store: PerfdataSource,
  objectId: string,
  label: string,
  since: number,
  until: number,
): Promise<StoredSeries> {
  const [stored, recent] = await Promise.all([
    store.perfdata(objectId, since, until),
    store.results({ objectId, since, until, limit: RESULTS_FOR_MAX }),
  ]);
  const ofLabel = stored.filter((sample) => sample.label === label);
  const declaredMax = recent
    .flatMap((result) => result.perfdata)
    .find(
      (datum) => datum.label === label && typeof datum.max === 'number' && Number.isFinite(datum.max),
    )?.max;
  return {
    samples: ofLabel.map((sample) => ({ at: sample.at, value: sample.avg })),
    unit: ofLabel.at(-1)?.unit ?? '',
    ...(declaredMax !== undefined ? { declaredMax } : {}),
    labels: [...new Set(stored.map((sample) => sample.label))].sort(),
  };
}
