import {
  DAY_MS,
  dayOf,
  dayOfDate,
  instantOfWallClock,
  isoDate,
  monthDayOf,
  offsetAt,
  weekdayOf,
} from '../model/zoned-time.ts';
import type { Span } from './intervals.ts';

// Calendar periods in a time zone: a day is midnight to midnight on the wall clock, so it
// lasts 23 or 25 hours on the days the clocks change; weeks are ISO weeks (Monday first).
// Pure: the zone is an argument, nothing reads the clock.

export const PERIOD_UNITS = ['day', 'week', 'month', 'quarter', 'year'] as const;
export type PeriodUnit = (typeof PERIOD_UNITS)[number];

export interface Period extends Span {
  /** 2026-03-16, 2026-W12, 2026-03, 2026-Q1, 2026, or since..until for a whole report. */
  label: string;
}

/** The local calendar day (days since 1970-01-01) an instant falls on in a zone. */
export function localDayOf(at: number, timeZone: string): number {
  return dayOf(at + offsetAt(timeZone, at));
}

/** The instant a local calendar day starts (its first moment, if midnight is skipped). */
export function startOfLocalDay(day: number, timeZone: string): number {
  return instantOfWallClock(timeZone, day * DAY_MS);
}

function yearMonthOf(day: number): { year: number; month: number } {
  return { year: new Date(day * DAY_MS).getUTCFullYear(), month: monthDayOf(day).month };
}

/** First day of the unit containing a local day. */
function firstDay(unit: PeriodUnit, day: number): number {
  if (unit === 'day') return day;
  if (unit === 'week') return day - weekdayOf(day);
  const { year, month } = yearMonthOf(day);
  const first = unit === 'month' ? month : unit === 'quarter' ? month - ((month - 1) % 3) : 1;
  return dayOfDate(year, first, 1) as number;
}

/** First day of the next unit, from the first day of one. */
function nextFirstDay(unit: PeriodUnit, first: number): number {
  if (unit === 'day') return first + 1;
  if (unit === 'week') return first + 7;
  const { year, month } = yearMonthOf(first);
  const months = unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12;
  return Date.UTC(year, month - 1 + months, 1) / DAY_MS;
}

/** The start of the period of this unit that contains `at`. */
export function startOfPeriod(unit: PeriodUnit, at: number, timeZone: string): number {
  return startOfLocalDay(firstDay(unit, localDayOf(at, timeZone)), timeZone);
}

/** The start of the period after the one containing `at`. */
export function endOfPeriod(unit: PeriodUnit, at: number, timeZone: string): number {
  return startOfLocalDay(nextFirstDay(unit, firstDay(unit, localDayOf(at, timeZone))), timeZone);
}

function labelOf(unit: PeriodUnit, first: number): string {
  const date = isoDate(first);
  switch (unit) {
    case 'day':
      return date;
    case 'week': {
      // The ISO week belongs to the year of its Thursday.
      const thursday = first + 3;
      const year = new Date(thursday * DAY_MS).getUTCFullYear();
      const week = Math.floor((thursday - (dayOfDate(year, 1, 1) as number)) / 7) + 1;
      return `${year}-W${String(week).padStart(2, '0')}`;
    }
    case 'month':
      return date.slice(0, 7);
    case 'quarter':
      return `${date.slice(0, 4)}-Q${Math.floor((yearMonthOf(first).month - 1) / 3) + 1}`;
    case 'year':
      return date.slice(0, 4);
  }
}

/**
 * Splits [since, until) at the unit's boundaries in the zone; the first and last parts are
 * cut at since and until, so the parts always add up to the whole. Without a unit the
 * whole window is one period.
 */
export function splitIntoPeriods(window: Span, unit: PeriodUnit | undefined, timeZone: string): Period[] {
  if (window.end <= window.start) return [];
  if (unit === undefined) {
    const last = Math.max(window.start, window.end - 1);
    return [
      {
        ...window,
        label: `${isoDate(localDayOf(window.start, timeZone))}..${isoDate(localDayOf(last, timeZone))}`,
      },
    ];
  }
  const periods: Period[] = [];
  let first = firstDay(unit, localDayOf(window.start, timeZone));
  let start = window.start;
  while (start < window.end) {
    const nextFirst = nextFirstDay(unit, first);
    const end = Math.min(window.end, startOfLocalDay(nextFirst, timeZone));
    if (end > start) periods.push({ start, end, label: labelOf(unit, first) });
    start = Math.max(start, end);
    first = nextFirst;
  }
  return periods;
}
