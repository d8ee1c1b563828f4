import { isInPeriod } from '../model/time-period.ts';
import type { Requirement, TopologyGraph } from './graph.ts';

/**
 * What a hard problem is, topologically:
 * - ROOT: nothing upstream explains it; it is what to notify about.
 * - EXPLAINED: a requirement of it has failed for good; it belongs to those root causes.
 * - HELD: a requirement is failing but not yet hard (its re-check is under way); its
 *   verdict waits, so no symptom escapes while the parent is being confirmed.
 * Objects that are not hard problems are OK here (soft problems included).
 */
export const Verdict = { OK: 0, ROOT: 1, EXPLAINED: 2, HELD: 3 } as const;
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

/** Current state per object index: state code and whether it is hard; and the time, for requirements limited to a period. */
export interface TopologyStates {
  state: Int32Array;
  hard: Uint8Array;
  now: number;
}

export interface Analysis {
  verdict: Uint8Array;
  /** Root causes (object indexes, ascending) of each EXPLAINED object; empty otherwise. */
  causes: Int32Array[];
  /** Members missing from a requirement that still holds (lost redundancy); empty if none. */
  degraded: Int32Array[];
}

const NONE = new Int32Array(0);

export function emptyStates(graph: TopologyGraph): TopologyStates {
  return { state: new Int32Array(graph.ids.length), hard: new Uint8Array(graph.ids.length).fill(1), now: 0 };
}

/** Classifies every object, in dependency order. Pure: reads states, returns a new analysis. */
export function analyse(graph: TopologyGraph, states: TopologyStates): Analysis {
  const count = graph.ids.length;
  const analysis: Analysis = {
    verdict: new Uint8Array(count),
    causes: new Array<Int32Array>(count).fill(NONE),
    degraded: new Array<Int32Array>(count).fill(NONE),
  };
  for (const node of graph.order) classify(graph, states, analysis, node);
  return analysis;
}

/**
 * Re-classifies after the states of `changed` objects changed, touching only objects
 * downstream of them whose inputs moved. Mutates `analysis` in place (it is the caller's
 * working copy) and returns the indexes whose verdict, causes or degradation changed.
 */
export function updateAnalysis(
  graph: TopologyGraph,
  states: TopologyStates,
  analysis: Analysis,
  changed: Iterable<number>,
  position: Int32Array,
): number[] {
  const initial = new Set(changed);
  const queued = new Set<number>();
  const heap: number[] = [];
  const push = (node: number) => {
    if (queued.has(node)) return;
    queued.add(node);
    heapPush(heap, node, position);
  };
  for (const node of initial) push(node);
  const moved: number[] = [];
  while (heap.length > 0) {
    const node = heapPop(heap, position);
    const before = {
      verdict: analysis.verdict[node],
      causes: analysis.causes[node],
      degraded: analysis.degraded[node],
    };
    classify(graph, states, analysis, node);
    const changedHere =
      before.verdict !== analysis.verdict[node] ||
      !sameMembers(before.causes as Int32Array, analysis.causes[node] as Int32Array) ||
      !sameMembers(before.degraded as Int32Array, analysis.degraded[node] as Int32Array);
    if (changedHere) moved.push(node);
    // Dependents read this object's state and verdict; a changed state was queued by the caller.
    if (changedHere || initial.has(node))
      for (const dependent of graph.dependents[node] as Int32Array) push(dependent);
  }
  return moved;
}

/** Position of each object in the graph's topological order, for updateAnalysis. */
export function topologicalPositions(graph: TopologyGraph): Int32Array {
  const position = new Int32Array(graph.ids.length);
  graph.order.forEach((node, i) => {
    position[node] = i;
  });
  return position;
}

function classify(graph: TopologyGraph, states: TopologyStates, analysis: Analysis, node: number): void {
  const requirements = graph.requirements[node] as Requirement[];
  const isProblem = states.hard[node] === 1 && states.state[node] !== 0;
  let explained = false;
  let held = false;
  let causes: number[] | undefined;
  let missing: number[] | undefined;
  for (const requirement of requirements) {
    if (requirement.activeIn && !isInPeriod(requirement.activeIn, states.now)) continue;
    let available = 0;
    let pending = 0;
    let downMembers: number[] | undefined;
    for (const member of requirement.members) {
      const failing = (requirement.failing & (1 << (states.state[member] as number))) !== 0;
      if (!failing) available += 1;
      else if (states.hard[member] === 1) (downMembers ??= []).push(member);
      else pending += 1;
    }
    if (available >= requirement.minUp) {
      if (available < requirement.members.length) {
        missing ??= [];
        for (const member of requirement.members) {
          if ((requirement.failing & (1 << (states.state[member] as number))) !== 0) missing.push(member);
        }
      }
      continue;
    }
    // The requirement is not met. It explains the problem only once enough members have
    // failed hard; while soft failures could still recover, the verdict is held.
    if (available + pending >= requirement.minUp || !downMembers) {
      held = true;
      continue;
    }
    let settled = true;
    const found: number[] = [];
    for (const member of downMembers) {
      const verdict = analysis.verdict[member];
      if (verdict === VERDICT_ROOT) found.push(member);
      else if (verdict === VERDICT_EXPLAINED)
        for (const cause of analysis.causes[member] as Int32Array) found.push(cause);
      else settled = false;
    }
    if (!settled) {
      held = true;
      continue;
    }
    explained = true;
    causes = causes ? causes.concat(found) : found;
  }
  analysis.degraded[node] = missing ? Int32Array.from(new Set(missing)).sort() : NONE;
  if (!isProblem) {
    analysis.verdict[node] = VERDICT_OK;
    analysis.causes[node] = NONE;
  } else if (explained && causes) {
    analysis.verdict[node] = VERDICT_EXPLAINED;
    analysis.causes[node] = Int32Array.from(new Set(causes)).sort();
  } else {
    analysis.verdict[node] = held ? VERDICT_HELD : VERDICT_ROOT;
    analysis.causes[node] = NONE;
  }
}

const VERDICT_OK = Verdict.OK;
const VERDICT_ROOT = Verdict.ROOT;
const VERDICT_EXPLAINED = Verdict.EXPLAINED;
const VERDICT_HELD = Verdict.HELD;

function sameMembers(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function heapPush(heap: number[], node: number, position: Int32Array): void {
  heap.push(node);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if ((position[heap[parent] as number] as number) <= (position[node] as number)) break;
    heap[i] = heap[parent] as number;
    i = parent;
  }
  heap[i] = node;
}

function heapPop(heap: number[], position: Int32Array): number {
  const top = heap[0] as number;
  const last = heap.pop() as number;
  if (heap.length > 0) {
    let i = 0;
    const key = position[last] as number;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length &&
        (position[heap[right] as number] as number) < (position[heap[left] as number] as number)
          ? right
          : left;
      if ((position[heap[child] as number] as number) >= key) break;
      heap[i] = heap[child] as number;
      i = child;
    }
    heap[i] = last;
  }
  return top;
}
