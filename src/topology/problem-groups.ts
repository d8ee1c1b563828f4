import { describeState, type StateRow } from '../model/problems.ts';
import { hostTopologyCode } from '../model/state-codes.ts';
import type { Model, ObjectState } from '../model/types.ts';
import { graphOf } from './from-model.ts';
import type { TopologyGraph } from './graph.ts';
import { analyse, emptyStates, Verdict } from './root-cause.ts';

export interface ProblemGroup {
  /** The root cause, or a problem whose verdict waits for an upstream re-check (`held`). */
  cause: StateRow & {
    held: boolean;
    /** Set by alerting's views (status, API) when someone acknowledged the problem. */
    acknowledged?: { author: string; comment: string; sticky: boolean; expiresAt: string | null };
    /** Set by alerting's views when a downtime window holds its notifications back. */
    downtime?: { id: number; until: string; comment: string };
  };
  /** Hard problems explained by this cause (unreachable hosts, services of a down host, ...). */
  affected: StateRow[];
  /** Objects still working but without redundancy because of this cause. */
  degraded: string[];
}

/**
 * Current hard problems grouped by root cause, worst causes first: what the operator
 * reads first during an outage. A problem explained by several causes is listed under each.
 */
export function problemGroups(
  model: Model,
  states: Iterable<ObjectState>,
  graph = graphOf(model),
): ProblemGroup[] {
  const topologyStates = emptyStates(graph);
  const byIndex = new Map<number, ObjectState>();
  for (const state of states) {
    const index = graph.index.get(state.objectId);
    if (index === undefined) continue;
    byIndex.set(index, state);
    topologyStates.state[index] = model.hosts.has(state.objectId)
      ? hostTopologyCode(state.state)
      : state.state;
    topologyStates.hard[index] = state.stateType === 'HARD' ? 1 : 0;
  }
  const analysis = analyse(graph, topologyStates);
  const groups = new Map<number, ProblemGroup>();
  for (const [index, state] of byIndex) {
    const verdict = analysis.verdict[index];
    if (verdict === Verdict.ROOT || verdict === Verdict.HELD) {
      groups.set(index, {
        cause: { ...describeState(model, state), held: verdict === Verdict.HELD },
        affected: [],
        degraded: [],
      });
    }
  }
  for (const [index, state] of byIndex) {
    if (analysis.verdict[index] !== Verdict.EXPLAINED) continue;
    for (const cause of analysis.causes[index] as Int32Array)
      groups.get(cause)?.affected.push(describeState(model, state));
  }
  for (let index = 0; index < graph.ids.length; index++) {
    const missing = analysis.degraded[index] as Int32Array;
    if (missing.length === 0 || analysis.verdict[index] !== Verdict.OK) continue;
    for (const member of missing) {
      const roots =
        analysis.verdict[member] === Verdict.EXPLAINED ? (analysis.causes[member] as Int32Array) : [member];
      for (const root of roots) {
        const group = groups.get(root);
        if (group && !group.degraded.includes(graph.ids[index] as string))
          group.degraded.push(graph.ids[index] as string);
      }
    }
  }
  const severity = (row: StateRow) =>
    (row.service === null ? 10 : 0) + ({ CRITICAL: 3, DOWN: 3, UNKNOWN: 2, WARNING: 1 }[row.state] ?? 0);
  return [...groups.values()]
    .map((group) => ({ ...group, affected: group.affected.sort((a, b) => a.object.localeCompare(b.object)) }))
    .sort(
      (a, b) =>
        b.affected.length - a.affected.length ||
        severity(b.cause) - severity(a.cause) ||
        a.cause.since.localeCompare(b.cause.since),
    );
}
