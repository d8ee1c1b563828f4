import type { Logger } from 'pino';
import type { Model, StatusSiteSettings } from '../../model/types.ts';
import type {
  IncidentCause,
  IncidentRecord,
  IncidentRecords,
  IncidentUpdateRecord,
  ScheduledMaintenanceRecords,
} from '../../store/incidents.ts';
import { describeProblem } from '../../topology/describe-problem.ts';
import type { ProblemEvent } from '../../topology/problem-tracker.ts';
import type { ComponentStatus } from '../snapshot.ts';
import { affectedComponents, overlaps } from './affected-components.ts';
import { maintenanceState } from './maintenance-state.ts';
import { publishDraft } from './operator-changes.ts';
import { statusSiteOf } from './settings.ts';
import {
  automaticTitle,
  firstMessage,
  impactOf,
  recoveringMessage,
  resolvedMessage,
  returnedMessage,
  spreadMessage,
} from './wording.ts';

// Incidents follow root-cause problems:
// - a root cause that affects a component opens a draft (one per root cause; a second root
//   cause touching a component of an open incident joins it);
// - a draft goes public `publish_delay` after it was opened, unless an operator held or
//   edited it, or published it sooner;
// - when every cause has recovered, a public incident moves to "monitoring" and resolves once
//   it stays quiet for `resolve_after`; a draft whose causes recovered before it went out is
//   withdrawn (customers never saw it; an operator who held it decides);
// - new public updates are handed to the subscribers' notifier.
// Everything lives in the store, so deadlines survive a restart (a publish that fell due while
// the daemon was down happens at start), and changes made by the CLI are picked up on the next
// tick. Problem events and ticks run one at a time.

export interface IncidentStores {
  incidents: IncidentRecords;
  scheduledMaintenance: Pick<ScheduledMaintenanceRecords, 'list' | 'lastChange'>;
}

/** Sends new public updates to subscribers; returns the update ids it took care of. */
export interface UpdateNotifier {
  notify(pending: { incident: IncidentRecord; update: IncidentUpdateRecord }[]): Promise<number[]>;
}

export interface IncidentManagerOptions {
  store: IncidentStores;
  model: () => Model;
  clock: () => number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** When an object's hard failure began (its last hard state change); default: the problem event's time. */
  failingSince?: (objectId: string) => number | undefined;
  /** A component's status now, to rate an incident's impact; default: a major outage. */
  statusOf?: (component: string) => ComponentStatus;
  notifier?: UpdateNotifier;
  /** Called whenever what the status site shows may have changed. */
  onPublicChange?: () => void;
  /** How often deadlines and the store are looked at; default 1 s. */
  tickMs?: number;
}

export const VIGIL_AUTHOR = 'vigil';

export class IncidentManager {
  private work: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();
  private lastFingerprint = '';
  private stopped = false;

  constructor(private readonly options: IncidentManagerOptions) {
    if (options.onPublicChange) this.listeners.add(options.onPublicChange);
  }

  /** Registers a listener for changes of the public picture; returns its removal. */
  onPublicChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Acts on what fell due while stopped, then keeps ticking. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.tick();
    this.timer = setInterval(() => {
      void this.tick();
    }, this.options.tickMs ?? 1_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.work.catch(() => {});
  }

  /** Root-cause problems opened and resolved, in the order they were decided. */
  noteProblems(events: readonly ProblemEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.serially(async () => {
      let touched = false;
      for (const event of events) touched = (await this.apply(event)) || touched;
      if (touched) this.emit();
    }, 'incident update from a problem failed');
  }

  /** Publishes drafts and resolves quiet incidents that are due, tells subscribers, notices changes. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return this.serially(() => this.runDue(), 'incident tick failed; will try again');
  }

  /** Waits for everything queued so far (tests, shutdown). */
  settled(): Promise<void> {
    return this.work.then(
      () => {},
      () => {},
    );
  }

  private serially(task: () => Promise<void>, failure: string): Promise<void> {
    const run = this.work.then(task).catch((error: unknown) => {
      this.options.log.error({ err: error }, failure);
    });
    this.work = run;
    return run;
  }

  private get settings(): StatusSiteSettings {
    return statusSiteOf(this.options.model().settings);
  }

  private emit(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.options.log.error({ err: error }, 'status change listener failed');
      }
    }
  }

  /** Applies one problem event; returns whether it concerned a component. */
  private async apply(event: ProblemEvent): Promise<boolean> {
    const { incidents } = this.options.store;
    const now = this.options.clock();
    if (event.kind === 'resolved') {
      let touched = false;
      for (const incident of await incidents.open()) {
        const cause = incident.causes.find((c) => c.objectId === event.objectId && c.recoveredAt === null);
        if (!cause) continue;
        touched = true;
        const causes = incident.causes.map((c) => (c === cause ? { ...c, recoveredAt: event.at } : c));
        await incidents.change(incident.id, { causes, updatedAt: now });
        if (causes.every((c) => c.recoveredAt !== null))
          await this.causesRecovered({ ...incident, causes }, now);
      }
      return touched;
    }

    const model = this.options.model();
    const components = affectedComponents(model.components, [event.objectId, ...event.affected]);
    if (components.length === 0) return false;
    const cause: IncidentCause = {
      objectId: event.objectId,
      openedAt: this.options.failingSince?.(event.objectId) ?? event.at,
      recoveredAt: null,
      description: describeProblem(model, event),
    };
    const open = await incidents.open();
    const joined =
      open.find((i) => i.causes.some((c) => c.objectId === event.objectId)) ??
      open.find((i) => overlaps(model.components, i.components, components));
    if (joined) await this.join(joined, cause, components, now);
    else await this.openDraft(cause, components, now);
    return true;
  }

  private async openDraft(cause: IncidentCause, components: string[], now: number): Promise<void> {
    const impact = impactOf(components.map((name) => this.options.statusOf?.(name) ?? 'major_outage'));
    const delay = this.settings.publishDelayMs;
    const incident = await this.options.store.incidents.create(
      {
        title: automaticTitle(components, impact),
        impact,
        phase: 'investigating',
        status: 'draft',
        components,
        causes: [cause],
        startedAt: Math.min(cause.openedAt, now),
        createdAt: now,
        publishAt: now + delay,
        origin: 'automatic',
      },
      { phase: 'investigating', message: firstMessage(components), author: VIGIL_AUTHOR },
    );
    this.options.log.info(
      { incident: incident.id, components, cause: cause.objectId, publishAt: incident.publishAt },
      `incident ${incident.id} drafted: ${incident.title} (${cause.description})`,
    );
    if (delay <= 0) await this.publish(incident, now);
  }

  private async join(incident: IncidentRecord, cause: IncidentCause, components: string[], now: number) {
    const { incidents } = this.options.store;
    const causes = [...incident.causes.filter((c) => c.objectId !== cause.objectId), cause];
    const added = components.filter((name) => !incident.components.includes(name));
    const allComponents = [...incident.components, ...added].sort();
    const automaticWords =
      incident.origin === 'automatic' &&
      incident.title === automaticTitle(incident.components, incident.impact);
    const quietEnding = incident.resolveAt !== null;
    await incidents.change(incident.id, {
      causes,
      components: allComponents,
      ...(automaticWords && added.length > 0
        ? { title: automaticTitle(allComponents, incident.impact) }
        : {}),
      resolveAt: null,
      updatedAt: now,
    });
    this.options.log.info(
      { incident: incident.id, cause: cause.objectId, added },
      `incident ${incident.id}: ${cause.description} joins it`,
    );
    if (incident.status !== 'published') return;
    if (quietEnding || incident.phase === 'monitoring') {
      await incidents.addUpdate(incident.id, {
        phase: 'investigating',
        message: returnedMessage(allComponents),
        at: now,
        author: VIGIL_AUTHOR,
      });
      await incidents.change(incident.id, { phase: 'investigating', updatedAt: now });
    } else if (added.length > 0) {
      await incidents.addUpdate(incident.id, {
        phase: incident.phase,
        message: spreadMessage(added),
        at: now,
        author: VIGIL_AUTHOR,
      });
    }
  }

  /** Every cause is back: a public incident starts its quiet period, an unseen draft is withdrawn. */
  private async causesRecovered(incident: IncidentRecord, now: number): Promise<void> {
    const { incidents } = this.options.store;
    if (incident.status === 'draft') {
      if (incident.publishAt === null) return;
      if (
        await incidents.change(
          incident.id,
          { status: 'withdrawn', publishAt: null, resolvedAt: now, updatedAt: now },
          ['draft'],
        )
      )
        this.options.log.info(
          { incident: incident.id },
          `incident ${incident.id} withdrawn: recovered before it went public`,
        );
      return;
    }
    const resolveAt = now + this.settings.resolveAfterMs;
    if (incident.phase !== 'monitoring') {
      await incidents.addUpdate(incident.id, {
        phase: 'monitoring',
        message: recoveringMessage(incident.components),
        at: now,
        author: VIGIL_AUTHOR,
      });
    }
    await incidents.change(incident.id, { phase: 'monitoring', resolveAt, updatedAt: now }, ['published']);
  }

  private async publish(incident: IncidentRecord, now: number): Promise<void> {
    if (await publishDraft(this.options.store.incidents, incident, now))
      this.options.log.info(
        { incident: incident.id, firstPostMs: now - incident.startedAt },
        `incident ${incident.id} published: ${incident.title}`,
      );
  }

  private async runDue(): Promise<void> {
    const { incidents, scheduledMaintenance } = this.options.store;
    const now = this.options.clock();
    for (const incident of await incidents.open()) {
      if (incident.status === 'draft' && incident.publishAt !== null && incident.publishAt <= now)
        await this.publish(incident, now);
      else if (
        incident.status === 'published' &&
        incident.resolveAt !== null &&
        incident.resolveAt <= now &&
        incident.causes.length > 0 &&
        incident.causes.every((c) => c.recoveredAt !== null)
      ) {
        await incidents.addUpdate(incident.id, {
          phase: 'resolved',
          message: resolvedMessage(incident.components),
          at: now,
          author: VIGIL_AUTHOR,
        });
        await incidents.change(
          incident.id,
          { phase: 'resolved', status: 'resolved', resolvedAt: now, resolveAt: null, updatedAt: now },
          ['published'],
        );
        this.options.log.info(
          { incident: incident.id },
          `incident ${incident.id} resolved after a quiet period`,
        );
      }
    }
    const pending = await incidents.unnotified();
    if (pending.length > 0) {
      const done = this.options.notifier
        ? await this.options.notifier.notify(pending)
        : pending.map((p) => p.update.id);
      await incidents.markNotified(done);
    }
    const windows = await scheduledMaintenance.list({ since: now - 86_400_000 });
    const fingerprint = [
      await incidents.lastPublicChange(),
      await scheduledMaintenance.lastChange(),
      ...windows.map((w) => `${w.id}:${maintenanceState(w, now)}`),
    ].join('|');
    if (fingerprint !== this.lastFingerprint) {
      this.lastFingerprint = fingerprint;
      this.emit();
    }
  }
}
