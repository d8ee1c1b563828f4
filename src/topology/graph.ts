import type { StateMask } from '../model/state-codes.ts';
import type { TimePeriod } from '../model/time-period.ts';

// The dependency graph every topology decision runs on. Parents, redundancy groups,
// service dependencies and switch-port attachments all compile to one shape: an object
// needs, for each of its requirement groups, at least `minUp` members not failing.

export interface RequirementSpec {
  /** Object ids (host names or `host/service`). */
  members: string[];
  /** How many members must not be failing; 1 for parents ("any parent UP"). */
  minUp: number;
  /** Which member states count as failing. */
  failing: StateMask;
  /** What the requirement is, for explanations: "parents", "uplinks", "depends on", "attached host". */
  label: string;
  /** Only inside this period does the requirement count (a dependency with a `period`). */
  activeIn?: TimePeriod;
}

export interface TopologySpec {
  /** Every host and service id. */
  objects: string[];
  /** Requirement groups per object id. */
  requirements: Map<string, RequirementSpec[]>;
}

export interface Requirement {
  members: Int32Array;
  minUp: number;
  failing: StateMask;
  label: string;
  activeIn?: TimePeriod;
}

/** The compiled graph: integer ids, requirement groups, and reverse edges for incremental updates. */
export interface TopologyGraph {
  ids: string[];
  index: Map<string, number>;
  requirements: Requirement[][];
  /** For each object, the objects that have it as a requirement member. */
  dependents: Int32Array[];
  /** A topological order: every object after all its requirement members. */
  order: Int32Array;
}

export interface TopologyError {
  /** The object the problem was found on, so config errors can name its file and line. */
  objectId: string;
  message: string;
}

export type CompileResult = { ok: true; graph: TopologyGraph } | { ok: false; errors: TopologyError[] };

/** Compiles a spec, refusing unknown members and cycles (which would have no root cause). */
export function compileTopology(spec: TopologySpec): CompileResult {
  const errors: TopologyError[] = [];
  const fail = (objectId: string, message: string) => errors.push({ objectId, message });
  const ids = [...spec.objects];
  const index = new Map(ids.map((id, i) => [id, i]));
  const requirements: Requirement[][] = ids.map(() => []);
  const dependentLists: number[][] = ids.map(() => []);
  for (const [objectId, specs] of spec.requirements) {
    const from = index.get(objectId);
    if (from === undefined) {
      fail(objectId, `"${objectId}" has requirements but is not a known host or service`);
      continue;
    }
    for (const requirement of specs) {
      const members: number[] = [];
      for (const member of requirement.members) {
        const to = index.get(member);
        if (to === undefined)
          fail(
            objectId,
            `"${objectId}" ${requirement.label} "${member}", which is not a known host or service`,
          );
        else if (to === from) fail(objectId, `"${objectId}" ${requirement.label} itself`);
        else if (!members.includes(to)) members.push(to);
      }
      if (members.length === 0) continue;
      const minUp = Math.min(Math.max(1, requirement.minUp), members.length);
      requirements[from]?.push({
        members: Int32Array.from(members),
        minUp,
        failing: requirement.failing,
        label: requirement.label,
        ...(requirement.activeIn ? { activeIn: requirement.activeIn } : {}),
      });
      for (const to of members) dependentLists[to]?.push(from);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const order = topologicalOrder(requirements);
  if (!order.ok) {
    const cycle = order.cycle.map((i) => ids[i] as string);
    return {
      ok: false,
      errors: [{ objectId: cycle[0] as string, message: `dependencies form a loop: ${cycle.join(' -> ')}` }],
    };
  }
  return {
    ok: true,
    graph: {
      ids,
      index,
      requirements,
      dependents: dependentLists.map((list) => Int32Array.from(list)),
      order: order.order,
    },
  };
}

function topologicalOrder(
  requirements: Requirement[][],
): { ok: true; order: Int32Array } | { ok: false; cycle: number[] } {
  const count = requirements.length;
  const state = new Uint8Array(count); // 0 new, 1 on the path, 2 done
  const order = new Int32Array(count);
  let written = 0;
  // Iterative DFS over each object's flattened members: long dependency chains must not
  // overflow the call stack.
  const membersOf = requirements.map((groups) => groups.flatMap((g) => Array.from(g.members)));
  const path: number[] = [];
  const cursor = new Int32Array(count);
  for (let root = 0; root < count; root++) {
    if (state[root] !== 0) continue;
    path.push(root);
    state[root] = 1;
    while (path.length > 0) {
      const node = path[path.length - 1] as number;
      const members = membersOf[node] as number[];
      const at = cursor[node] as number;
      if (at >= members.length) {
        path.pop();
        state[node] = 2;
        order[written++] = node;
        continue;
      }
      cursor[node] = at + 1;
      const next = members[at] as number;
      if (state[next] === 1) return { ok: false, cycle: [...path.slice(path.indexOf(next)), next] };
      if (state[next] === 0) {
        state[next] = 1;
        path.push(next);
      }
    }
  }
  return { ok: true, order };
}
