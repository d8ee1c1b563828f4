// Dates in the site's time zone. Intl formatters are costly to build, so one per zone and style
// is kept: a site with a thousand incidents formats thousands of dates per generation.

type Style = 'dateTime' | 'day' | 'shortDay' | 'month';

const OPTIONS: Record<Style, Intl.DateTimeFormatOptions> = {
  dateTime: {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
    timeZoneName: 'short',
  },
  day: { day: 'numeric', month: 'long', year: 'numeric' },
  shortDay: { day: 'numeric', month: 'short' },
  month: { month: 'long', year: 'numeric' },
};

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, style: Style): Intl.DateTimeFormat {
  const key = `${timeZone}\u0000${style}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat('en-GB', { ...OPTIONS[style], timeZone });
    formatters.set(key, found);
  }
  return found;
}

/** "6 Mar 2026, 14:05 UTC" */
export function formatDateTime(at: number, timeZone: string): string {
  return formatter(timeZone, 'dateTime').format(at);
}

/** "6 March 2026" */
export function formatDay(at: number, timeZone: string): string {
  return formatter(timeZone, 'day').format(at);
}

/** "March 2026" */
export function formatMonth(at: number, timeZone: string): string {
  return formatter(timeZone, 'month').format(at);
}

/** A YYYY-MM-DD day as "6 Mar" (the day needs no zone: it already is the site's day). */
export function formatIsoDay(date: string): string {
  const at = Date.parse(`${date}T12:00:00Z`);
  return Number.isNaN(at) ? date : formatter('UTC', 'shortDay').format(at);
}

/** ISO 8601 in UTC, for JSON, Atom and <time datetime>. */
export function isoTime(at: number): string {
  return new Date(at).toISOString();
}
