// Soft/hard states, retries and flap detection for hosts and services: the check result
// logic of Nagios Core 4 (base/checks.c handle_async_{service,host}_check_result and
// base/flapping.c, nagioscore master as of 2024), as pure functions. Time comes in as an
// argument; `prev` is never mutated; the only allocations are the new state, the events
// array, the result object and, when a state is recorded for flap detection and the
// history is not already uniform, the new recentStates array.
//
// Representation decisions:
// - A new object is OK/UP, HARD, attempt 1, lastHardState OK/UP, as Nagios creates it.
//   "Pending" (never checked) is `lastCheck === 0`; lastStateChange and
//   lastHardStateChange start at the creation time (Nagios starts them at 0 and shows
//   durations from program start).
// - The flap history starts as 21 OK/UP entries: Nagios's state_history is zero-filled
//   (calloc) when an object is created, and 0 is OK/UP.
// - A stored state is never "OK SOFT" / "UP SOFT": a soft recovery is reported as a SOFT
//   event and the object is then HARD OK/UP, attempt 1 (see below). Therefore
//   stateType SOFT always means a non-OK state being retried, and its lastHardState is
//   OK/UP.
//
// Events, at most one state event per result, then at most one flapping event:
// - 'soft-change': the state changed and the new state is SOFT: OK/UP -> soft problem,
//   soft problem -> different soft problem (e.g. soft WARNING -> soft CRITICAL), and a
//   soft recovery (soft problem -> OK/UP). A retry that returns the same soft state emits
//   nothing (Nagios logs it as a SOFT alert again; that is an attempt, not a change).
//   previousState is the state before this result.
// - 'hard-change': the hard state changed into a problem state: OK -> HARD problem
//   (maxAttempts reached, maxAttempts 1, or host not UP), soft -> hard of the same state,
//   or hard problem -> different hard problem. previousState is the previous HARD state,
//   so `state !== previousState` always holds for 'hard-change' and 'recovery'.
// - 'recovery': hard problem -> OK/UP. previousState is the previous hard problem state.
// - 'flapping-start' / 'flapping-stop': flap state toggled; stateType/attempt are the
//   new ones.
//
// Nagios behaviours matched on purpose (all from base/checks.c unless noted):
// - Attempts count consecutive non-OK results, across different non-OK states: soft
//   WARNING attempt 1 -> CRITICAL is soft CRITICAL attempt 2.
// - A repeated hard problem keeps its attempt (at maxAttempts); a hard problem ->
//   different problem is a hard change that keeps the attempt.
// - lastStateChange also moves when a soft problem becomes hard without changing state
//   (checks.c sets last_state_change on every hard state change; nagioscore's own
//   t-tap/test_checks.c "4th warning (HARD change)" asserts it).
// - Service soft recovery: the SOFT OK event carries attempt+1 (capped at maxAttempts),
//   as Nagios logs it ("a soft recovery would actually get up to 2 attempts"); then the
//   service becomes HARD OK attempt 1 and lastHardStateChange moves to the recovery time
//   (the "Update OK states" block added for nagioscore issue #575). Host soft recovery
//   carries attempt 1 and leaves lastHardStateChange alone (the host code has neither).
// - Service non-OK while its host is not UP goes HARD at once, without notification in
//   Nagios (the caller decides what "UP" is; Nagios uses the host's current state, soft or
//   hard). Coming from OK, that hard state has attempt 1 (t-tap/test_checks.c "Host
//   down/hard, Service ok/hard -> crit" asserts attempt 1); coming from a problem state it
//   has attempt maxAttempts.
// - Host check results: 0 and 1 are UP (no aggressive host checking), anything else DOWN;
//   a DOWN with no UP parent is UNREACHABLE. Host soft DOWN -> UNREACHABLE keeps counting
//   attempts, hard DOWN -> UNREACHABLE is a hard change.
// - Flap detection (base/flapping.c): 21 states, 20 transitions weighted linearly from
//   0.75 (oldest) to 1.25 (newest), percent = 100 * sum / 20. Flapping starts at
//   percent >= high and stops at percent <= low (both inclusive, as the code compares);
//   between the thresholds the flap state is kept. Services record only hard states and
//   recoveries (a soft problem is not recorded, nor is flapping re-evaluated); hosts
//   record every check result, soft ones included. With flap detection disabled the
//   history is still recorded, and a flapping object stops flapping.
//
// Deliberate deviations from the Nagios code, where it contradicts its own documentation
// or leaves transient artefacts:
// - A hard problem -> different problem is always a hard change ("State Types" doc).
//   Nagios's code would make it SOFT when the attempt is below maxAttempts, which only
//   happens after the host-down attempt-1 case above.
// - Nagios leaves a host that recovered softly as "UP SOFT" until its next check; here it
//   is HARD UP at once, like a service after a soft recovery.
// - Nagios resets a soft service's attempt to 1 when its host has just come back UP
//   (host_problem_at_last_check); that needs a soft problem that survived a host outage,
//   which cannot occur here because a problem while the host is not UP is always hard.

import type { ObjectState, StateEvent, StateEventKind, StateType } from '../model/types.ts';

/** Entries kept for flap detection (Nagios MAX_STATE_HISTORY_ENTRIES). */
export const FLAP_HISTORY_LENGTH = 21;

const OK = 0; // ServiceState.OK and HostState.UP
const HOST_DOWN = 1;
const HOST_UNREACHABLE = 2;
const SERVICE_UNKNOWN = 3;

// base/flapping.c low_curve_value / high_curve_value.
const OLDEST_WEIGHT = 0.75;
const NEWEST_WEIGHT = 1.25;
const TRANSITIONS = FLAP_HISTORY_LENGTH - 1;

export interface FlapPolicy {
  /** Percent state change at or below which flapping stops. */
  low: number;
  /** Percent state change at or above which flapping starts. */
  high: number;
  enabled: boolean;
}

export interface StatePolicy {
  maxAttempts: number;
  flap: FlapPolicy;
}

export interface ServiceResultInput {
  exitCode: 0 | 1 | 2 | 3;
  output: string;
  longOutput: string;
  /** When the check ran (ms since epoch). */
  at: number;
  /** Whether the service's host is UP now (soft or hard); false forces problems HARD. */
  hostUp: boolean;
}

export interface HostResultInput {
  /** Plugin exit code: 0 and 1 are UP, 2 and 3 (and anything else) DOWN. */
  exitCode: number;
  output: string;
  longOutput: string;
  at: number;
  /** False when no parent is UP: a DOWN result then becomes UNREACHABLE. */
  reachable: boolean;
}

export type NextCheck = 'normal' | 'retry';

export interface Transition {
  state: ObjectState;
  events: StateEvent[];
  /** Which interval schedules the next check: retry while a problem is SOFT. */
  nextCheck: NextCheck;
}

export function initialState(objectId: string, _kind: 'host' | 'service', now: number): ObjectState {
  return {
    objectId,
    state: OK,
    stateType: 'HARD',
    attempt: 1,
    lastHardState: OK,
    lastStateChange: now,
    lastHardStateChange: now,
    lastCheck: 0,
    output: '',
    longOutput: '',
    recentStates: new Array<number>(FLAP_HISTORY_LENGTH).fill(OK),
    percentStateChange: 0,
    flapping: false,
  };
}

/**
 * Nagios's weighted percent state change over the last 21 states (oldest first). A
 * shorter history counts as if it were preceded by copies of its oldest state, so the
 * newest transition always weighs 1.25 and the divisor is always 20.
 */
export function percentStateChange(states: readonly number[]): number {
  const n = states.length;
  const start = n > FLAP_HISTORY_LENGTH ? n - FLAP_HISTORY_LENGTH : 0;
  // Position of states[start] in a full 21-entry window.
  const offset = FLAP_HISTORY_LENGTH - (n - start);
  let changes = 0;
  for (let i = start + 1; i < n; i++) {
    if (states[i] !== states[i - 1]) {
      const x = i - start + offset; // 1..20, as in flapping.c
      changes += ((x - 1) * (NEWEST_WEIGHT - OLDEST_WEIGHT)) / (TRANSITIONS - 1) + OLDEST_WEIGHT;
    }
  }
  return (changes * 100) / TRANSITIONS;
}

/** Applies one service check result. */
export function applyServiceResult(
  prev: ObjectState,
  input: ServiceResultInput,
  policy: StatePolicy,
): Transition {
  const maxAttempts = normalizeMaxAttempts(policy.maxAttempts);
  const code = input.exitCode;
  const state = code >= 0 && code <= 3 ? code : SERVICE_UNKNOWN;
  return applyResult(prev, state, input, input.hostUp, maxAttempts, policy.flap, true);
}

/** Applies one host check result. */
export function applyHostResult(prev: ObjectState, input: HostResultInput, policy: StatePolicy): Transition {
  const maxAttempts = normalizeMaxAttempts(policy.maxAttempts);
  const code = input.exitCode;
  const up = code === 0 || code === 1;
  const state = up ? OK : input.reachable ? HOST_DOWN : HOST_UNREACHABLE;
  // A host has no host above it: "host not UP" never forces its states hard.
  return applyResult(prev, state, input, true, maxAttempts, policy.flap, false);
}

function normalizeMaxAttempts(maxAttempts: number): number {
  return maxAttempts >= 1 ? Math.floor(maxAttempts) : 1;
}

interface ResultText {
  output: string;
  longOutput: string;
  at: number;
}

function applyResult(
  prev: ObjectState,
  state: number,
  input: ResultText,
  hostUp: boolean,
  maxAttempts: number,
  flap: FlapPolicy,
  isService: boolean,
): Transition {
  const at = input.at;
  const prevAttempt = Math.max(1, Math.min(prev.attempt, maxAttempts));

  let stateType: StateType = 'HARD';
  let attempt = 1;
  let lastHardState = prev.lastHardState;
  let lastStateChange = prev.lastStateChange;
  let lastHardStateChange = prev.lastHardStateChange;
  let eventKind: StateEventKind | undefined;
  let eventType: StateType = 'HARD';
  let eventAttempt = 1;
  let eventPrevious = prev.state;

  if (state === OK) {
    if (prev.state !== OK) {
      lastStateChange = at;
      if (prev.stateType === 'HARD') {
        eventKind = 'recovery';
        eventPrevious = prev.lastHardState;
        lastHardStateChange = at;
      } else {
        eventKind = 'soft-change';
        eventType = 'SOFT';
        if (isService) {
          eventAttempt = Math.min(prevAttempt + 1, maxAttempts);
          lastHardStateChange = at;
        }
      }
      lastHardState = OK;
    } else if (prev.lastHardState !== OK) {
      // Only reachable from inconsistent stored data: settle the hard state quietly.
      lastHardState = OK;
    }
  } else if (prev.state === OK) {
    lastStateChange = at;
    if (!hostUp || maxAttempts === 1) {
      eventKind = 'hard-change';
      eventPrevious = prev.lastHardState;
      lastHardState = state;
      lastHardStateChange = at;
    } else {
      stateType = 'SOFT';
      eventKind = 'soft-change';
      eventType = 'SOFT';
    }
  } else if (prev.stateType === 'SOFT') {
    const forced = !hostUp && state !== prev.lastHardState;
    attempt = forced ? maxAttempts : Math.min(prevAttempt + 1, maxAttempts);
    eventAttempt = attempt;
    if (attempt >= maxAttempts) {
      eventKind = 'hard-change';
      eventPrevious = prev.lastHardState;
      lastHardState = state;
      lastHardStateChange = at;
      lastStateChange = at;
    } else {
      stateType = 'SOFT';
      if (state !== prev.state) {
        eventKind = 'soft-change';
        eventType = 'SOFT';
        lastStateChange = at;
      }
    }
  } else {
    attempt = hostUp ? prevAttempt : maxAttempts;
    if (state === prev.state && state === prev.lastHardState) {
      attempt = prevAttempt;
    } else {
      eventKind = 'hard-change';
      eventPrevious = prev.lastHardState;
      eventAttempt = attempt;
      lastHardState = state;
      lastHardStateChange = at;
      if (state !== prev.state) lastStateChange = at;
    }
  }

  // Services skip flap detection entirely for soft problems (flapping.c returns early).
  const recordsHistory = !isService || stateType === 'HARD';
  let recentStates = prev.recentStates;
  let percent = prev.percentStateChange;
  let flapping = prev.flapping;
  let flapEvent: StateEventKind | undefined;
  if (recordsHistory) {
    recentStates = appendHistory(prev.recentStates, state);
    percent = recentStates === prev.recentStates ? 0 : percentStateChange(recentStates);
    if (!flap.enabled) {
      flapping = false;
    } else if (percent <= flap.low) {
      flapping = false;
    } else if (percent >= flap.high) {
      flapping = true;
    }
    if (flapping !== prev.flapping) flapEvent = flapping ? 'flapping-start' : 'flapping-stop';
  }

  const next: ObjectState = {
    objectId: prev.objectId,
    state,
    stateType,
    attempt,
    lastHardState,
    lastStateChange,
    lastHardStateChange,
    lastCheck: at,
    output: input.output,
    longOutput: input.longOutput,
    recentStates,
    percentStateChange: percent,
    flapping,
  };

  const events: StateEvent[] = [];
  if (eventKind !== undefined) {
    events.push({
      objectId: prev.objectId,
      kind: eventKind,
      at,
      state,
      previousState: eventPrevious,
      stateType: eventType,
      attempt: eventAttempt,
      output: input.output,
    });
  }
  if (flapEvent !== undefined) {
    events.push({
      objectId: prev.objectId,
      kind: flapEvent,
      at,
      state,
      previousState: prev.state,
      stateType,
      attempt,
      output: input.output,
    });
  }

  return { state: next, events, nextCheck: stateType === 'SOFT' ? 'retry' : 'normal' };
}

/**
 * The history with `state` appended, keeping the newest 21. A full history that is
 * already all `state` is returned as is: the steady state of most objects allocates
 * nothing here.
 */
function appendHistory(history: readonly number[], state: number): number[] {
  const n = history.length;
  if (n === FLAP_HISTORY_LENGTH) {
    let uniform = true;
    for (let i = 0; i < n; i++) {
      if (history[i] !== state) {
        uniform = false;
        break;
      }
    }
    if (uniform) return history as number[];
  }
  const start = n >= FLAP_HISTORY_LENGTH ? n - FLAP_HISTORY_LENGTH + 1 : 0;
  const next = new Array<number>(n - start + 1);
  for (let i = start; i < n; i++) next[i - start] = history[i] as number;
  next[n - start] = state;
  return next;
}
