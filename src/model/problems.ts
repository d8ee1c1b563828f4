import { HOST_STATE_NAMES, type Model, type ObjectState, SERVICE_STATE_NAMES } from './types.ts';

/** One object's state in the words an operator reads: for tables, JSON output and the API. */
export interface StateRow {
  object: string;
  host: string;
  service: string | null;
  state: string;
  stateType: 'SOFT' | 'HARD';
  attempt: string;
  since: string;
  lastCheck: string | null;
  flapping: boolean;
  output: string;
}

export function stateName(model: Model, state: ObjectState): string {
  const isHost = model.hosts.has(state.objectId);
  return (isHost ? HOST_STATE_NAMES[state.state] : SERVICE_STATE_NAMES[state.state]) ?? String(state.state);
}

export function describeState(model: Model, state: ObjectState): StateRow {
  const service = model.services.get(state.objectId);
  const host = service ? service.host : state.objectId;
  const maxAttempts = (service?.check ?? model.hosts.get(host)?.check)?.maxAttempts ?? 1;
  return {
    object: state.objectId,
    host,
    service: service?.name ?? null,
    state: stateName(model, state),
    stateType: state.stateType,
    attempt: `${state.attempt}/${maxAttempts}`,
    since: new Date(state.lastStateChange).toISOString(),
    lastCheck: state.lastCheck > 0 ? new Date(state.lastCheck).toISOString() : null,
    flapping: state.flapping,
    output: state.output,
  };
}
