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

export interface VigilDatabase {
  object_states: ObjectStatesTable;
  state_events: StateEventsTable;
  check_results: CheckResultsTable;
  perfdata_hourly: PerfdataHourlyTable;
  outbox: OutboxTable;
  acknowledgements: AcknowledgementsTable;
  downtimes: DowntimesTable;
  escalations: EscalationsTable;
  announced_problems: AnnouncedProblemsTable;
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
