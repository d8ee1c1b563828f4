// Wall-clock arithmetic in IANA time zones with nothing but Intl.DateTimeFormat.
//
// Schedules and time periods are written in local wall-clock time ("monday 09:00"). We
// put every local reading on one "local timeline": milliseconds since 1970-01-01 00:00 *as
// the clock on the wall shows it*, so day arithmetic is plain integer arithmetic and only
// the conversion to and from real instants needs the zone.
//
// The one DST rule everything follows: a wall-clock time T stands for **the first moment
// the clock shows T or later**. On a spring-forward day a time inside the skipped hour
// therefore means the moment of the jump, and on a fall-back day a time inside the repeated
// hour means its first occurrence. The conversion is monotone, so an interval of wall-clock
// time maps to one interval of real time: shorter when it spans the skipped hour, longer
// when it spans the repeated hour, empty when it lies wholly inside the skipped hour.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether Intl knows this IANA zone name (Europe/Berlin, America/Chicago, UTC). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at instant `at`, in milliseconds (Berlin in summer: +7,200,000). */
export function offsetAt(timeZone: string, at: number): number {
  // Intl is slow (microseconds a call) and schedules ask for the same days over and over:
  // remember each UTC day's offset and, for the few days with a change, when it happens.
  // Zones change their offset at most once a day.
  let days = offsetDays.get(timeZone);
  if (!days) {
    days = new Map();
    offsetDays.set(timeZone, days);
  }
  const day = Math.floor(at / DAY_MS);
  let known = days.get(day);
  if (!known) {
    if (days.size > 50_000) days.clear();
    const start = day * DAY_MS;
    const before = intlOffsetAt(timeZone, start);
    const after = intlOffsetAt(timeZone, start + DAY_MS - 1000);
    known =
      before === after
        ? { before, changeAt: Number.POSITIVE_INFINITY, after }
        : { before, changeAt: firstSecondWithOffset(timeZone, start, start + DAY_MS - 1000, after), after };
    days.set(day, known);
  }
  return at < known.changeAt ? known.before : known.after;
}

const offsetDays = new Map<string, Map<number, { before: number; changeAt: number; after: number }>>();

function firstSecondWithOffset(timeZone: string, low: number, high: number, offset: number): number {
  let lo = low;
  let hi = high;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (intlOffsetAt(timeZone, mid) === offset) hi = mid;
    else lo = mid;
  }
  return hi;
}

function intlOffsetAt(timeZone: string, at: number): number {
  const seconds = Math.floor(at / 1000) * 1000;
  const fields: Record<string, number> = {};
  let bc = false;
  for (const part of formatterFor(timeZone).formatToParts(seconds)) {
    if (part.type === 'era') bc = part.value.startsWith('B');
    else if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const year = bc ? 1 - (fields.year ?? 0) : (fields.year ?? 0);
  const wall = Date.UTC(
    year,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
  );
  // Date.UTC maps years 0..99 to 1900..1999.
  const fixed = year >= 0 && year < 100 ? new Date(wall).setUTCFullYear(year) : wall;
  return fixed - seconds;
}

/** Longest backward jump of a clock we allow for (real ones are 1 hour, Lord Howe 30 minutes). */
const MAX_BACKWARD_JUMP_MS = 3 * HOUR_MS;

/**
 * The latest wall-clock reading shown at or before `at`. It differs from the clock only in
 * the repeated hour after a fall-back, where it stays at the reading just before the jump:
 * by the first-moment rule a wall-clock time that has already passed has started, even
 * though the clock shows it again.
 */
export function wallClockReached(timeZone: string, at: number): number {
  const now = offsetAt(timeZone, at);
  const earlier = offsetAt(timeZone, at - MAX_BACKWARD_JUMP_MS);
  if (earlier <= now) return at + now;
  const jump = firstInstantWithOffset(timeZone, at - MAX_BACKWARD_JUMP_MS, at, now);
  return Math.max(at + now, jump - 1 + earlier);
}

/** The first moment the clock shows `wall` (a local-timeline value) or later. */
export function instantOfWallClock(timeZone: string, wall: number): number {
  const before = offsetAt(timeZone, wall - 16 * HOUR_MS);
  const after = offsetAt(timeZone, wall + 16 * HOUR_MS);
  const viaBefore = wall - before;
  const viaAfter = wall - after;
  const validBefore = offsetAt(timeZone, viaBefore) === before;
  const validAfter = offsetAt(timeZone, viaAfter) === after;
  if (validBefore && validAfter) return Math.min(viaBefore, viaAfter);
  if (validBefore) return viaBefore;
  if (validAfter) return viaAfter;
  // The clock skips this reading: it starts to apply when the clock jumps past it.
  return firstInstantWithOffset(
    timeZone,
    Math.min(viaBefore, viaAfter),
    Math.max(viaBefore, viaAfter),
    after,
  );
}

/** Binary search for the first instant in (low, high] at which the zone has `offset`. */
function firstInstantWithOffset(timeZone: string, low: number, high: number, offset: number): number {
  let lo = low;
  let hi = high;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(timeZone, mid) === offset) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Day number (days since 1970-01-01) of a local-timeline value. */
export function dayOf(wall: number): number {
  return Math.floor(wall / DAY_MS);
}

/** Monday = 0 ... Sunday = 6. */
export function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

/** Day number of a calendar date, or undefined when there is no such date (2026-02-30). */
export function dayOfDate(year: number, month: number, day: number): number | undefined {
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return undefined;
  return ms / DAY_MS;
}

/** Month (1-12) and day of month of a day number. */
export function monthDayOf(day: number): { month: number; day: number } {
  const date = new Date(day * DAY_MS);
  return { month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** `2026-12-25` for a day number. */
export function isoDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` or `YYYY-MM-DDTHH:MM[:SS]` as wall-clock time in
 * `timeZone`, or an ISO time with `Z` / an offset as that exact instant. YAML turns unquoted
 * timestamps into Date objects (read as UTC when they carry no offset); those are taken as
 * the instant they name.
 */
export function parseLocalDateTime(value: unknown, timeZone: string): number | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  if (match) {
    const day = dayOfDate(Number(match[1]), Number(match[2]), Number(match[3]));
    const hour = Number(match[4] ?? 0);
    const minute = Number(match[5] ?? 0);
    const second = Number(match[6] ?? 0);
    if (day === undefined || hour > 24 || minute > 59 || second > 59) return undefined;
    if (hour === 24 && (minute > 0 || second > 0)) return undefined;
    return instantOfWallClock(timeZone, day * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * 1000);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/**
 * The zone's short name at `at`: CET, CEST, CDT, or GMT+9 where English has no
 * abbreviation (en-US knows the American ones, en-GB the European ones).
 */
export function zoneAbbreviation(at: number, timeZone: string): string {
  const names = ['en-US', 'en-GB'].map(
    (locale) =>
      new Intl.DateTimeFormat(locale, { timeZone, timeZoneName: 'short' })
        .formatToParts(at)
        .find((p) => p.type === 'timeZoneName')?.value ?? '',
  );
  return names.find((n) => !/^GMT[+-−]/.test(n)) ?? names[0] ?? '';
}

/** Formats an instant as local time in `timeZone`: `Mon 2026-03-16 09:00 CET`. */
export function formatInZone(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('weekday')} ${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${zoneAbbreviation(at, timeZone)}`;
}
