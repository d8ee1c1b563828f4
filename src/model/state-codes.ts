import type { FailingStateName } from './types.ts';

// Hosts and services number their states differently (host 1 is DOWN, service 1 is
// WARNING). Dependencies and root-cause analysis compare both, so they use one scale.

/**
 * States that count as failing for a requirement, as a bit mask over topology state codes
 * (bit n = code n). Topology codes put hosts and services on one scale:
 * 0 OK/UP, 1 WARNING, 2 CRITICAL/DOWN, 3 UNKNOWN/UNREACHABLE (see `hostTopologyCode`).
 */
export type StateMask = number;

/** A host state (0 UP, 1 DOWN, 2 UNREACHABLE) on the topology scale. */
export function hostTopologyCode(hostState: number): number {
  return hostState === 0 ? 0 : hostState === 1 ? 2 : 3;
}

export const maskOf = (...states: number[]): StateMask =>
  states.reduce((mask, state) => mask | (1 << state), 0);

/** Host DOWN or UNREACHABLE. */
export const HOST_FAILING: StateMask = maskOf(2, 3);

const CODE_OF: Record<FailingStateName, number> = {
  WARNING: 1,
  CRITICAL: 2,
  DOWN: 2,
  UNKNOWN: 3,
  UNREACHABLE: 3,
};

/** Default for dependencies: a host DOWN/UNREACHABLE or a service CRITICAL/UNKNOWN breaks its dependents. */
export const DEFAULT_DEPENDENCY_FAILING: StateMask = maskOf(2, 3);

export function failingMask(names: FailingStateName[]): StateMask {
  return names.length === 0 ? DEFAULT_DEPENDENCY_FAILING : maskOf(...names.map((n) => CODE_OF[n]));
}
