import type { Logger } from 'pino';
import { formatDuration } from '../model/duration.ts';
import {
  HOST_STATE_NAMES,
  type Model,
  type ObjectState,
  SERVICE_STATE_NAMES,
  type StateEvent,
} from '../model/types.ts';
import type { Store } from '../store/store.ts';
import type { AcknowledgementRecord } from '../store/suppressions.ts';
import { type Acknowledgement, AcknowledgementBook, endedByStateChange } from './acknowledgement.ts';
import { type Alert, alertFromProblem } from './alert.ts';
import { DowntimeCalendar, type DowntimeInterval, type DowntimeWindow, describeTarget } from './downtime.ts';

/** What later stages (escalation, repeats) need to know: is the problem acknowledged, is the object in downtime. */
export interface SuppressionView {
  isAcknowledged(objectId: string, at: number): boolean;
  isInDowntime(objectId: string, at: number): boolean;
}

/** A view where nothing is acknowledged or in downtime. */
export const NO_SUPPRESSIONS: SuppressionView = {
  isAcknowledged: () => false,
  isInDowntime: () => false,
};

export interface SuppressionsOptions {
  store: Pick<Store, 'acknowledgements' | 'downtimes'>;
  model: Model;
  clock: () => number;
  log: Logger;
  /** The engine's current state of an object. */
  stateOf: (objectId: string) => ObjectState | undefined;
  /** Feeds alerts this component makes (acknowledgements, downtime notes) into the pipeline. */
  emit: (alerts: Alert[]) => void;
  /** How often the store is read again for windows and acknowledgements written by the CLI. */
  refreshMs?: number;
}

/**
 * After a restart, acknowledgements and window starts this recent are announced again (the
 * outbox drops the repeat if they had been); older ones were announced before.
 */
const RESTART_GRACE_MS = 10 * 60_000;

/**
 * The daemon's live view of acknowledgements and downtime. The CLI and the API write the
 * store; this reads it every few seconds (and at once when asked), announces new
 * acknowledgements and windows starting or ending, ends acknowledgements when their problem
 * recovers or changes, and triggers flexible windows when a covered object fails.
 */
export class Suppressions implements SuppressionView {
  private model: Model;
  private calendar: DowntimeCalendar;
  private book = new AcknowledgementBook([]);
  private readonly announcedAcks = new Set<number>();
  /** Windows in force at the last look, with their interval. */
  private inForce = new Map<number, { window: DowntimeWindow; interval: DowntimeInterval }>();
  private started = false;
  private stopped = false;
  private refreshTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  /** Problems downtime held back, by object: their recovery is held back too, and they are announced if still failing when it ends. */
  readonly heldBack = new Map<string, Alert>();
  /** The last problem alert that went on, by object: its acknowledgement goes to the same receivers. */
  readonly announced = new Map<string, Alert>();

  constructor(private readonly options: SuppressionsOptions) {
    this.model = options.model;
    this.calendar = new DowntimeCalendar(this.model, []);
  }

  isAcknowledged(objectId: string, at: number): boolean {
    return this.book.isAcknowledged(objectId, at);
  }

  isInDowntime(objectId: string, at: number): boolean {
    return this.calendar.isInDowntime(objectId, at);
  }

  acknowledgementOf(objectId: string, at: number): Acknowledgement | undefined {
    return this.book.acknowledgementOf(objectId, at);
  }

  downtimesOf(objectId: string, at: number): DowntimeWindow[] {
    return this.calendar.windowsFor(objectId, at);
  }

  setModel(model: Model): void {
    this.model = model;
    this.calendar = new DowntimeCalendar(model, this.calendar.windows);
  }

  /** Reads the store now, then every `refreshMs`. */
  async start(): Promise<void> {
    await this.refresh();
    this.refreshTimer = setInterval(() => void this.refresh(), this.options.refreshMs ?? 5_000);
    this.refreshTimer.unref();
  }

  /** Stops reading the store; waits for a read under way. */
  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    clearTimeout(this.wakeTimer);
    this.stopped = true;
    await this.refreshing;
  }

  /**
   * Reads acknowledgements and windows from the store and announces what changed. A call
   * while a read is under way reads again after it, so a write made before the call is seen.
   */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const run: Promise<void> = (this.refreshing ?? Promise.resolve())
      .then(() => (this.stopped ? undefined : this.load()))
      .catch((error: unknown) =>
        this.options.log.error({ err: error }, 'cannot read acknowledgements and downtime; will try again'),
      )
      .finally(() => {
        if (this.refreshing === run) this.refreshing = undefined;
      });
    this.refreshing = run;
    return run;
  }

  private async load(): Promise<void> {
    const { store, clock } = this.options;
    const [acks, windows] = await Promise.all([store.acknowledgements.current(), store.downtimes.current()]);
    const now = clock();
    const alerts: Alert[] = [];

    this.book = new AcknowledgementBook(acks);
    for (const ack of acks) {
      if (ack.expiresAt !== null && ack.expiresAt <= now) {
        await store.acknowledgements.end(ack.id, ack.expiresAt, 'expired');
        continue;
      }
      if (this.announcedAcks.has(ack.id)) continue;
      this.announcedAcks.add(ack.id);
      if (!this.started && ack.createdAt < now - RESTART_GRACE_MS) continue;
      alerts.push(this.acknowledgementAlert(ack));
    }

    this.calendar = new DowntimeCalendar(this.model, windows);
    // A flexible window whose objects are already failing at its start starts at once.
    for (const window of windows) {
      if (window.type !== 'flexible' || window.triggeredAt !== null) continue;
      for (const objectId of this.calendar.coveredBy(window)) {
        if (this.calendar.triggeredBy(objectId, now).length === 0) break;
        const state = this.options.stateOf(objectId);
        if (state && state.state !== 0 && state.stateType === 'HARD') this.trigger([window], now);
      }
    }

    const nowInForce = new Map(this.calendar.inForce(now).map((entry) => [entry.window.id, entry]));
    for (const [id, entry] of nowInForce) {
      const before = this.inForce.get(id);
      if (before && before.interval.start === entry.interval.start) continue;
      if (!this.started && entry.interval.start < now - RESTART_GRACE_MS) continue;
      alerts.push(this.downtimeNote('downtime-start', entry.window, entry.interval.start, entry.interval));
    }
    let ended = false;
    for (const [id, before] of this.inForce) {
      const after = nowInForce.get(id);
      if (after && after.interval.start === before.interval.start) continue;
      const cancelled = windows.find((w) => w.id === id) === undefined;
      const at = Math.min(before.interval.end, now);
      alerts.push(this.downtimeNote('downtime-end', before.window, cancelled ? now : at, before.interval));
      ended = true;
    }
    this.inForce = nowInForce;
    if (ended) alerts.push(...this.stillFailingAfterDowntime(now));
    this.started = true;
    if (alerts.length > 0) this.options.emit(alerts);
    if (!this.stopped) this.scheduleWake(now);
  }

  /** Problems held back by downtime that are still failing now that it is over: they are news now. */
  private stillFailingAfterDowntime(now: number): Alert[] {
    const alerts: Alert[] = [];
    for (const [objectId, held] of this.heldBack) {
      if (this.calendar.isInDowntime(objectId, now)) continue;
      this.heldBack.delete(objectId);
      const state = this.options.stateOf(objectId);
      if (!state || state.state === 0) continue;
      alerts.push({ ...held, at: now, problem: { ...held.problem, output: state.output } });
    }
    return alerts;
  }

  /** Wakes up at the next window boundary or expiry, in case it comes before the next refresh. */
  private scheduleWake(now: number): void {
    clearTimeout(this.wakeTimer);
    const times = [this.calendar.nextChange(now), this.book.nextExpiry(now)].filter(
      (t): t is number => t !== undefined,
    );
    if (times.length === 0) return;
    const delay = Math.min(...times) - now;
    if (delay > (this.options.refreshMs ?? 5_000)) return;
    this.wakeTimer = setTimeout(() => void this.refresh(), Math.max(0, delay) + 1);
    this.wakeTimer.unref();
  }

  /**
   * Committed state changes: hard changes end acknowledgements that no longer hold and
   * trigger flexible windows. Updates the in-memory view at once, so the alerts of the same
   * changes are judged by it; the store is written in the background.
   */
  noteStateEvents(events: readonly StateEvent[]): void {
    for (const event of events) {
      if (event.kind !== 'hard-change' && event.kind !== 'recovery') continue;
      if (event.state !== 0) {
        const windows = this.calendar.triggeredBy(event.objectId, event.at);
        if (windows.length > 0) this.trigger(windows, event.at);
      }
      const ack = this.book.acknowledgementOf(event.objectId, event.at);
      if (!ack) continue;
      const reason = endedByStateChange(ack, event.state, this.stateName(event.objectId, event.state));
      if (reason === undefined) continue;
      this.book = new AcknowledgementBook(
        this.book.acknowledgements.map((a) =>
          a.id === ack.id ? { ...a, removedAt: event.at, removedReason: reason } : a,
        ),
      );
      this.options.store.acknowledgements
        .end(ack.id, event.at, reason)
        .catch((error: unknown) =>
          this.options.log.error(
            { err: error, acknowledgement: ack.id },
            'cannot record the end of an acknowledgement',
          ),
        );
    }
  }

  private trigger(windows: DowntimeWindow[], at: number): void {
    const ids = new Set(windows.map((w) => w.id));
    this.calendar = new DowntimeCalendar(
      this.model,
      this.calendar.windows.map((w) =>
        ids.has(w.id) && w.triggeredAt === null ? { ...w, triggeredAt: at } : w,
      ),
    );
    for (const window of windows) {
      this.options.log.info({ downtime: window.id, at }, `flexible downtime ${window.id} started`);
      this.options.store.downtimes
        .trigger(window.id, at)
        .catch((error: unknown) =>
          this.options.log.error(
            { err: error, downtime: window.id },
            'cannot record a flexible downtime start',
          ),
        );
    }
    // Announce the start now rather than at the next refresh.
    void this.refresh();
  }

  private stateName(objectId: string, state: number): string {
    const names = this.model.hosts.has(objectId) ? HOST_STATE_NAMES : SERVICE_STATE_NAMES;
    return names[state] ?? String(state);
  }

  /** The acknowledgement as an alert: the problem it acknowledges, so routing picks the same receivers. */
  acknowledgementAlert(ack: AcknowledgementRecord): Alert {
    const base =
      this.announced.get(ack.objectId) ??
      this.heldBack.get(ack.objectId) ??
      alertFromProblem(
        this.model,
        {
          kind: 'opened',
          objectId: ack.objectId,
          at: ack.createdAt,
          state: ack.state,
          flapping: false,
          affected: [],
          degraded: [],
        },
        this.options.stateOf(ack.objectId),
      );
    return {
      ...base,
      kind: 'acknowledgement',
      at: ack.createdAt,
      deliveries: [],
      escalations: [],
      acknowledgement: { author: ack.author, comment: ack.comment },
    };
  }

  /** A note that a window started or ended, shaped like a problem of what it covers so routes can match it. */
  downtimeNote(
    kind: 'downtime-start' | 'downtime-end',
    window: DowntimeWindow,
    at: number,
    interval: DowntimeInterval,
  ): Alert {
    return downtimeNote(this.model, this.calendar.coveredBy(window), kind, window, at, interval);
  }
}

/** Builds a downtime note for a window covering `covered`. */
export function downtimeNote(
  model: Model,
  covered: ReadonlySet<string>,
  kind: 'downtime-start' | 'downtime-end',
  window: DowntimeWindow,
  at: number,
  interval: DowntimeInterval,
): Alert {
  const target = window.target;
  const objects = [...covered].sort();
  const hosts = objects.filter((id) => model.hosts.has(id));
  const service = target.kind === 'service' ? model.services.get(target.name) : undefined;
  const hostName = service?.host ?? (target.kind === 'host' ? target.name : (hosts[0] ?? ''));
  const host = model.hosts.get(hostName);
  const tags = new Set<string>();
  for (const id of objects) {
    for (const tag of model.services.get(id)?.tags ?? []) tags.add(tag);
    for (const tag of model.hosts.get(id)?.tags ?? []) tags.add(tag);
  }
  for (const tag of host?.tags ?? []) tags.add(tag);
  const label = describeTarget(target);
  const scope = target.kind === 'host' || target.kind === 'service' ? '' : ` (${objects.length} objects)`;
  const length = kind === 'downtime-start' ? ` for ${formatDuration(interval.end - interval.start)}` : '';
  const comment = window.comment ? `: ${window.comment}` : '';
  return {
    kind,
    at,
    title: `${label}${scope}${length} — downtime ${window.id} by ${window.author}${comment}`,
    deliveries: [],
    escalations: [],
    problem: {
      objectId: label,
      host: hostName,
      service: service?.name ?? null,
      state: 'DOWNTIME',
      output: '',
      since: interval.start,
      affected: [],
      affectedHosts: 0,
      affectedServices: 0,
      degraded: [],
      location: host?.location ?? {},
      flapping: false,
      tags: [...tags],
    },
  };
}
