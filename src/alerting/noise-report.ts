import { isInPeriod, type TimePeriod } from '../model/time-period.ts';
import { DAY_MS, dayOf, isoDate, wallClockReached } from '../model/zoned-time.ts';
import type { Notification, NotificationKind, Urgency } from './notification.ts';

// The noise report: what Vigil sent, to whom, when, and which of it nobody needed. A pure
// function over plain data (what the loader read from the store and the model), so every
// figure can be tested with hand-built histories.

/** One queued notification as the outbox keeps it. */
export interface SentNotification {
  receiver: string;
  createdAt: number;
  payload: Pick<Notification, 'kind' | 'urgency' | 'route'> & {
    problem: Pick<Notification['problem'], 'objectId' | 'host' | 'service' | 'since'>;
  };
}

export interface AcknowledgementFact {
  objectId: string;
  author: string;
  createdAt: number;
}

/** The state history events the report reads: recoveries and flapping changes. */
export interface StateChangeFact {
  objectId: string;
  kind: 'soft-change' | 'hard-change' | 'recovery' | 'flapping-start' | 'flapping-stop';
  at: number;
}

export interface BusinessHours {
  /** The config's time period name, or null for the built-in default. */
  name: string | null;
  /** How to say it in the report: "business-hours (Europe/Berlin)". */
  description: string;
  period: TimePeriod;
}

export interface NoiseReportInput {
  /** The period reported, [since, until). */
  since: number;
  until: number;
  /**
   * Notifications created in [since - (until - since), until): the period and the one of
   * equal length before it, for the trend. Others are ignored.
   */
  notifications: SentNotification[];
  /** Acknowledgements from the problems' start on; later ones than needed do no harm. */
  acknowledgements: AcknowledgementFact[];
  /** Recoveries and flapping changes from the period's start on (also after `until`, for late recoveries). */
  stateChanges: StateChangeFact[];
  /** Person name to the receivers that reach them (the model's contacts). */
  contacts: Map<string, readonly string[]>;
  /** Receiver name to its channel kind, for the per-channel table. */
  receiverKinds: Map<string, string>;
  businessHours: BusinessHours;
  /** Delivered notifications created before this were pruned from the store (undefined: none were). */
  notificationsKeptSince?: number;
  /** How many rows the top lists keep. */
  top?: number;
}

export interface UrgencyCounts {
  total: number;
  page: number;
  chat: number;
  email: number;
}

export interface Totals {
  notifications: number;
  pages: number;
  pagesOutsideBusinessHours: number;
  /** Distinct problems notified (an object and the time its problem started). */
  problems: number;
}

export interface NoisyObject {
  objectId: string;
  notifications: number;
  pages: number;
  problems: number;
}

export interface WorstNight {
  /** The local date the night starts on (nights run noon to noon in the business-hours zone). */
  night: string;
  pages: number;
  problems: number;
  receivers: string[];
  firstAt: number;
  lastAt: number;
}

export interface FlappingObject {
  objectId: string;
  /** flapping-start events in the period. */
  episodes: number;
  /** Time spent flapping inside the period (an episode still open counts to the period's end). */
  flappingMs: number;
  notifications: number;
}

export interface RecoveredUnacknowledged {
  objectId: string;
  /** Problems of this object that recovered with nobody acknowledging them. */
  problems: number;
  /** Of those, how many paged someone. */
  paged: number;
  /** From the problem's start to its recovery. */
  medianRecoveryMs: number;
  maxRecoveryMs: number;
  routes: string[];
}

export interface Spread {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
  minMs: number | null;
  maxMs: number | null;
}

export interface NoiseReport {
  since: number;
  until: number;
  businessHours: { name: string | null; description: string; timeZone: string };
  totals: Totals & {
    byKind: Partial<Record<NotificationKind, number>>;
    byUrgency: UrgencyCounts;
  };
  /**
   * The period of equal length before, for the trend. `complete` is false when part of it
   * lies before the notifications the store still keeps: its counts are then too low.
   */
  previous: Totals & { since: number; until: number; complete: boolean };
  /** Whether the store still keeps every notification of the period itself. */
  complete: boolean;
  notificationsKeptSince: number | null;
  perRoute: ({ route: string } & UrgencyCounts)[];
  perReceiver: ({ receiver: string; kind: string } & UrgencyCounts)[];
  /** A receiver shared by several people counts for each of them. */
  perPerson: ({ person: string } & UrgencyCounts)[];
  /** Notifications per local day in the business-hours zone, every day of the period listed. */
  perDay: { day: string; notifications: number; pages: number }[];
  pages: {
    total: number;
    inBusinessHours: number;
    outsideBusinessHours: number;
    worstNights: WorstNight[];
  };
  noisiestServices: NoisyObject[];
  /** A host's figures include its services'. */
  noisiestHosts: NoisyObject[];
  flapping: FlappingObject[];
  recoveredUnacknowledged: { problems: number; objects: RecoveredUnacknowledged[] };
  timeToAcknowledge: Spread & {
    /** Notified problems nobody acknowledged (recovered or still open). */
    unacknowledged: number;
  };
}

const DEFAULT_TOP = 10;
const WORST_NIGHTS = 5;
const URGENCIES: readonly Urgency[] = ['page', 'chat', 'email'];

/** The problem notifications ask for attention; the rest report on one. */
const ASKS_FOR_ATTENTION: ReadonlySet<NotificationKind> = new Set(['problem', 'flapping']);

export function buildNoiseReport(input: NoiseReportInput): NoiseReport {
  const { since, until, businessHours } = input;
  const top = input.top ?? DEFAULT_TOP;
  const keptSince = input.notificationsKeptSince;
  const length = until - since;
  const inPeriod = input.notifications.filter((n) => n.createdAt >= since && n.createdAt < until);
  const before = input.notifications.filter((n) => n.createdAt >= since - length && n.createdAt < since);
  const offHours = (n: SentNotification) => !isInPeriod(businessHours.period, n.createdAt);
  const pages = inPeriod.filter((n) => n.payload.urgency === 'page');
  const outside = pages.filter(offHours);

  const byKind: Partial<Record<NotificationKind, number>> = {};
  for (const n of inPeriod) byKind[n.payload.kind] = (byKind[n.payload.kind] ?? 0) + 1;

  const receiversOf = new Map<string, string[]>();
  for (const [person, receivers] of input.contacts)
    for (const receiver of receivers)
      receiversOf.set(receiver, [...(receiversOf.get(receiver) ?? []), person]);

  const problems = problemsOf(inPeriod);
  const unacked = recoveredUnacknowledged(problems, input.acknowledgements, input.stateChanges);

  return {
    since,
    until,
    businessHours: {
      name: businessHours.name,
      description: businessHours.description,
      timeZone: businessHours.period.timeZone,
    },
    totals: { ...totalsOf(inPeriod, offHours), byKind, byUrgency: urgencyCounts(inPeriod) },
    previous: {
      since: since - length,
      until: since,
      ...totalsOf(before, offHours),
      complete: keptSince === undefined || since - length >= keptSince,
    },
    complete: keptSince === undefined || since >= keptSince,
    notificationsKeptSince: keptSince ?? null,
    perRoute: countBy(inPeriod, (n) => [n.payload.route]).map(([route, list]) => ({
      route,
      ...urgencyCounts(list),
    })),
    perReceiver: countBy(inPeriod, (n) => [n.receiver]).map(([receiver, list]) => ({
      receiver,
      kind: input.receiverKinds.get(receiver) ?? '(not configured)',
      ...urgencyCounts(list),
    })),
    perPerson: countBy(inPeriod, (n) => receiversOf.get(n.receiver) ?? []).map(([person, list]) => ({
      person,
      ...urgencyCounts(list),
    })),
    perDay: perDay(inPeriod, since, until, businessHours.period.timeZone),
    pages: {
      total: pages.length,
      inBusinessHours: pages.length - outside.length,
      outsideBusinessHours: outside.length,
      worstNights: worstNights(outside, businessHours.period.timeZone),
    },
    noisiestServices: noisiest(
      inPeriod.filter((n) => n.payload.problem.service !== null),
      (n) => n.payload.problem.objectId,
      top,
    ),
    noisiestHosts: noisiest(inPeriod, (n) => n.payload.problem.host, top),
    flapping: flappingObjects(input.stateChanges, inPeriod, since, until),
    recoveredUnacknowledged: {
      problems: unacked.reduce((sum, o) => sum + o.problems, 0),
      objects: unacked.slice(0, top),
    },
    timeToAcknowledge: timeToAcknowledge(problems, input.acknowledgements, input.stateChanges),
  };
}

function urgencyCounts(list: readonly SentNotification[]): UrgencyCounts {
  const counts: UrgencyCounts = { total: list.length, page: 0, chat: 0, email: 0 };
  for (const n of list) if (URGENCIES.includes(n.payload.urgency)) counts[n.payload.urgency]++;
  return counts;
}

function totalsOf(list: readonly SentNotification[], offHours: (n: SentNotification) => boolean): Totals {
  const pages = list.filter((n) => n.payload.urgency === 'page');
  return {
    notifications: list.length,
    pages: pages.length,
    pagesOutsideBusinessHours: pages.filter(offHours).length,
    problems: problemsOf(list).length,
  };
}

/** Groups by the keys each item gives, largest group first (then by name, for a stable order). */
function countBy<T>(items: readonly T[], keysOf: (item: T) => string[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    for (const key of keysOf(item)) {
      const group = groups.get(key);
      if (group) group.push(item);
      else groups.set(key, [item]);
    }
  }
  return [...groups].sort(([a, x], [b, y]) => y.length - x.length || compare(a, b));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function noisiest(
  list: readonly SentNotification[],
  keyOf: (n: SentNotification) => string,
  top: number,
): NoisyObject[] {
  return countBy(list, (n) => [keyOf(n)])
    .slice(0, top)
    .map(([objectId, group]) => ({
      objectId,
      notifications: group.length,
      pages: group.filter((n) => n.payload.urgency === 'page').length,
      problems: problemsOf(group).length,
    }));
}

function perDay(
  list: readonly SentNotification[],
  since: number,
  until: number,
  timeZone: string,
): NoiseReport['perDay'] {
  const dayAt = (at: number) => dayOf(wallClockReached(timeZone, at));
  const first = dayAt(since);
  const last = dayAt(Math.max(since, until - 1));
  const days = new Map<number, { notifications: number; pages: number }>();
  for (let day = first; day <= last; day++) days.set(day, { notifications: 0, pages: 0 });
  for (const n of list) {
    const counts = days.get(dayAt(n.createdAt));
    if (!counts) continue;
    counts.notifications++;
    if (n.payload.urgency === 'page') counts.pages++;
  }
  return [...days].map(([day, counts]) => ({ day: isoDate(day), ...counts }));
}

/** Off-hours pages grouped by night: noon to noon local time, named by the evening's date. */
function worstNights(outside: readonly SentNotification[], timeZone: string): WorstNight[] {
  const nightOf = (at: number) => isoDate(dayOf(wallClockReached(timeZone, at) - DAY_MS / 2));
  return countBy(outside, (n) => [nightOf(n.createdAt)])
    .slice(0, WORST_NIGHTS)
    .map(([night, group]) => ({
      night,
      pages: group.length,
      problems: problemsOf(group).length,
      receivers: [...new Set(group.map((n) => n.receiver))].sort(compare),
      firstAt: Math.min(...group.map((n) => n.createdAt)),
      lastAt: Math.max(...group.map((n) => n.createdAt)),
    }));
}

interface NotifiedProblem {
  objectId: string;
  since: number;
  firstNotifiedAt: number;
  paged: boolean;
  routes: Set<string>;
}

/**
 * Distinct problems the notifications asked attention for: one per object and problem
 * start, however many receivers, escalation steps or repeats it took.
 */
function problemsOf(list: readonly SentNotification[]): NotifiedProblem[] {
  const problems = new Map<string, NotifiedProblem>();
  for (const n of list) {
    if (!ASKS_FOR_ATTENTION.has(n.payload.kind)) continue;
    const { objectId, since } = n.payload.problem;
    const key = `${objectId}@${since}`;
    const known = problems.get(key);
    if (known) {
      known.firstNotifiedAt = Math.min(known.firstNotifiedAt, n.createdAt);
      known.paged ||= n.payload.urgency === 'page';
      known.routes.add(n.payload.route);
    } else {
      problems.set(key, {
        objectId,
        since,
        firstNotifiedAt: n.createdAt,
        paged: n.payload.urgency === 'page',
        routes: new Set([n.payload.route]),
      });
    }
  }
  return [...problems.values()];
}

interface ProblemOutcome {
  problem: NotifiedProblem;
  recoveredAt: number | undefined;
  acknowledgedAt: number | undefined;
}

/**
 * What became of each problem: its first recovery after it started, and the first
 * acknowledgement of the object between its start and that recovery. Both must come before
 * the object's next notified problem starts: a recovery or acknowledgement answers one
 * problem only, even when the history between two problems is incomplete.
 */
function outcomes(
  problems: readonly NotifiedProblem[],
  acknowledgements: readonly AcknowledgementFact[],
  stateChanges: readonly StateChangeFact[],
): ProblemOutcome[] {
  const recoveries = timesBy(stateChanges.filter((c) => c.kind === 'recovery'));
  const acks = timesBy(acknowledgements.map((a) => ({ objectId: a.objectId, at: a.createdAt })));
  const starts = timesBy(problems.map((p) => ({ objectId: p.objectId, at: p.since })));
  return problems.map((problem) => {
    const nextStart =
      starts.get(problem.objectId)?.find((at) => at > problem.since) ?? Number.POSITIVE_INFINITY;
    const recoveredAt = recoveries.get(problem.objectId)?.find((at) => at >= problem.since && at < nextStart);
    const answeredBy = recoveredAt ?? nextStart;
    const acknowledgedAt = acks
      .get(problem.objectId)
      ?.find((at) => at >= problem.since && (at < answeredBy || at === recoveredAt));
    return { problem, recoveredAt, acknowledgedAt };
  });
}

function timesBy(facts: readonly { objectId: string; at: number }[]): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (const { objectId, at } of facts) {
    const list = times.get(objectId);
    if (list) list.push(at);
    else times.set(objectId, [at]);
  }
  for (const list of times.values()) list.sort((a, b) => a - b);
  return times;
}

function recoveredUnacknowledged(
  problems: readonly NotifiedProblem[],
  acknowledgements: readonly AcknowledgementFact[],
  stateChanges: readonly StateChangeFact[],
): RecoveredUnacknowledged[] {
  const byObject = new Map<string, { recoveryMs: number[]; paged: number; routes: Set<string> }>();
  for (const { problem, recoveredAt, acknowledgedAt } of outcomes(problems, acknowledgements, stateChanges)) {
    if (recoveredAt === undefined || acknowledgedAt !== undefined) continue;
    const entry = byObject.get(problem.objectId) ?? { recoveryMs: [], paged: 0, routes: new Set<string>() };
    entry.recoveryMs.push(recoveredAt - problem.since);
    if (problem.paged) entry.paged++;
    for (const route of problem.routes) entry.routes.add(route);
    byObject.set(problem.objectId, entry);
  }
  return [...byObject]
    .map(([objectId, entry]) => ({
      objectId,
      problems: entry.recoveryMs.length,
      paged: entry.paged,
      medianRecoveryMs: percentile(entry.recoveryMs, 0.5) as number,
      maxRecoveryMs: Math.max(...entry.recoveryMs),
      routes: [...entry.routes].sort(compare),
    }))
    .sort((a, b) => b.paged - a.paged || b.problems - a.problems || compare(a.objectId, b.objectId));
}

function timeToAcknowledge(
  problems: readonly NotifiedProblem[],
  acknowledgements: readonly AcknowledgementFact[],
  stateChanges: readonly StateChangeFact[],
): NoiseReport['timeToAcknowledge'] {
  const delays: number[] = [];
  let unacknowledged = 0;
  for (const { problem, acknowledgedAt } of outcomes(problems, acknowledgements, stateChanges)) {
    // An acknowledgement made before the notification went out (seen on the dashboard) took no time.
    if (acknowledgedAt === undefined) unacknowledged++;
    else delays.push(Math.max(0, acknowledgedAt - problem.firstNotifiedAt));
  }
  return { ...spreadOf(delays), unacknowledged };
}

export function spreadOf(values: readonly number[]): Spread {
  return {
    count: values.length,
    medianMs: percentile(values, 0.5) ?? null,
    p90Ms: percentile(values, 0.9) ?? null,
    minMs: values.length === 0 ? null : Math.min(...values),
    maxMs: values.length === 0 ? null : Math.max(...values),
  };
}

/** Nearest-rank percentile: always one of the values, so it reads as a real case. */
export function percentile(values: readonly number[], fraction: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1];
}

function flappingObjects(
  stateChanges: readonly StateChangeFact[],
  inPeriod: readonly SentNotification[],
  since: number,
  until: number,
): FlappingObject[] {
  const objects = new Map<string, { episodes: number; flappingMs: number; startedAt: number | undefined }>();
  const sorted = [...stateChanges].sort((a, b) => a.at - b.at);
  for (const change of sorted) {
    if (change.at >= until) break;
    if (change.kind !== 'flapping-start' && change.kind !== 'flapping-stop') continue;
    const entry = objects.get(change.objectId) ?? { episodes: 0, flappingMs: 0, startedAt: undefined };
    if (change.kind === 'flapping-start') {
      if (change.at >= since && entry.startedAt === undefined) entry.episodes++;
      entry.startedAt ??= change.at;
    } else if (entry.startedAt !== undefined) {
      entry.flappingMs += Math.max(0, change.at - Math.max(since, entry.startedAt));
      entry.startedAt = undefined;
    }
    objects.set(change.objectId, entry);
  }
  const notifications = new Map<string, number>();
  for (const n of inPeriod)
    notifications.set(n.payload.problem.objectId, (notifications.get(n.payload.problem.objectId) ?? 0) + 1);
  return [...objects]
    .map(([objectId, entry]) => ({
      objectId,
      episodes: entry.episodes,
      flappingMs:
        entry.flappingMs +
        (entry.startedAt === undefined ? 0 : Math.max(0, until - Math.max(since, entry.startedAt))),
      notifications: notifications.get(objectId) ?? 0,
    }))
    .filter((o) => o.episodes > 0)
    .sort(
      (a, b) => b.episodes - a.episodes || b.flappingMs - a.flappingMs || compare(a.objectId, b.objectId),
    );
}
