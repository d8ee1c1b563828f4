import type { Requirement, TopologyGraph } from './graph.ts';

export interface Impact {
  /** Objects that would fail (become unreachable or lose a dependency) if the given objects failed. */
  failing: number[];
  /** Objects that would keep working but lose redundancy. */
  degraded: number[];
}

/**
 * What would be affected if `failed` objects failed while everything else is fine: the
 * answer to "can I reboot this switch?", from the configuration alone. Pure.
 */
export function impactOf(graph: TopologyGraph, failed: number[]): Impact {
  const down = new Uint8Array(graph.ids.length);
  for (const node of failed) down[node] = 1;
  const touched = downstreamOf(graph, failed);
  const failing: number[] = [];
  const degraded: number[] = [];
  for (const node of graph.order) {
    if (!touched[node] || down[node]) continue;
    let fails = false;
    let loses = false;
    for (const requirement of graph.requirements[node] as Requirement[]) {
      let available = 0;
      for (const member of requirement.members) if (!down[member]) available += 1;
      if (available < requirement.minUp) fails = true;
      else if (available < requirement.members.length) loses = true;
    }
    if (fails) {
      down[node] = 1;
      failing.push(node);
    } else if (loses) {
      degraded.push(node);
    }
  }
  return { failing, degraded };
}

function downstreamOf(graph: TopologyGraph, start: number[]): Uint8Array {
  const seen = new Uint8Array(graph.ids.length);
  const queue = [...start];
  for (const node of start) seen[node] = 1;
  while (queue.length > 0) {
    const node = queue.pop() as number;
    for (const dependent of graph.dependents[node] as Int32Array) {
      if (!seen[dependent]) {
        seen[dependent] = 1;
        queue.push(dependent);
      }
    }
  }
  return seen;
}
