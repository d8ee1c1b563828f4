import { Cron } from 'croner';
import type { Model } from '../model/types.ts';
import { isValidTimeZone } from '../model/zoned-time.ts';
import type { DowntimeRecord, DowntimeTargetKind } from '../store/suppressions.ts';

// Which objects are in downtime at a given time. Pure: every function takes the time it is
// asked about; nothing reads the clock.
//
// Coverage follows Nagios: a host in downtime silences its services' notifications too
// (`includeServices` additionally puts the services themselves in downtime, for status views
// and availability); `includeChildren` extends a host's downtime to every host whose
// parents lead to it.

export type DowntimeWindow = DowntimeRecord;
export type DowntimeTarget = DowntimeWindow['target'];

/** A window's stretch of time in force: [start, end). */
export interface DowntimeInterval {
  start: number;
  end: number;
}

const TARGET_PREFIXES: Record<string, DowntimeTargetKind> = {
  hostgroup: 'hostgroup',
  group: 'hostgroup',
  tag: 'tag',
};

/** Reads `HOST`, `HOST/SERVICE`, `hostgroup:NAME` (or `group:NAME`) or `tag:NAME`. */
export function parseTarget(text: string): DowntimeTarget | string {
  const trimmed = text.trim();
  const prefixed = /^([a-z]+):(.+)$/.exec(trimmed);
  if (prefixed) {
    const kind = TARGET_PREFIXES[prefixed[1] as string];
    if (!kind) return `"${trimmed}": unknown target kind "${prefixed[1]}" (use hostgroup:NAME or tag:NAME)`;
    return { kind, name: (prefixed[2] as string).trim() };
  }
  if (trimmed === '') return 'the target is empty (write HOST, HOST/SERVICE, hostgroup:NAME or tag:NAME)';
  return { kind: trimmed.includes('/') ? 'service' : 'host', name: trimmed };
}

export function describeTarget(target: DowntimeTarget): string {
  return target.kind === 'host' || target.kind === 'service' ? target.name : `${target.kind}:${target.name}`;
}

/** Why a target names nothing in the model, or undefined when it names something. */
export function unknownTarget(model: Model, target: DowntimeTarget): string | undefined {
  switch (target.kind) {
    case 'host':
      return model.hosts.has(target.name) ? undefined : `no host "${target.name}"`;
    case 'service':
      return model.services.has(target.name) ? undefined : `no service "${target.name}"`;
    case 'hostgroup':
      return model.hostGroups.has(target.name) ? undefined : `no host group "${target.name}"`;
    case 'tag': {
      const tagged =
        [...model.hosts.values()].some((h) => h.tags.includes(target.name)) ||
        [...model.services.values()].some((s) => s.tags.includes(target.name));
      return tagged ? undefined : `no host or service has the tag "${target.name}"`;
    }
  }
}

const WEEKDAY_CRON = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const ORDINALS: Record<string, string> = { first: '1', second: '2', third: '3', fourth: '4', last: 'L' };

function clockOf(text: string): [number, number] | undefined {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [hours, minutes] = [Number(match[1]), Number(match[2])];
  return hours < 24 && minutes < 60 ? [hours, minutes] : undefined;
}

function weekday(word: string): number | undefined {
  const index = WEEKDAY_CRON.indexOf(word.slice(0, 3));
  return index >= 0 && word.length >= 3 ? index : undefined;
}

/**
 * Translates the readable recurrences to cron: `weekly sun 02:00`, `weekly mon,thu 23:30`,
 * `monthly 1 03:00`, `monthly last 03:00` (last day), `monthly first sunday 02:00`,
 * `monthly last friday 22:00`. Anything else is taken as a cron expression.
 */
export function recurrenceToCron(text: string): string | { error: string } {
  const words = text.trim().toLowerCase().split(/\s+/);
  const [kind, ...rest] = words;
  if (kind === 'weekly' || kind === 'monthly') {
    const clock = clockOf(rest.at(-1) ?? '');
    if (!clock) return { error: `"${text}": ends with a time of day HH:MM, e.g. "${kind} ... 02:00"` };
    const [hours, minutes] = clock;
    const days = rest.slice(0, -1);
    if (kind === 'weekly') {
      const list = (days[0] ?? '').split(',').map(weekday);
      if (days.length !== 1 || list.some((d) => d === undefined))
        return { error: `"${text}": write "weekly DAY[,DAY...] HH:MM", e.g. "weekly sun 02:00"` };
      return `${minutes} ${hours} * * ${list.join(',')}`;
    }
    if (
      days.length === 1 &&
      /^\d{1,2}$/.test(days[0] as string) &&
      Number(days[0]) >= 1 &&
      Number(days[0]) <= 31
    )
      return `${minutes} ${hours} ${Number(days[0])} * *`;
    if (days.length === 1 && days[0] === 'last') return `${minutes} ${hours} L * *`;
    if (days.length === 2) {
      const nth = ORDINALS[days[0] as string];
      const day = weekday(days[1] as string);
      if (nth !== undefined && day !== undefined) return `${minutes} ${hours} * * ${day}#${nth}`;
    }
    return {
      error: `"${text}": write "monthly DAY HH:MM" (1-31 or last) or "monthly first|second|third|fourth|last WEEKDAY HH:MM"`,
    };
  }
  return text.trim();
}

const schedules = new Map<string, Cron | string>();

/** The compiled schedule of a recurrence in a time zone, or why it cannot be read. */
export function recurrenceSchedule(text: string, timeZone: string): Cron | string {
  const key = `${timeZone}\u0000${text}`;
  const cached = schedules.get(key);
  if (cached !== undefined) return cached;
  let compiled: Cron | string;
  const cron = recurrenceToCron(text);
  if (typeof cron !== 'string') compiled = cron.error;
  else if (!isValidTimeZone(timeZone)) compiled = `"${timeZone}" is not a time zone known to this system`;
  else {
    try {
      // No callback: the schedule is only asked about, never run.
      compiled = new Cron(cron, { timezone: timeZone, paused: true });
      if (compiled.nextRun(new Date(0)) === null) compiled = `"${text}" never happens`;
    } catch (error) {
      compiled = `"${text}" is not a recurrence: ${(error as Error).message}`;
    }
  }
  schedules.set(key, compiled);
  return compiled;
}

/** What is wrong with a new window, or undefined when it can be stored. */
export function invalidWindow(
  window: Omit<DowntimeWindow, 'id' | 'triggeredAt' | 'cancelledAt'>,
): string | undefined {
  if (!Number.isFinite(window.startAt)) return 'the window has no valid start';
  if (window.recurrence !== null) {
    if (window.type === 'flexible') return 'a recurring window cannot be flexible';
    if (!window.durationMs || window.durationMs <= 0)
      return 'a recurring window needs a length (e.g. --for 2h)';
    const schedule = recurrenceSchedule(window.recurrence, window.timeZone);
    if (typeof schedule === 'string') return schedule;
    if (window.endAt !== null && window.endAt <= window.startAt)
      return 'the recurrence ends before it starts';
    return undefined;
  }
  if (window.endAt === null || !(window.endAt > window.startAt)) return 'the window must end after it starts';
  if (window.type === 'flexible' && !(window.durationMs && window.durationMs > 0))
    return 'a flexible window needs a duration (how long it lasts once triggered)';
  return undefined;
}

/** When a window stops applying at all: its cancellation or its last end. */
function cutOff(window: DowntimeWindow): number {
  return window.cancelledAt ?? Number.POSITIVE_INFINITY;
}

function latestOccurrence(window: DowntimeWindow, at: number): number | undefined {
  const schedule = recurrenceSchedule(window.recurrence as string, window.timeZone);
  if (typeof schedule === 'string') return undefined;
  // croner looks strictly before its reference; one millisecond later includes a start at `at`.
  const [latest] = schedule.previousRuns(1, new Date(at + 1));
  if (!latest) return undefined;
  const start = latest.getTime();
  if (start < window.startAt || (window.endAt !== null && start >= window.endAt)) return undefined;
  return start;
}

/** The interval of the window in force at `at`, or undefined when it is not in force then. */
export function intervalAt(window: DowntimeWindow, at: number): DowntimeInterval | undefined {
  let interval: DowntimeInterval | undefined;
  if (window.recurrence !== null) {
    const start = latestOccurrence(window, at);
    if (start !== undefined) interval = { start, end: start + (window.durationMs ?? 0) };
  } else if (window.type === 'flexible') {
    const triggered = window.triggeredAt;
    if (triggered !== null && triggered >= window.startAt && triggered < (window.endAt ?? 0))
      interval = { start: triggered, end: triggered + (window.durationMs ?? 0) };
  } else {
    interval = { start: window.startAt, end: window.endAt ?? window.startAt };
  }
  if (!interval) return undefined;
  const end = Math.min(interval.end, cutOff(window));
  return at >= interval.start && at < end ? { start: interval.start, end } : undefined;
}

/** The next instant after `at` at which the window starts, ends, or may be triggered. */
export function nextChangeOf(window: DowntimeWindow, at: number): number | undefined {
  const candidates: number[] = [];
  const cut = cutOff(window);
  if (cut > at && cut !== Number.POSITIVE_INFINITY) candidates.push(cut);
  const current = intervalAt(window, at);
  if (current) candidates.push(current.end);
  if (window.recurrence !== null) {
    const schedule = recurrenceSchedule(window.recurrence, window.timeZone);
    if (typeof schedule !== 'string') {
      const next = schedule.nextRun(new Date(Math.max(at, window.startAt - 1)))?.getTime();
      if (next !== undefined && (window.endAt === null || next < window.endAt)) candidates.push(next);
    }
  } else if (window.type === 'flexible') {
    // At its start a flexible window looks at objects already failing.
    if (window.startAt > at && window.triggeredAt === null) candidates.push(window.startAt);
  } else if (window.startAt > at) {
    candidates.push(window.startAt);
  }
  const after = candidates.filter((t) => t > at && t < cut + 1);
  return after.length > 0 ? Math.min(...after) : undefined;
}

interface ModelIndex {
  servicesOf: Map<string, string[]>;
  childrenOf: Map<string, string[]>;
}

const indexes = new WeakMap<Model, ModelIndex>();

function indexOf(model: Model): ModelIndex {
  const cached = indexes.get(model);
  if (cached) return cached;
  const servicesOf = new Map<string, string[]>();
  for (const service of model.services.values()) {
    const list = servicesOf.get(service.host);
    if (list) list.push(service.id);
    else servicesOf.set(service.host, [service.id]);
  }
  const childrenOf = new Map<string, string[]>();
  for (const host of model.hosts.values()) {
    for (const parent of host.parents) {
      const list = childrenOf.get(parent);
      if (list) list.push(host.id);
      else childrenOf.set(parent, [host.id]);
    }
  }
  const index = { servicesOf, childrenOf };
  indexes.set(model, index);
  return index;
}

/** Every host and service a window puts in downtime (not counting services silenced through their host). */
export function coveredObjects(model: Model, window: DowntimeWindow): Set<string> {
  const { target } = window;
  const hosts = new Set<string>();
  const covered = new Set<string>();
  switch (target.kind) {
    case 'host':
      if (model.hosts.has(target.name)) hosts.add(target.name);
      break;
    case 'service':
      if (model.services.has(target.name)) covered.add(target.name);
      break;
    case 'hostgroup':
      for (const member of model.hostGroups.get(target.name)?.members ?? []) hosts.add(member);
      break;
    case 'tag':
      for (const host of model.hosts.values()) if (host.tags.includes(target.name)) hosts.add(host.id);
      for (const service of model.services.values())
        if (service.tags.includes(target.name)) covered.add(service.id);
      break;
  }
  const { servicesOf, childrenOf } = indexOf(model);
  if (window.includeChildren) {
    const queue = [...hosts];
    while (queue.length > 0) {
      for (const child of childrenOf.get(queue.pop() as string) ?? []) {
        if (hosts.has(child)) continue;
        hosts.add(child);
        queue.push(child);
      }
    }
  }
  for (const host of hosts) {
    covered.add(host);
    if (window.includeServices) for (const service of servicesOf.get(host) ?? []) covered.add(service);
  }
  return covered;
}

/** The host of an object id (services are `host/service`). */
function hostPart(objectId: string): string {
  const slash = objectId.indexOf('/');
  return slash < 0 ? objectId : objectId.slice(0, slash);
}

/**
 * All windows over one model: answers "is this object in downtime at t" and "when does
 * anything change next". Build a new one when the windows or the model change.
 */
export class DowntimeCalendar {
  private readonly coverage = new Map<number, Set<string>>();

  constructor(
    private readonly model: Model,
    readonly windows: readonly DowntimeWindow[],
  ) {
    for (const window of windows) this.coverage.set(window.id, coveredObjects(model, window));
  }

  /** Whether a window covers the object, directly or (for a service) through its host. */
  covers(window: DowntimeWindow, objectId: string): boolean {
    const covered = this.coverage.get(window.id) ?? coveredObjects(this.model, window);
    return covered.has(objectId) || (objectId.includes('/') && covered.has(hostPart(objectId)));
  }

  /** Objects a window covers directly, for notes and status views. */
  coveredBy(window: DowntimeWindow): Set<string> {
    return this.coverage.get(window.id) ?? coveredObjects(this.model, window);
  }

  /** Windows in force at `at` that silence the object. */
  windowsFor(objectId: string, at: number): DowntimeWindow[] {
    return this.windows.filter((w) => intervalAt(w, at) !== undefined && this.covers(w, objectId));
  }

  isInDowntime(objectId: string, at: number): boolean {
    return this.windows.some((w) => this.covers(w, objectId) && intervalAt(w, at) !== undefined);
  }

  /** Windows in force at `at`, each with its interval. */
  inForce(at: number): { window: DowntimeWindow; interval: DowntimeInterval }[] {
    const active: { window: DowntimeWindow; interval: DowntimeInterval }[] = [];
    for (const window of this.windows) {
      const interval = intervalAt(window, at);
      if (interval) active.push({ window, interval });
    }
    return active;
  }

  /** Flexible windows not yet triggered whose trigger window holds `at` and that cover the object. */
  triggeredBy(objectId: string, at: number): DowntimeWindow[] {
    return this.windows.filter(
      (w) =>
        w.type === 'flexible' &&
        w.recurrence === null &&
        w.triggeredAt === null &&
        at >= w.startAt &&
        at < Math.min(w.endAt ?? 0, cutOff(w)) &&
        this.covers(w, objectId),
    );
  }

  /** The next instant after `at` when some window starts, ends or may trigger; for waking up. */
  nextChange(at: number): number | undefined {
    let next: number | undefined;
    for (const window of this.windows) {
      const change = nextChangeOf(window, at);
      if (change !== undefined && (next === undefined || change < next)) next = change;
    }
    return next;
  }
}
