import { componentStatus, countHealth, type MemberHealth } from '../availability/component-status.ts';
import { healthOf } from '../availability/ledger-desired.ts';
import { hardStateOf } from '../availability/ledger-keeper.ts';
import type { Component, Model, ObjectState } from '../model/types.ts';
import type { ProblemGroup } from '../topology/problem-groups.ts';
import type { ComponentStatus } from './snapshot.ts';

// What the status site says about each component, by the same rule the availability ledger
// records (src/availability/component-status.ts), plus two things customers see:
// - a member in a downtime window is neither up nor failing for the rule; a component whose
//   only trouble is planned work is "under maintenance", but an unplanned failure still shows;
// - a component is at least as bad as its worst sub-component (rules may differ per level).
// Pure: states, problem groups and the downtime picture are passed in.

const SEVERITY: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

export function severityOf(status: ComponentStatus): number {
  return SEVERITY[status];
}

/** The worse of two statuses. */
export function worseOf(a: ComponentStatus, b: ComponentStatus): ComponentStatus {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

export interface ComponentHealth {
  /** The hard health of a host or service. */
  health: (objectId: string) => MemberHealth;
  /** Whether a downtime window covers the object now. */
  inMaintenance: (objectId: string) => boolean;
}

/** One component's own status, from its members alone. */
export function ownStatus(
  component: Pick<Component, 'members' | 'rule'>,
  input: ComponentHealth,
): ComponentStatus {
  let planned = false;
  const health: MemberHealth[] = [];
  for (const member of component.members) {
    if (input.inMaintenance(member)) {
      planned = true;
      health.push('unknown');
    } else health.push(input.health(member));
  }
  switch (componentStatus(component.rule, countHealth(health))) {
    case 'major_outage':
      return 'major_outage';
    case 'partial_outage':
      return 'partial_outage';
    case 'degraded':
      return 'degraded_performance';
    default:
      // Nothing known about a component is no evidence of trouble: customers see it as operational.
      return planned ? 'under_maintenance' : 'operational';
  }
}

/** Every component's public status; a parent is never better than its worst child. */
export function componentStatuses(
  components: ReadonlyMap<string, Component>,
  input: ComponentHealth,
): Map<string, ComponentStatus> {
  const statuses = new Map<string, ComponentStatus>();
  const visiting = new Set<string>();
  const statusOf = (name: string): ComponentStatus => {
    const known = statuses.get(name);
    if (known) return known;
    const component = components.get(name);
    if (!component || visiting.has(name)) return 'operational';
    visiting.add(name);
    let status = ownStatus(component, input);
    for (const child of component.children) status = worseOf(status, statusOf(child));
    visiting.delete(name);
    statuses.set(name, status);
    return status;
  };
  for (const name of components.keys()) statusOf(name);
  return statuses;
}

/**
 * Member health from the current states and the root-cause groups: a problem explained by a
 * root cause (the services of a DOWN host, hosts behind a dead switch) is failing for
 * customers even when its own last result predates the failure.
 */
export function healthFromStates(
  model: Model,
  states: Iterable<ObjectState>,
  groups: readonly ProblemGroup[],
): (objectId: string) => MemberHealth {
  const health = new Map<string, MemberHealth>();
  for (const state of states) {
    if (state.lastCheck <= 0) continue;
    health.set(state.objectId, healthOf(model.services.has(state.objectId), hardStateOf(state)));
  }
  for (const group of groups)
    for (const row of group.affected) if (row.stateType === 'HARD') health.set(row.object, 'failing');
  return (objectId) => health.get(objectId) ?? 'unknown';
}

/** The page's headline: the worst status of the products (components without a parent). */
export function overallStatus(
  components: ReadonlyMap<string, Component>,
  statuses: ReadonlyMap<string, ComponentStatus>,
): ComponentStatus {
  let overall: ComponentStatus = 'operational';
  for (const component of components.values())
    if (component.parent === undefined)
      overall = worseOf(overall, statuses.get(component.name) ?? 'operational');
  return overall;
}
