import { z } from 'zod';
import {
  DAY_MS,
  dayOf,
  dayOfDate,
  instantOfWallClock,
  isValidTimeZone,
  MINUTE_MS,
  monthDayOf,
  WEEKDAYS,
  wallClockReached,
  weekdayOf,
} from './zoned-time.ts';

// Named time periods in the manner of Nagios timeperiods: weekly ranges of local
// wall-clock time in one IANA zone, extra dates, and exclusions (holidays). All functions
// here are pure: the time to evaluate is always an argument.

/** Which local days a rule applies to. */
export type DaySelector =
  | { kind: 'weekdays'; days: readonly boolean[] /* index 0 = Monday */ }
  | { kind: 'dates'; first: number; last: number /* day numbers, inclusive */ }
  | { kind: 'yearly'; month: number; day: number };

/** Minutes after local midnight; `end` > 1440 when the range runs past midnight into the next day. */
export interface MinuteRange {
  start: number;
  end: number;
}

/** One line of a period, e.g. `monday-friday 09:00-17:30` or `2026-12-25`. */
export interface PeriodRule {
  text: string;
  days: DaySelector;
  times: readonly MinuteRange[];
}

export interface TimePeriod {
  timeZone: string;
  include: readonly PeriodRule[];
  exclude: readonly PeriodRule[];
}

export interface PeriodError {
  path: (string | number)[];
  message: string;
}

/** Next transitions are looked for this far ahead; beyond that the period counts as constant. */
export const TRANSITION_HORIZON_DAYS = 3660;

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

const WHOLE_DAY: readonly MinuteRange[] = [{ start: 0, end: 1440 }];
const EVERY_DAY: DaySelector = { kind: 'weekdays', days: [true, true, true, true, true, true, true] };

function weekdayIndex(word: string): number | undefined {
  const index = WEEKDAYS.findIndex((d) => d === word || (word.length >= 3 && d.startsWith(word)));
  return index >= 0 ? index : undefined;
}

function monthIndex(word: string): number | undefined {
  const index = MONTHS.findIndex((m) => m === word || (word.length >= 3 && m.startsWith(word)));
  return index >= 0 ? index + 1 : undefined;
}

function parseClock(text: string, allow24: boolean): number | string {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) return `"${text}" is not a time of day (write HH:MM, e.g. 09:00)`;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (hours === 24 && minutes === 0 && allow24) return 1440;
  if (hours > 23 || minutes > 59)
    return `"${text}" is not a time of day${allow24 ? '' : ' (24:00 may only end a range)'}`;
  return hours * 60 + minutes;
}

function parseTimes(text: string): MinuteRange[] | string {
  const ranges: MinuteRange[] = [];
  for (const piece of text.split(',')) {
    const [from, to, ...rest] = piece.split('-').map((s) => s.trim());
    if (from === undefined || to === undefined || rest.length > 0)
      return `"${piece.trim()}" is not a time range (write HH:MM-HH:MM, e.g. 09:00-17:30)`;
    const start = parseClock(from, false);
    if (typeof start === 'string') return start;
    const end = parseClock(to, true);
    if (typeof end === 'string') return end;
    if (start === end)
      return `"${piece.trim()}" is empty (write 00:00-24:00 for a whole day; a range may cross midnight, e.g. 22:00-06:00)`;
    // A range that ends before it starts runs past midnight into the next day.
    ranges.push({ start, end: end < start ? end + 1440 : end });
  }
  return ranges;
}

function parseDate(text: string): number | string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const day = match ? dayOfDate(Number(match[1]), Number(match[2]), Number(match[3])) : undefined;
  return day ?? `"${text}" is not a date (write YYYY-MM-DD, e.g. 2026-12-25)`;
}

function parseDays(text: string): DaySelector | string {
  if (text === 'daily' || text === 'every day' || text === '24x7') return EVERY_DAY;
  if (/^\d{4}-/.test(text)) {
    const [firstText, lastText, ...rest] = text.split('..').map((s) => s.trim());
    if (rest.length > 0 || firstText === undefined) return `"${text}" is not a date or date range`;
    const first = parseDate(firstText);
    if (typeof first === 'string') return first;
    const last = lastText === undefined ? first : parseDate(lastText);
    if (typeof last === 'string') return last;
    if (last < first) return `date range "${text}" ends before it starts`;
    return { kind: 'dates', first, last };
  }
  const yearly = /^([a-z]+)\s+(\d{1,2})$/.exec(text);
  if (yearly) {
    const month = monthIndex(yearly[1] as string);
    const day = Number(yearly[2]);
    // 2024 is a leap year: february 29 is allowed and applies in leap years only.
    if (month === undefined || dayOfDate(2024, month, day) === undefined)
      return `"${text}" is not a day of the year (write e.g. december 25)`;
    return { kind: 'yearly', month, day };
  }
  const days = [false, false, false, false, false, false, false];
  for (const item of text.split(',').map((s) => s.trim())) {
    const [fromWord, toWord, ...rest] = item.split('-').map((s) => s.trim());
    const from = weekdayIndex(fromWord ?? '');
    const to = toWord === undefined ? from : weekdayIndex(toWord);
    const bad =
      from === undefined ? fromWord : to === undefined ? toWord : rest.length > 0 ? item : undefined;
    if (bad !== undefined || from === undefined || to === undefined)
      return `"${bad ?? item}" is not a day (write monday ... sunday, mon-fri, a list like "saturday,sunday", daily, a date 2026-12-25, a date range 2026-12-24..2026-12-26, or a yearly day like "december 25")`;
    // Day ranges may wrap around the week: friday-monday.
    for (let d = from; ; d = (d + 1) % 7) {
      days[d] = true;
      if (d === to) break;
    }
  }
  return { kind: 'weekdays', days };
}

/** Parses one rule line: `<days> [<HH:MM-HH:MM>[,<HH:MM-HH:MM>...]]`, or `24x7`. */
export function parseRule(raw: string): PeriodRule | string {
  const text = raw.trim().toLowerCase().replace(/\s+/g, ' ');
  if (text === '') return 'is empty';
  const split =
    /^(.*?)\s*((?:\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2})(?:\s*,\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2})*)$/.exec(
      text,
    );
  const daysText = split ? (split[1] as string) : text;
  if (split && daysText === '')
    return `"${raw}" has times but no days (write e.g. "monday-friday ${split[2]}")`;
  const days = parseDays(daysText);
  if (typeof days === 'string') return days;
  if (daysText === '24x7' && split) return '"24x7" takes no times';
  const times = split ? parseTimes(split[2] as string) : WHOLE_DAY;
  if (typeof times === 'string') return times;
  return { text: raw.trim(), days, times };
}

/** YAML reads an unquoted 2026-12-25 as a Date (UTC midnight); take it back as the date it names. */
function ruleText(value: unknown): unknown {
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    const iso = value.toISOString();
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
  }
  return value;
}

const ruleSchema = z.preprocess(
  ruleText,
  z
    .string({ error: 'must be a text such as "monday-friday 09:00-17:30" or "2026-12-25"' })
    .transform((line, ctx): PeriodRule => {
      const rule = parseRule(line);
      if (typeof rule !== 'string') return rule;
      ctx.addIssue({ code: 'custom', message: rule });
      return z.NEVER;
    }),
);

const timeZoneSchema = z
  .string({ error: 'time_zone is required: an IANA zone such as Europe/Berlin or America/Chicago, or UTC' })
  .refine(isValidTimeZone, {
    message: 'is not a time zone known to this system (examples: Europe/Berlin, America/Chicago, UTC)',
  });

/**
 * A time period as written in the config: `24x7`, or a time zone, the ranges it includes
 * and the dates or ranges it excludes. Parses to a TimePeriod; every bad line is reported
 * with its path (`ranges.2`, `exclude.0`).
 */
export const timePeriodSchema = z.preprocess(
  (raw) => (raw === '24x7' ? { time_zone: 'UTC', ranges: ['24x7'] } : raw),
  z
    .strictObject(
      {
        time_zone: timeZoneSchema,
        ranges: z
          .array(ruleSchema)
          .min(1, 'must list at least one range (e.g. "monday-friday 09:00-17:30", or "24x7")'),
        exclude: z.array(ruleSchema).optional(),
      },
      { error: 'must be "24x7" or a mapping with time_zone, ranges and optionally exclude' },
    )
    .transform(
      (raw): TimePeriod => ({ timeZone: raw.time_zone, include: raw.ranges, exclude: raw.exclude ?? [] }),
    ),
);

export type RawTimePeriod = z.input<typeof timePeriodSchema>;

/** Parses a period from config data, or lists what is wrong with it. */
export function parseTimePeriod(
  raw: unknown,
): { ok: true; period: TimePeriod } | { ok: false; errors: PeriodError[] } {
  const parsed = timePeriodSchema.safeParse(raw);
  if (parsed.success) return { ok: true, period: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({
      path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
      message: issue.message,
    })),
  };
}

function appliesOn(days: DaySelector, day: number): boolean {
  switch (days.kind) {
    case 'weekdays':
      return days.days[weekdayOf(day)] === true;
    case 'dates':
      return day >= days.first && day <= days.last;
    case 'yearly': {
      const date = monthDayOf(day);
      return date.month === days.month && date.day === days.day;
    }
  }
}

/** Whether any rule covers the local-timeline value `wall` (rules of the day before may run past midnight). */
function covers(rules: readonly PeriodRule[], wall: number): boolean {
  const day = dayOf(wall);
  for (let d = day - 1; d <= day; d++) {
    for (const rule of rules) {
      if (!appliesOn(rule.days, d)) continue;
      for (const { start, end } of rule.times) {
        if (wall >= d * DAY_MS + start * MINUTE_MS && wall < d * DAY_MS + end * MINUTE_MS) return true;
      }
    }
  }
  return false;
}

/** Whether the period holds at a local-timeline value. */
function holdsAtWall(period: TimePeriod, wall: number): boolean {
  return covers(period.include, wall) && !covers(period.exclude, wall);
}

/** Whether the period holds at instant `at` (ms since epoch). */
export function isInPeriod(period: TimePeriod, at: number): boolean {
  return holdsAtWall(period, wallClockReached(period.timeZone, at));
}

/** Local-timeline values after `after` at which a rule starts or ends, day by day, ascending. */
function* boundariesAfter(period: TimePeriod, after: number, horizonDays: number): Generator<number> {
  const firstDay = dayOf(after);
  for (let day = firstDay; day <= firstDay + horizonDays; day++) {
    const points = new Set<number>();
    const dayStart = day * DAY_MS;
    for (let d = day - 1; d <= day; d++) {
      for (const rules of [period.include, period.exclude]) {
        for (const rule of rules) {
          if (!appliesOn(rule.days, d)) continue;
          for (const { start, end } of rule.times) {
            const from = d * DAY_MS + start * MINUTE_MS;
            const to = d * DAY_MS + end * MINUTE_MS;
            if (from >= dayStart && from < dayStart + DAY_MS && from > after) points.add(from);
            if (to >= dayStart && to < dayStart + DAY_MS && to > after) points.add(to);
          }
        }
      }
    }
    yield* [...points].sort((a, b) => a - b);
  }
}

/**
 * The first instant after `at` at which the period starts or ends, or undefined when it
 * does not change within TRANSITION_HORIZON_DAYS (24x7 without exclusions, an empty period).
 */
export function nextTransition(period: TimePeriod, at: number): number | undefined {
  let reached = wallClockReached(period.timeZone, at);
  const holdsNow = holdsAtWall(period, reached);
  const horizon = dayOf(reached) + TRANSITION_HORIZON_DAYS;
  while (dayOf(reached) <= horizon) {
    let boundary: number | undefined;
    for (const point of boundariesAfter(period, reached, horizon - dayOf(reached))) {
      if (holdsAtWall(period, point) !== holdsAtWall(period, point - 1)) {
        boundary = point;
        break;
      }
    }
    if (boundary === undefined) return undefined;
    // A change inside the skipped hour of a spring-forward day collapses onto the moment of
    // the jump, together with anything else in that hour; it is real only if the state
    // after the jump differs.
    const instant = instantOfWallClock(period.timeZone, boundary);
    reached = wallClockReached(period.timeZone, instant);
    if (holdsAtWall(period, reached) !== holdsNow) return instant;
  }
  return undefined;
}
