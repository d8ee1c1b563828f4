// The shared state of a group of proxies in NATS JetStream KV, and the pure rules for
// reading it. Bucket `vigil_proxy`; `<group>.state` is what the operator wants, and each
// proxy writes `<group>.member.<id>` once it has applied that state, then as a heartbeat.

export const BUCKET = 'vigil_proxy';

export const stateKey = (group: string) => `${group}.state`;
export const memberKey = (group: string, proxyId: string) => `${group}.member.${proxyId}`;
export const memberPrefix = (group: string) => `${group}.member.`;

/** What every proxy of the group should be doing. */
export interface GroupState {
  paused: boolean;
  reason: string;
  max_hold_ms: number;
  /** Longest pause asked for; `until` is when it ends (epoch ms). */
  max_pause_ms: number;
  until: number;
  /** Increases with every change, so a report can say which change it has applied. */
  epoch: number;
}

/** What one proxy says it is doing. */
export interface MemberReport {
  paused: boolean;
  epoch: number;
  held: number;
  /**
   * Requests it had sent to the app that are not answered yet (held ones not counted).
   * While paused, reported again as it changes until it reaches 0.
   */
  unanswered?: number;
  /** When it said so (epoch ms): a heartbeat. */
  at: number;
}

export function isGroupState(value: unknown): value is GroupState {
  const v = value as GroupState;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.paused === 'boolean' &&
    typeof v.epoch === 'number' &&
    typeof v.until === 'number' &&
    typeof v.max_hold_ms === 'number'
  );
}

export function isMemberReport(value: unknown): value is MemberReport {
  const v = value as MemberReport;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.paused === 'boolean' &&
    typeof v.epoch === 'number' &&
    typeof v.at === 'number'
  );
}

/**
 * When a proxy ends the pause on its own. A proxy's clock may differ from the writer's,
 * so the deadline is also capped at max_pause from when the proxy heard of it: a skewed
 * clock can shorten a pause, never stretch it past its maximum.
 */
export function localDeadline(state: GroupState, heardAt: number): number {
  return Math.min(state.until, heardAt + state.max_pause_ms);
}

/**
 * Requests the live members had already sent to the app and that are not answered yet:
 * what a database swap waits for. Members with a stale heartbeat cannot tell and are left out.
 */
export function unansweredAtApp(
  members: ReadonlyMap<string, MemberReport>,
  now: number,
  staleAfterMs: number,
): number {
  let sum = 0;
  for (const report of members.values())
    if (now - report.at <= staleAfterMs) sum += Math.max(0, report.unanswered ?? 0);
  return sum;
}

export interface Confirmation {
  /** Every member that must answer has applied the epoch. */
  done: boolean;
  confirmed: string[];
  /** Live (or expected) members that have not applied it yet. */
  waitingOn: string[];
  /** Members whose heartbeat is too old to wait for: reported, not waited on. */
  stale: string[];
}

/**
 * Which members have applied `epoch` with the wanted paused flag. With `expected`, exactly
 * those are waited on; otherwise every member seen with a fresh heartbeat.
 */
export function confirmation(
  members: ReadonlyMap<string, MemberReport>,
  wanted: { epoch: number; paused: boolean },
  now: number,
  staleAfterMs: number,
  expected?: readonly string[],
): Confirmation {
  const confirmed: string[] = [];
  const waitingOn: string[] = [];
  const stale: string[] = [];
  const names = expected ?? [...members.keys()];
  for (const name of names) {
    const report = members.get(name);
    const applied = report !== undefined && report.epoch >= wanted.epoch && report.paused === wanted.paused;
    if (applied) confirmed.push(name);
    else if (!expected && report !== undefined && now - report.at > staleAfterMs) stale.push(name);
    else waitingOn.push(name);
  }
  return { done: waitingOn.length === 0, confirmed, waitingOn, stale };
}
