import type { Daemon } from '../src/api/daemon.ts';
import type { Model } from '../src/model/types.ts';
import { type ProblemGroup, problemGroups } from '../src/topology/problem-groups.ts';

// Grouping problems by root cause looks at every object: tenths of a second with 100,000
// services. Pages and their live refreshes share one grouping until a hard state changes
// (soft changes do not move problems between groups) or it is a few seconds old (for the
// plugin output shown).

const MAX_AGE_MS = 10_000;

export interface GroupedProblems {
  groups: readonly ProblemGroup[];
  /** Distinct objects explained by some root cause. */
  explained: number;
}

export class ProblemCache {
  private version = 0;
  private cached: { model: Model; version: number; at: number; value: GroupedProblems } | undefined;

  constructor(private readonly daemon: Daemon) {
    daemon.events.subscribe(
      (event) => {
        if (event.type !== 'state' || event.data.kind !== 'soft-change') this.version++;
      },
      ['state', 'problem'],
    );
  }

  /** The current grouping. Callers must not change the groups (copy before adding badges). */
  current(now: number): GroupedProblems {
    const model = this.daemon.engine.currentModel;
    const hit = this.cached;
    if (hit && hit.model === model && hit.version === this.version && now - hit.at < MAX_AGE_MS)
      return hit.value;
    const version = this.version;
    const groups = problemGroups(model, this.daemon.engine.allStates());
    const explained = new Set<string>();
    for (const group of groups) for (const row of group.affected) explained.add(row.object);
    const value = { groups, explained: explained.size };
    this.cached = { model, version, at: now, value };
    return value;
  }
}
