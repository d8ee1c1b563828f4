import type { CheckResult, ObjectState, StateEvent, StateEventKind } from '../model/types.ts';
import type { AnnouncedProblems } from './announced.ts';
import type { AuditLog } from './audit.ts';
import type { AuthRecords } from './auth.ts';
import type { AvailabilityLedger } from './availability.ts';
import type { DeployRecords } from './deploys.ts';
import type { Escalations } from './escalations.ts';
import type { IncidentRecords, ScheduledMaintenanceRecords } from './incidents.ts';
import type { MaintenanceRecords } from './maintenance.ts';
import type { Outbox } from './outbox.ts';
import type { SubscriberRecords } from './subscribers.ts';
import type { AcknowledgementRecords, DowntimeRecords } from './suppressions.ts';

/**
 * One write of the engine's recent work. A batch is committed atomically: after
 * `write` resolves, every state change in it survives `kill -9`. Retrying a batch after a
 * rejected write is safe: a result is identified by (objectId, startedAt) and an event by
 * (objectId, at, kind), so a repeat is ignored; states are upserted.
 */
export interface StoreBatch {
  results: CheckResult[];
  /** Latest state of each object touched since the previous batch. */
  states: ObjectState[];
  events: StateEvent[];
}

export interface HistoryQuery {
  objectId: string;
  /** Also include services of a host when objectId is a host name. */
  includeServices?: boolean;
  since?: number;
  until?: number;
  limit?: number;
}

export interface ResultQuery {
  objectId: string;
  since: number;
  until: number;
  limit?: number;
}

export interface PerfSample {
  objectId: string;
  label: string;
  /** Start of the bucket (downsampled) or the check time (raw), ms since epoch. */
  at: number;
  min: number;
  max: number;
  avg: number;
  count: number;
  unit: string;
}

export interface MaintenanceReport {
  resultsDownsampled: number;
  resultsDeleted: number;
  samplesDeleted: number;
  eventsDeleted: number;
}

/** Persistence for the engine. SQLite (default) and PostgreSQL implement it alike. */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** The durable delivery queue of notifications. */
  readonly outbox: Outbox;
  /** Acknowledgements of problems, in force and ended. */
  readonly acknowledgements: AcknowledgementRecords;
  /** Downtime windows, cancelled ones included (availability counts them). */
  readonly downtimes: DowntimeRecords;
  /** Escalations under way. */
  readonly escalations: Escalations;
  /** Root-cause problems whose notifications are queued. */
  readonly announced: AnnouncedProblems;
  /** Outage intervals per service, host and component, and the daemon's own runs. */
  readonly availability: AvailabilityLedger;
  /** Maintenance runs (database role swaps, proxy pauses), kept for availability reports. */
  readonly maintenance: MaintenanceRecords;
  /** Users, sign-in sessions and API tokens. */
  readonly auth: AuthRecords;
  /** Who changed what, through the API, the CLI or the chat bot. */
  readonly audit: AuditLog;
  /** Deploys: which version of which service went out when. */
  readonly deploys: DeployRecords;
  /** Status-site incidents and their public updates. */
  readonly incidents: IncidentRecords;
  /** Maintenance announced on the status site. */
  readonly scheduledMaintenance: ScheduledMaintenanceRecords;
  /** E-mail and webhook subscribers to status-site incidents. */
  readonly subscribers: SubscriberRecords;
  /** Apply pending migrations. Safe to call on every start. */
  migrate(): Promise<void>;
  /** Every object's last committed state, for restoring the engine after a restart. */
  loadStates(): Promise<ObjectState[]>;
  write(batch: StoreBatch): Promise<void>;
  /** Newest first (by time, then by insertion), so `limit` gives the latest events. */
  history(query: HistoryQuery): Promise<StateEvent[]>;
  /** Every object's events in [since, until) (only these kinds, if given), oldest first. */
  eventsBetween(since: number, until: number, kinds?: StateEventKind[]): Promise<StateEvent[]>;
  /** Newest first, so `limit` gives the latest results. */
  results(query: ResultQuery): Promise<CheckResult[]>;
  /** Perfdata for one object, oldest first: raw samples where still kept, hourly buckets beyond. */
  perfdata(objectId: string, since: number, until: number): Promise<PerfSample[]>;
  /** Forget objects no longer configured (their history stays). */
  dropStates(objectIds: string[]): Promise<void>;
  /** Downsample results older than the raw retention, delete what is past retention. */
  maintain(now: number): Promise<MaintenanceReport>;
  close(): Promise<void>;
}
