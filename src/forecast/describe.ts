import { formatQuantity } from './quantity.ts';
import { DAY_MS, type Forecast } from './trend.ts';

// A forecast in one sentence, the way the check's status line, the report and the API
// word it: "storage exhausted in about 90 days (2027-02-25), growing 1.2 GB/day".

export interface ForecastWording {
  /** What is forecast, as the operator calls it: "storage", "db-1/disk-data /var". */
  what: string;
  unit: string;
  limit: number;
  /** The limit is the end of the resource (its declared max, or an empty floor): say "exhausted". */
  exhausts: boolean;
}

export function describeForecast(result: Forecast, wording: ForecastWording): string {
  const limit = formatQuantity(wording.limit, wording.unit);
  const reaches = wording.exhausts ? 'exhausted' : `reaches ${limit}`;
  switch (result.verdict) {
    case 'not-enough-data':
      return `not enough data to forecast ${wording.what}: ${result.reason}`;
    case 'not-growing':
      return `${wording.what} not growing toward ${limit}: ${result.reason} (${rate(result.fit.slopePerDay, wording.unit)})`;
    case 'reached':
      return `${wording.what} ${wording.exhausts ? 'exhausted' : `at ${limit}`} now (trend value ${formatQuantity(result.fit.valueAtNow, wording.unit)})`;
    case 'crossing':
      return `${wording.what} ${reaches} in about ${timeLeft(result.daysLeft)} (${isoDate(result.at)}), ${rate(result.fit.slopePerDay, wording.unit)}`;
  }
}

/** "growing 1.2 GB/day", "shrinking 300 MB/day". */
export function rate(slopePerDay: number, unit: string): string {
  if (slopePerDay === 0) return 'flat';
  return `${slopePerDay > 0 ? 'growing' : 'shrinking'} ${formatQuantity(Math.abs(slopePerDay), unit)}/day`;
}

/** "90 days", "1 day", "20 hours": whole days from two days on, hours below. */
export function timeLeft(days: number): string {
  if (days >= 2) return `${Math.round(days)} days`;
  const hours = Math.max(1, Math.round((days * DAY_MS) / 3_600_000));
  return hours >= 24 ? '1 day' : `${hours} hour${hours === 1 ? '' : 's'}`;
}

export function isoDate(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}
