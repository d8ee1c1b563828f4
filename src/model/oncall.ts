import { z } from 'zod';
import {
  isInPeriod,
  nextTransition,
  type PeriodError,
  type TimePeriod,
  timePeriodSchema,
} from './time-period.ts';
import {
  DAY_MS,
  dayOfDate,
  instantOfWallClock,
  isoDate,
  isValidTimeZone,
  MINUTE_MS,
  parseLocalDateTime,
  WEEKDAYS,
  wallClockReached,
  weekdayOf,
} from './zoned-time.ts';

// On-call schedules: layers of rotations, stacked (a later layer wins wherever it
// applies), optionally restricted to a time period, and overrides on top (a later override
// wins where overrides overlap). Pure: every answer is for an instant passed in.

export interface Layer {
  name: string;
  participants: readonly string[];
  timeZone: string;
  /** Length of one shift in local days: 1 for daily, 7 for weekly. */
  shiftDays: number;
  /** Hand-off time, minutes after local midnight. */
  handOffMinute: number;
  /** Local date (day number) of the first hand-off: the first participant's first shift. */
  startDay: number;
  /** Where the layer applies; everywhere when absent. */
  restrictTo?: { name?: string; period: TimePeriod };
}

/** Someone covering the schedule over [start, end), whatever the layers say. */
export interface Override {
  person: string;
  start: number;
  end: number;
  reason?: string;
}

export interface Schedule {
  name: string;
  timeZone: string;
  /** Lowest first: a later layer wins wherever it applies. */
  layers: readonly Layer[];
  /** A later override wins where overrides overlap. */
  overrides: readonly Override[];
}

/** The layer name reported for an override. */
export const OVERRIDE_LAYER = 'override';

export interface OnCall {
  /** Who gets paged; null when nobody is on call (every layer restricted away or not started). */
  person: string | null;
  /** The layer that put them there, `override`, or null. */
  layer: string | null;
  /** When the on-call person next changes; null when that does not happen within CHANGE_HORIZON_MS. */
  until: number | null;
}

/** A stretch of time with the same on-call person. */
export interface Shift {
  person: string | null;
  layer: string | null;
  start: number;
  end: number | null;
}

/** How far ahead a change of person is looked for. */
export const CHANGE_HORIZON_MS = 400 * DAY_MS;

// ---------------------------------------------------------------------------------------
// Config

const personName = z.string({ error: 'must be a person (a contact name)' }).min(1, 'must not be empty');

/** `2026-01-05`, also as the Date YAML makes of it. */
const localDate = z.preprocess(
  (value) =>
    value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString().slice(0, 10) : value,
  z.string({ error: 'must be a date such as 2026-01-05' }).transform((text, ctx) => {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
    const day = match ? dayOfDate(Number(match[1]), Number(match[2]), Number(match[3])) : undefined;
    if (day !== undefined) return day;
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a date (write YYYY-MM-DD, e.g. 2026-01-05)` });
    return z.NEVER;
  }),
);

const rotationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = String(value).trim().toLowerCase();
  if (text === 'daily') return 1;
  if (text === 'weekly') return 7;
  const match = /^(\d+)\s*(d|days?|w|weeks?)$/.exec(text);
  const count = match ? Number(match[1]) * ((match[2] as string).startsWith('w') ? 7 : 1) : 0;
  if (count >= 1 && count <= 366) return count;
  ctx.addIssue({
    code: 'custom',
    message: `"${value}" is not a rotation (write daily, weekly, or a number of days or weeks such as 3d or 2w, at most a year)`,
  });
  return z.NEVER;
});

const handOffSchema = z
  .string({ error: 'must be a time such as "09:00" or "monday 09:00"' })
  .transform((text, ctx) => {
    const match = /^(?:([a-z]+)\s+)?(\d{1,2}):(\d{2})$/.exec(text.trim().toLowerCase());
    const weekday =
      match?.[1] === undefined ? undefined : WEEKDAYS.findIndex((d) => d.startsWith(match[1] as string));
    const hours = Number(match?.[2]);
    const minutes = Number(match?.[3]);
    if (!match || hours > 23 || minutes > 59 || weekday === -1 || (match[1] && match[1].length < 3)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is not a hand-off time (write HH:MM, e.g. "09:00", or a weekday and a time, e.g. "monday 09:00")`,
      });
      return z.NEVER;
    }
    return { weekday, minute: hours * 60 + minutes };
  });

const layerSchema = z.strictObject({
  name: z.string().min(1, 'must not be empty').optional(),
  participants: z
    .array(personName, { error: 'must be a list of people' })
    .min(1, 'the rotation has no participants: list at least one person'),
  rotation: rotationSchema,
  hand_off: handOffSchema,
  start: localDate,
  time_zone: z
    .string()
    .refine(isValidTimeZone, { message: 'is not a known time zone (e.g. Europe/Berlin)' })
    .optional(),
  restrict_to: z.union([z.string().min(1), timePeriodSchema]).optional(),
});

const overrideSchema = z.strictObject({
  person: personName,
  start: z.union([z.string(), z.date()], { error: 'must be a time such as "2026-03-10 18:00"' }),
  end: z.union([z.string(), z.date()], { error: 'must be a time such as "2026-03-11 09:00"' }),
  reason: z.string().optional(),
});

/** A layer as parsed from the config, its time period named or inline but not yet looked up. */
export interface LayerConfig extends Omit<Layer, 'restrictTo'> {
  restrictTo?: string | TimePeriod;
}

export interface ScheduleConfig {
  timeZone: string;
  layers: LayerConfig[];
  overrides: Override[];
}

/**
 * A schedule as written under `schedules:` in the config. Checks everything that can be
 * checked within the schedule; period names (`restrict_to: business-hours`) are looked up
 * by resolveSchedule, contact names by the config loader.
 */
export const scheduleSchema = z
  .strictObject({
    time_zone: z
      .string({
        error: 'time_zone is required: an IANA zone such as Europe/Berlin or America/Chicago, or UTC',
      })
      .refine(isValidTimeZone, {
        message: 'is not a time zone known to this system (examples: Europe/Berlin, America/Chicago, UTC)',
      }),
    layers: z.array(layerSchema).min(1, 'the schedule has no layers: add at least one rotation'),
    overrides: z.array(overrideSchema).optional(),
  })
  .transform((raw, ctx): ScheduleConfig => {
    const names = new Set<string>();
    const layers = raw.layers.map((layer, index): LayerConfig => {
      const name = layer.name ?? `layer ${index + 1}`;
      if (names.has(name))
        ctx.addIssue({
          code: 'custom',
          message: `a second layer is named "${name}"`,
          path: ['layers', index, 'name'],
        });
      names.add(name);
      if (layer.hand_off.weekday !== undefined) {
        if (layer.rotation % 7 !== 0)
          ctx.addIssue({
            code: 'custom',
            message: `hand_off names a weekday, so the rotation must be whole weeks (weekly, 2w), not ${layer.rotation} days`,
            path: ['layers', index, 'hand_off'],
          });
        const weekday = weekdayOf(layer.start);
        if (weekday !== layer.hand_off.weekday) {
          const next = layer.start + ((layer.hand_off.weekday - weekday + 7) % 7);
          ctx.addIssue({
            code: 'custom',
            message: `${isoDate(layer.start)} is a ${WEEKDAYS[weekday]}, but hand-offs are on ${WEEKDAYS[layer.hand_off.weekday]}: start on a ${WEEKDAYS[layer.hand_off.weekday]} (e.g. ${isoDate(next)})`,
            path: ['layers', index, 'start'],
          });
        }
      }
      return {
        name,
        participants: layer.participants,
        timeZone: layer.time_zone ?? raw.time_zone,
        shiftDays: layer.rotation,
        handOffMinute: layer.hand_off.minute,
        startDay: layer.start,
        ...(layer.restrict_to === undefined ? {} : { restrictTo: layer.restrict_to }),
      };
    });
    const overrides = (raw.overrides ?? []).flatMap((override, index): Override[] => {
      const start = parseLocalDateTime(override.start, raw.time_zone);
      const end = parseLocalDateTime(override.end, raw.time_zone);
      const bad = (key: 'start' | 'end') =>
        ctx.addIssue({
          code: 'custom',
          message: `"${String(override[key])}" is not a time (write "YYYY-MM-DD HH:MM" in the schedule's time zone, or an ISO time with Z or an offset)`,
          path: ['overrides', index, key],
        });
      if (start === undefined) bad('start');
      if (end === undefined) bad('end');
      if (start === undefined || end === undefined) return [];
      if (end <= start) {
        ctx.addIssue({
          code: 'custom',
          message: 'the override ends before it starts',
          path: ['overrides', index, 'end'],
        });
        return [];
      }
      return [
        { person: override.person, start, end, ...(override.reason ? { reason: override.reason } : {}) },
      ];
    });
    return { timeZone: raw.time_zone, layers, overrides };
  });

/** Looks up the layers' named time periods; reports unknown names with their path. */
export function resolveSchedule(
  name: string,
  config: ScheduleConfig,
  periods: ReadonlyMap<string, TimePeriod>,
): { ok: true; schedule: Schedule } | { ok: false; errors: PeriodError[] } {
  const errors: PeriodError[] = [];
  const layers = config.layers.map((layer, index): Layer => {
    const { restrictTo, ...rest } = layer;
    if (restrictTo === undefined) return rest;
    if (typeof restrictTo !== 'string') return { ...rest, restrictTo: { period: restrictTo } };
    const period = periods.get(restrictTo);
    if (period) return { ...rest, restrictTo: { name: restrictTo, period } };
    const known = [...periods.keys()];
    errors.push({
      path: ['layers', index, 'restrict_to'],
      message: `no time period "${restrictTo}"${known.length > 0 ? ` (known: ${known.join(', ')})` : ' (define it under time_periods:)'}`,
    });
    return rest;
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, schedule: { name, timeZone: config.timeZone, layers, overrides: config.overrides } };
}

// ---------------------------------------------------------------------------------------
// Who is on call

interface LayerState {
  person: string | null;
  /** The next instant after `at` at which this layer's answer may change, if any. */
  next: number | undefined;
}

function layerAt(layer: Layer, at: number): LayerState {
  const first = layer.startDay * DAY_MS + layer.handOffMinute * MINUTE_MS;
  const shift = layer.shiftDays * DAY_MS;
  // Shifts are counted on the wall clock, so a 09:00 hand-off stays at 09:00 local across
  // DST changes (the shift that contains the change is an hour shorter or longer).
  const reached = wallClockReached(layer.timeZone, at);
  let person: string | null = null;
  let next: number | undefined;
  if (reached < first) {
    next = instantOfWallClock(layer.timeZone, first);
  } else {
    const index = Math.floor((reached - first) / shift);
    person = layer.participants[index % layer.participants.length] ?? null;
    next = instantOfWallClock(layer.timeZone, first + (index + 1) * shift);
  }
  if (layer.restrictTo) {
    const change = nextTransition(layer.restrictTo.period, at);
    if (change !== undefined && (next === undefined || change < next)) next = change;
    if (!isInPeriod(layer.restrictTo.period, at)) person = null;
  }
  return { person, next };
}

interface Answer {
  person: string | null;
  layer: string | null;
  next: number | undefined;
}

function answerAt(schedule: Schedule, at: number): Answer {
  let next: number | undefined;
  const consider = (t: number | undefined) => {
    if (t !== undefined && t > at && (next === undefined || t < next)) next = t;
  };
  let found: { person: string; layer: string } | undefined;
  for (let i = schedule.overrides.length - 1; i >= 0; i--) {
    const override = schedule.overrides[i] as Override;
    consider(override.start);
    consider(override.end);
    if (!found && override.start <= at && at < override.end)
      found = { person: override.person, layer: OVERRIDE_LAYER };
  }
  for (let i = schedule.layers.length - 1; i >= 0; i--) {
    const layer = schedule.layers[i] as Layer;
    const state = layerAt(layer, at);
    consider(state.next);
    if (!found && state.person !== null) found = { person: state.person, layer: layer.name };
  }
  return { person: found?.person ?? null, layer: found?.layer ?? null, next };
}

/** The first instant after `at` at which the person on call differs from `person`, or null. */
function changeAfter(
  schedule: Schedule,
  at: number,
  person: string | null,
  next: number | undefined,
): number | null {
  let t = next;
  while (t !== undefined && t <= at + CHANGE_HORIZON_MS) {
    const answer = answerAt(schedule, t);
    if (answer.person !== person) return t;
    t = answer.next;
  }
  return null;
}

/** Who is on call at `at`, through which layer, and until when. */
export function whoIsOnCall(schedule: Schedule, at: number): OnCall {
  const answer = answerAt(schedule, at);
  return {
    person: answer.person,
    layer: answer.layer,
    until: changeAfter(schedule, at, answer.person, answer.next),
  };
}

/** The shift in progress at `from` (starting at `from`) and the ones after it: `count` shifts at most. */
export function upcoming(schedule: Schedule, from: number, count: number): Shift[] {
  const shifts: Shift[] = [];
  let start = from;
  while (shifts.length < count) {
    const now = whoIsOnCall(schedule, start);
    shifts.push({ person: now.person, layer: now.layer, start, end: now.until });
    if (now.until === null) break;
    start = now.until;
  }
  return shifts;
}
