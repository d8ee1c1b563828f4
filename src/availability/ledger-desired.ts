import { type Component, HOST_STATE_NAMES, SERVICE_STATE_NAMES } from '../model/types.ts';
import type { LedgerClose, LedgerSubjectKind, NewLedgerInterval } from '../store/availability.ts';
import {
  componentStatus,
  countHealth,
  isWorse,
  ledgerEntryOf,
  type MemberHealth,
} from './component-status.ts';

// Which ledger intervals should be open right now, and how to get the open ones there.
// Pure: the daemon's LedgerKeeper supplies states, downtime and the time.

/** An object's hard state and since when it holds. */
export interface HardState {
  state: number;
  since: number;
}

/** The downtime windows putting an object in maintenance now. */
export interface MaintenanceNow {
  /** Window ids, ascending. */
  ids: number[];
  /** When the latest of them started. */
  since: number;
}

/** Intervals of one host or service: its hard problem state, and maintenance while a window covers it. */
export function objectIntervals(
  objectId: string,
  isService: boolean,
  hard: HardState | undefined,
  maintenance: MaintenanceNow | undefined,
): NewLedgerInterval[] {
  const subjectKind: LedgerSubjectKind = isService ? 'service' : 'host';
  const intervals: NewLedgerInterval[] = [];
  if (hard && hard.state !== 0) {
    const name = (isService ? SERVICE_STATE_NAMES : HOST_STATE_NAMES)[hard.state] ?? String(hard.state);
    const kind = !isService
      ? 'outage'
      : hard.state === 1
        ? 'degraded'
        : hard.state === 2
          ? 'outage'
          : 'unknown';
    intervals.push({
      subjectKind,
      subjectId: objectId,
      kind,
      cause: `hard ${name}`,
      weight: kind === 'outage' ? 1 : 0,
      start: hard.since,
    });
  }
  if (maintenance) {
    intervals.push({
      subjectKind,
      subjectId: objectId,
      kind: 'maintenance',
      cause: downtimeCause(maintenance.ids),
      weight: 1,
      start: maintenance.since,
    });
  }
  return intervals;
}

export function downtimeCause(ids: readonly number[]): string {
  return `downtime:${ids.join(',')}`;
}

/** The window ids a maintenance cause names. */
export function downtimeIdsOf(cause: string): number[] {
  if (!cause.startsWith('downtime:')) return [];
  return cause
    .slice('downtime:'.length)
    .split(',')
    .map(Number)
    .filter((id) => Number.isInteger(id));
}

/**
 * A host is failing when DOWN or UNREACHABLE, a service when CRITICAL; a service UNKNOWN
 * cannot tell. An object never seen to change is OK, as the engine starts it (time Vigil
 * was not watching is unknown through its runs, not through its objects).
 */
export function healthOf(isService: boolean, hard: HardState | undefined): MemberHealth {
  if (!hard) return 'ok';
  if (hard.state === 0) return 'ok';
  if (!isService) return 'failing';
  return hard.state === 1 ? 'warning' : hard.state === 2 ? 'failing' : 'unknown';
}

/**
 * Intervals of one component at `at`: its status by its rule, and maintenance when the
 * members in downtime, counted as failing, make the status worse (scheduled downtime
 * counts exactly like unscheduled downtime).
 */
export function componentIntervals(
  component: Component,
  health: (objectId: string) => MemberHealth,
  maintenance: (objectId: string) => MaintenanceNow | undefined,
  at: number,
): NewLedgerInterval[] {
  const own: MemberHealth[] = [];
  const withDowntime: MemberHealth[] = [];
  const windowIds = new Set<number>();
  let since = Number.NEGATIVE_INFINITY;
  for (const member of component.members) {
    const h = health(member);
    own.push(h);
    const inMaintenance = maintenance(member);
    if (inMaintenance) {
      withDowntime.push('failing');
      for (const id of inMaintenance.ids) windowIds.add(id);
      since = Math.max(since, inMaintenance.since);
    } else withDowntime.push(h);
  }
  const intervals: NewLedgerInterval[] = [];
  const status = componentStatus(component.rule, countHealth(own));
  const entry = ledgerEntryOf(component, status);
  const base = { subjectKind: 'component' as const, subjectId: component.name };
  if (entry) intervals.push({ ...base, ...entry, cause: status, start: at });
  if (windowIds.size > 0) {
    const planned = componentStatus(component.rule, countHealth(withDowntime));
    const plannedEntry = ledgerEntryOf(component, planned);
    if (plannedEntry && isWorse(planned, status)) {
      intervals.push({
        ...base,
        kind: 'maintenance',
        weight: plannedEntry.weight,
        cause: downtimeCause([...windowIds].sort((a, b) => a - b)),
        start: Math.min(at, since),
      });
    }
  }
  return intervals;
}

/** An interval open in the ledger (or about to be). */
export type OpenInterval = NewLedgerInterval;

/** What identifies "the same interval, still going": everything but its start. */
export function continuityKey(interval: Omit<NewLedgerInterval, 'start'>): string {
  return `${interval.subjectKind}\u0000${interval.subjectId}\u0000${interval.kind}\u0000${interval.cause}\u0000${interval.weight}`;
}

export function subjectKey(subjectKind: string, subjectId: string): string {
  return `${subjectKind}\u0000${subjectId}`;
}

/**
 * Brings the open intervals of some subjects to the desired ones: an open interval that is
 * still desired goes on (its start is kept), the others close at `closeAt(interval)`, and
 * desired ones not open yet open at their own start.
 */
export function reconcile(
  open: readonly OpenInterval[],
  desired: readonly NewLedgerInterval[],
  closeAt: (interval: OpenInterval) => number,
): { open: NewLedgerInterval[]; close: (LedgerClose & { key: string })[] } {
  const openByKey = new Map(open.map((interval) => [continuityKey(interval), interval]));
  const desiredKeys = new Set<string>();
  const toOpen: NewLedgerInterval[] = [];
  for (const interval of desired) {
    const key = continuityKey(interval);
    if (desiredKeys.has(key)) continue;
    desiredKeys.add(key);
    if (!openByKey.has(key)) toOpen.push(interval);
  }
  const toClose: (LedgerClose & { key: string })[] = [];
  for (const [key, interval] of openByKey) {
    if (desiredKeys.has(key)) continue;
    toClose.push({
      key,
      subjectKind: interval.subjectKind,
      subjectId: interval.subjectId,
      kind: interval.kind,
      cause: interval.cause,
      start: interval.start,
      end: Math.max(interval.start, closeAt(interval)),
    });
  }
  return { open: toOpen, close: toClose };
}
