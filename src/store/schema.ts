// Table rows as both backends store them, and the conversions between rows and the
// model. Times are integer milliseconds since the epoch (bigint in PostgreSQL, parsed
// back to number by the postgres store's type parser).
import type { Generated } from 'kysely';
import type {
  CheckResult,
  ObjectState,
  PerfDatum,
  StateEvent,
  StateEventKind,
  StateType,
} from '../model/types.ts';

export interface ObjectStatesTable {
  object_id: string;
  state: number;
  state_type: string;
  attempt: number;
  last_hard_state: number;
  last_state_change: number;
  last_hard_state_change: number;
  last_check: number;
  output: string;
  long_output: string;
  /** Comma-separated states, oldest first: "0,0,2,2". */
  recent_states: string;
  percent_state_change: number;
  /** 0 or 1; an integer so the column reads the same in both backends. */
  flapping: number;
}

export interface StateEventsTable {
  id: Generated<number>;
  object_id: string;
  /** The host part of object_id, so a host's history with its services is one index range. */
  host_id: string;
  kind: string;
  at: number;
  state: number;
  previous_state: number;
  state_type: string;
  attempt: number;
  output: string;
}

export interface CheckResultsTable {
  object_id: string;
  planned_at: number;
  started_at: number;
  duration_ms: number;
  exit_code: number;
  output: string;
  long_output: string;
  /** PerfDatum[] as JSON text. */
  perfdata: string;
}

export interface PerfdataHourlyTable {
  object_id: string;
  label: string;
  hour_start: number;
  min: number;
  max: number;
  /** Sum rather than average, so merging a later chunk into a bucket stays exact. */
  sum: number;
  count: number;
  unit: string;
}

export interface OutboxTable {
  seq: Generated<number>;
  id: string;
  receiver: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string;
  created_at: number;
  delivered_at: number | null;
  group_key: Generated<string>;
}

export interface EscalationsTable {
  key: string;
  object_id: string;
  policy: string;
  alert: string;
  step: number;
  cycle: number;
  next_at: number;
  notified: string;
  status: string;
  created_at: number;
  closed_at: number | null;
}

export interface AcknowledgementsTable {
  id: Generated<number>;
  object_id: string;
  /** The state acknowledged: a non-sticky acknowledgement ends when it changes. */
  state: number;
  author: string;
  comment: string;
  sticky: number;
  expires_at: number | null;
  created_at: number;
  removed_at: number | null;
  removed_reason: Generated<string>;
}

export interface DowntimesTable {
  id: Generated<number>;
  target_kind: string;
  target_name: string;
  include_services: number;
  include_children: number;
  type: string;
  start_at: number;
  end_at: number | null;
  duration_ms: number | null;
  recurrence: string | null;
  time_zone: string;
  triggered_at: number | null;
  author: string;
  comment: string;
  created_at: number;
  cancelled_at: number | null;
}

export interface AnnouncedProblemsTable {
  object_id: string;
  opened_at: number;
}

export interface UsersTable {
  username: string;
  role: string;
  /** scrypt with its parameters and salt: `scrypt$N$r$p$salt$hash` (see src/api/auth/passwords.ts). */
  password_hash: string;
  created_at: number;
  /** 0 or 1: a disabled user keeps its audit trail but cannot sign in. */
  disabled: number;
}

export interface SessionsTable {
  /** SHA-256 of the cookie's secret: a copy of the table signs nobody in. */
  id: string;
  username: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  /** The absolute end; the idle end is last_seen_at plus the idle limit. */
  expires_at: number;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  username: string;
  role: string;
  /** SHA-256 of the secret part. */
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  expires_at: number | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  via: string;
  action: string;
  target: string;
  /** JSON object text. */
  detail: string;
  remote_address: string;
}

export interface MaintenanceTable {
  id: Generated<number>;
  /** What kind of maintenance: `db-swap`, `proxy-pause`. */
  kind: string;
  started_at: number;
  ended_at: number;
  /** How long user traffic was held or refused. */
  pause_ms: number;
  /** `succeeded`, `refused`, `rolled-back` or `needs-manual-action`. */
  outcome: string;
  summary: string;
  /** JSON object text: the steps with their durations, coordinates, errors. */
  details: string;
}

/** One ledger row; `end_at` is null while the interval is open. */
export interface AvailabilityIntervalsTable {
  id: Generated<number>;
  /** service, host or component. */
  subject_kind: string;
  subject_id: string;
  /** outage, degraded, partial, maintenance or unknown. */
  kind: string;
  /** What opened it: a hard state ("hard CRITICAL"), a downtime ("downtime:12"), a component status. */
  cause: string;
  /** How much of its time counts as downtime, 0..1. */
  weight: number;
  start_at: number;
  end_at: number | null;
}

/** One run of the daemon: it was watching from started_at to stopped_at (or at least last_seen_at). */
export interface MonitoringRunsTable {
  id: Generated<number>;
  started_at: number;
  last_seen_at: number;
  stopped_at: number | null;
}

/** A status-site incident; JSON columns are small (a few components and causes). */
export interface IncidentsTable {
  id: Generated<number>;
  title: string;
  impact: string;
  phase: string;
  /** draft, published, resolved or withdrawn (a draft whose causes recovered before it went public). */
  status: string;
  /** Component names, JSON array text. */
  components: string;
  /** Root causes, JSON array text of { objectId, openedAt, recoveredAt, description }. */
  causes: string;
  /** The first hard failure. */
  started_at: number;
  created_at: number;
  /** When a draft goes public by itself; null when held (or not a draft). */
  publish_at: number | null;
  /** Who held the draft and why ('' when not held). */
  held_by: string;
  published_at: number | null;
  /** published_at - started_at: what customers waited for the first word. */
  first_post_ms: number | null;
  resolved_at: number | null;
  /** When a quiet incident in "monitoring" resolves by itself; null when none is pending. */
  resolve_at: number | null;
  postmortem_url: string | null;
  /** automatic or operator. */
  origin: string;
  updated_at: number;
}

export interface IncidentUpdatesTable {
  id: Generated<number>;
  incident_id: number;
  phase: string;
  message: string;
  at: number;
  author: string;
  /** 0 or 1: subscribers have been sent this update (or it needs no sending). */
  notified: number;
}

/** A maintenance announcement on the status site. */
export interface ScheduledMaintenanceTable {
  id: Generated<number>;
  title: string;
  message: string;
  /** Component names, JSON array text. */
  components: string;
  starts_at: number;
  ends_at: number;
  /** The Vigil downtime window it is tied to, if any. */
  downtime_id: number | null;
  /** The downtime windows the announcement created, JSON array of ids (cancelled with it). */
  downtime_ids: Generated<string>;
  author: string;
  created_at: number;
  cancelled_at: number | null;
}

/** An e-mail or webhook subscription to status-site incidents. */
export interface SubscribersTable {
  id: Generated<number>;
  /** email or webhook. */
  kind: string;
  /** The e-mail address or the webhook URL. */
  target: string;
  /** HMAC secret of a webhook; '' for e-mail. */
  secret: string;
  /** Component names, JSON array text; [] for all. */
  components: string;
  /** SHA-256 of the confirmation token; '' once confirmed (webhooks need none). */
  confirm_token_hash: string;
  /** The token of the unsubscribe link in every message (it can only unsubscribe). */
  unsubscribe_token: string;
  created_at: number;
  confirmed_at: number | null;
  /** An unconfirmed subscription is forgotten after this. */
  expires_at: number | null;
  unsubscribed_at: number | null;
}

/** One deploy: a version of a service (or component) that went out. */
export interface DeploysTable {
  id: Generated<number>;
  /** As the team names it: "basecamp", "api", "db-1/mysql". */
  service: string;
  version: string;
  at: number;
  deployed_by: string;
  description: string;
  /** A URL (release notes, pull request, pipeline run), or ''. */
  link: string;
  recorded_at: number;
}

export interface VigilDatabase {
  deploys: DeploysTable;
  incidents: IncidentsTable;
  incident_updates: IncidentUpdatesTable;
  scheduled_maintenance: ScheduledMaintenanceTable;
  subscribers: SubscribersTable;
  availability_intervals: AvailabilityIntervalsTable;
  monitoring_runs: MonitoringRunsTable;
  object_states: ObjectStatesTable;
  state_events: StateEventsTable;
  check_results: CheckResultsTable;
  perfdata_hourly: PerfdataHourlyTable;
  outbox: OutboxTable;
  acknowledgements: AcknowledgementsTable;
  downtimes: DowntimesTable;
  escalations: EscalationsTable;
  announced_problems: AnnouncedProblemsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
  maintenance: MaintenanceTable;
}

/** The host an object id belongs to: services are `host/service`, hosts are their own id. */
export function hostOf(objectId: string): string {
  const slash = objectId.indexOf('/');
  return slash < 0 ? objectId : objectId.slice(0, slash);
}

export function encodeRecentStates(states: readonly number[]): string {
  return states.join(',');
}

export function decodeRecentStates(text: string): number[] {
  return text === '' ? [] : text.split(',').map(Number);
}

export function stateFromRow(row: ObjectStatesTable): ObjectState {
  return {
    objectId: row.object_id,
    state: row.state,
    stateType: row.state_type as StateType,
    attempt: row.attempt,
    lastHardState: row.last_hard_state,
    lastStateChange: row.last_state_change,
    lastHardStateChange: row.last_hard_state_change,
    lastCheck: row.last_check,
    output: row.output,
    longOutput: row.long_output,
    recentStates: decodeRecentStates(row.recent_states),
    percentStateChange: row.percent_state_change,
    flapping: row.flapping !== 0,
  };
}

export function eventFromRow(row: Omit<StateEventsTable, 'id' | 'host_id'>): StateEvent {
  return {
    objectId: row.object_id,
    kind: row.kind as StateEventKind,
    at: row.at,
    state: row.state,
    previousState: row.previous_state,
    stateType: row.state_type as StateType,
    attempt: row.attempt,
    output: row.output,
  };
}

export function resultFromRow(row: CheckResultsTable): CheckResult {
  return {
    objectId: row.object_id,
    exitCode: row.exit_code as CheckResult['exitCode'],
    output: row.output,
    longOutput: row.long_output,
    perfdata: JSON.parse(row.perfdata) as PerfDatum[],
    plannedAt: row.planned_at,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
  };
}

/**
 * Integer milliseconds for bigint columns. The engine may hand us fractional times
 * (performance.now() arithmetic); PostgreSQL would reject "1.5" as a bigint and fail the
 * whole batch on every retry, so both backends round the same way.
 */
export function ms(time: number): number {
  return Math.round(time);
}

/** Within one batch the last state of an object wins, as it would applied in order. */
export function latestStates(states: readonly ObjectState[]): ObjectState[] {
  const byObject = new Map<string, ObjectState>();
  for (const state of states) byObject.set(state.objectId, state);
  return [...byObject.values()];
}
