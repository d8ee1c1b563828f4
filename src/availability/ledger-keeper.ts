import type { Logger } from 'pino';
import { DowntimeCalendar, type DowntimeWindow, intervalAt } from '../alerting/downtime.ts';
import type { Model, ObjectState, StateEvent } from '../model/types.ts';
import type { AvailabilityLedger, LedgerClose, NewLedgerInterval } from '../store/availability.ts';
import type { DowntimeRecords } from '../store/suppressions.ts';
import {
  componentIntervals,
  continuityKey,
  downtimeIdsOf,
  type HardState,
  healthOf,
  type MaintenanceNow,
  type OpenInterval,
  objectIntervals,
  reconcile,
  subjectKey,
} from './ledger-desired.ts';

// The daemon's side of the ledger: follows committed hard state changes and downtime
// windows, and records that the daemon is running (a heartbeat), so reports can tell
// watched time from unknown time.
//
// Crash safety: intervals are written after the state changes they follow were committed.
// An interval open at a crash is still open after the restart; the restored states say
// whether it goes on or closes (at the time of the state change that ended it).

export const HEARTBEAT_MS = 60_000;

export interface LedgerKeeperOptions {
  ledger: AvailabilityLedger;
  downtimes: Pick<DowntimeRecords, 'all'>;
  model: Model;
  /** Last committed states (restored at start). */
  states: Iterable<ObjectState>;
  clock: () => number;
  log: Logger;
  heartbeatMs?: number;
}

/** The hard state of a stored object state: a SOFT state is a problem still being retried. */
export function hardStateOf(state: ObjectState): HardState {
  return state.stateType === 'HARD'
    ? { state: state.state, since: state.lastHardStateChange }
    : { state: state.lastHardState, since: state.lastHardStateChange };
}

export class LedgerKeeper {
  private model: Model;
  private readonly hard = new Map<string, HardState>();
  /** Open intervals by continuity key, as written (or queued to be written). */
  private readonly open = new Map<string, OpenInterval>();
  private windows = new Map<number, DowntimeWindow>();
  private maintenance = new Map<string, MaintenanceNow>();
  private componentsOf = new Map<string, string[]>();
  private runId: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: LedgerKeeperOptions) {
    this.model = options.model;
    for (const state of options.states) this.hard.set(state.objectId, hardStateOf(state));
    this.indexComponents();
  }

  /** Loads what was open, records the run, and brings the ledger up to date with the restored states. */
  async start(): Promise<void> {
    const now = this.options.clock();
    for (const record of await this.options.ledger.openIntervals()) {
      const interval = record as OpenInterval;
      this.open.set(continuityKey(interval), interval);
    }
    this.runId = await this.options.ledger.startRun(now);
    await this.refreshWindows(now);
    this.reconcileAll(now);
    const heartbeatMs = this.options.heartbeatMs ?? HEARTBEAT_MS;
    this.timer = setInterval(() => void this.heartbeat(), heartbeatMs);
    this.timer.unref();
  }

  /** Follows committed state changes, in order. */
  noteStateEvents(events: readonly StateEvent[]): void {
    for (const event of events) {
      if (event.kind !== 'hard-change' && event.kind !== 'recovery') continue;
      this.hard.set(event.objectId, { state: event.state, since: event.at });
      this.reconcileSubjects([event.objectId], this.componentsOf.get(event.objectId) ?? [], event.at);
    }
  }

  /** A reloaded configuration: components may have come, gone or changed. */
  setModel(model: Model): void {
    this.model = model;
    this.indexComponents();
    this.reconcileAll(this.options.clock());
  }

  /** Writes what is queued and records the end of this run. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.writing;
    if (this.runId !== undefined) {
      try {
        await this.options.ledger.stopRun(this.runId, this.options.clock());
      } catch (error) {
        this.options.log.error({ err: error }, 'availability ledger: could not record the end of this run');
      }
    }
  }

  /** Waits until everything queued so far is written (tests). */
  flushed(): Promise<void> {
    return this.writing;
  }

  /** Records that the daemon still runs, reads downtime windows again and brings the ledger up to date. */
  async heartbeat(): Promise<void> {
    const now = this.options.clock();
    try {
      if (this.runId !== undefined) await this.options.ledger.heartbeat(this.runId, now);
      await this.refreshWindows(now);
      this.reconcileAll(now);
    } catch (error) {
      this.options.log.error({ err: error }, 'availability ledger: heartbeat failed; will try again');
    }
  }

  private indexComponents(): void {
    this.componentsOf = new Map();
    for (const component of this.model.components.values()) {
      for (const member of component.members) {
        const list = this.componentsOf.get(member) ?? [];
        list.push(component.name);
        this.componentsOf.set(member, list);
      }
    }
  }

  /** Reads every window (cancelled ones too: their ends close maintenance) and notes what is in force. */
  private async refreshWindows(now: number): Promise<void> {
    const windows = await this.options.downtimes.all();
    this.windows = new Map(windows.map((w) => [w.id, w]));
    const calendar = new DowntimeCalendar(this.model, windows);
    const maintenance = new Map<string, MaintenanceNow>();
    for (const { window, interval } of calendar.inForce(now)) {
      for (const objectId of calendar.coveredBy(window)) {
        const current = maintenance.get(objectId);
        if (current) {
          current.ids.push(window.id);
          current.since = Math.max(current.since, interval.start);
        } else maintenance.set(objectId, { ids: [window.id], since: interval.start });
      }
    }
    for (const entry of maintenance.values()) entry.ids.sort((a, b) => a - b);
    this.maintenance = maintenance;
  }

  private reconcileAll(now: number): void {
    const objects = new Set<string>();
    for (const [objectId, hard] of this.hard) if (hard.state !== 0) objects.add(objectId);
    for (const objectId of this.maintenance.keys()) objects.add(objectId);
    for (const interval of this.open.values())
      if (interval.subjectKind !== 'component') objects.add(interval.subjectId);
    const components = new Set(this.model.components.keys());
    for (const interval of this.open.values())
      if (interval.subjectKind === 'component') components.add(interval.subjectId);
    this.reconcileSubjects([...objects], [...components], now);
  }

  /** Brings the open intervals of these objects and components to what their state says at `at`. */
  private reconcileSubjects(
    objectIds: readonly string[],
    componentNames: readonly string[],
    at: number,
  ): void {
    const subjects = new Set<string>();
    const desired: NewLedgerInterval[] = [];
    for (const objectId of objectIds) {
      const isService = objectId.includes('/');
      subjects.add(subjectKey(isService ? 'service' : 'host', objectId));
      // An object no longer configured keeps no interval open.
      const configured = isService ? this.model.services.has(objectId) : this.model.hosts.has(objectId);
      if (!configured) continue;
      desired.push(
        ...objectIntervals(objectId, isService, this.hard.get(objectId), this.maintenance.get(objectId)),
      );
    }
    for (const name of componentNames) {
      subjects.add(subjectKey('component', name));
      const component = this.model.components.get(name);
      if (!component) continue;
      desired.push(
        ...componentIntervals(
          component,
          (id) => healthOf(id.includes('/'), this.hard.get(id)),
          (id) => this.maintenance.get(id),
          at,
        ),
      );
    }
    const open = [...this.open.values()].filter((i) => subjects.has(subjectKey(i.subjectKind, i.subjectId)));
    const changes = reconcile(open, desired, (interval) => this.closeTime(interval, at));
    if (changes.open.length === 0 && changes.close.length === 0) return;
    for (const close of changes.close) this.open.delete(close.key);
    for (const interval of changes.open) this.open.set(continuityKey(interval), interval);
    this.write(changes.open, changes.close);
  }

  /**
   * When an interval no longer wanted ended: an object's problem at its hard state change,
   * maintenance at its window's end (a cancelled window at its cancellation), else now.
   */
  private closeTime(interval: OpenInterval, at: number): number {
    if (interval.kind === 'maintenance') {
      const ends = downtimeIdsOf(interval.cause).map((id) => {
        const window = this.windows.get(id);
        const inForce = window ? intervalAt(window, interval.start) : undefined;
        return inForce ? inForce.end : at;
      });
      return Math.min(at, ...ends);
    }
    if (interval.subjectKind !== 'component') {
      const hard = this.hard.get(interval.subjectId);
      if (hard && hard.since >= interval.start && hard.since <= at) return hard.since;
    }
    return at;
  }

  /** Writes in order; a failed write is retried until it succeeds (or the daemon stops). */
  private write(opens: NewLedgerInterval[], closes: LedgerClose[]): void {
    this.writing = this.writing.then(async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          // Closes first: a subject's new interval may take over the same identity.
          if (closes.length > 0) await this.options.ledger.close(closes);
          if (opens.length > 0) await this.options.ledger.open(opens);
          return;
        } catch (error) {
          if (attempt === 1 || attempt % 10 === 0)
            this.options.log.error({ err: error, attempt }, 'availability ledger write failed; retrying');
          if (this.stopped && attempt >= 3) return;
          await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 30_000)));
        }
      }
    });
  }
}
