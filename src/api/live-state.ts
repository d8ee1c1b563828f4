import { type ProblemGroup, problemGroups } from '../topology/problem-groups.ts';
import type { Daemon } from './daemon.ts';

/**
 * Grouping every problem by root cause is a pass over every object (hundreds of ms with
 * 100,000 services), so after state changes it is redone at most this often; the rows
 * themselves (state, output) are read fresh at each request.
 */
const REGROUP_INTERVAL_MS = 1_000;

/**
 * What the list endpoints need to answer without a pass over every object per request:
 * the objects not OK or UP, kept current from the committed state events, and the
 * problem groups, recomputed only after a state change (or after a short age, for
 * fresher output text).
 */
export class LiveState {
  private readonly failing = new Set<string>();
  private groups: { model: unknown; version: number; at: number; groups: ProblemGroup[] } | undefined;
  private version = 0;
  private changes = 0;
  readonly unsubscribe: () => void;

  constructor(
    private readonly daemon: Daemon,
    private readonly clock: () => number = Date.now,
  ) {
    for (const state of daemon.engine.allStates()) if (state.state !== 0) this.failing.add(state.objectId);
    this.unsubscribe = daemon.events.subscribe((event) => {
      this.changes += 1;
      if (event.type === 'state') {
        this.version += 1;
        if (event.data.state === 'OK' || event.data.state === 'UP') this.failing.delete(event.data.object);
        else this.failing.add(event.data.object);
      }
    });
  }

  /**
   * Counts anything that can change what the problems answer shows: state changes, problems,
   * acknowledgements and downtime announced by the daemon, and changes made through the API.
   */
  get changeCount(): number {
    return this.changes;
  }

  /** Called after a request that may have changed something (acknowledged, scheduled downtime...). */
  noteChange(): void {
    this.changes += 1;
  }

  /** Objects whose last committed state is not OK or UP (some may have left the model since). */
  failingObjects(): ReadonlySet<string> {
    return this.failing;
  }

  /** Hard problems grouped by root cause, worst first; treat as read-only (copy before changing). */
  problemGroups(): ProblemGroup[] {
    const model = this.daemon.engine.currentModel;
    const now = this.clock();
    const cached = this.groups;
    if (
      cached &&
      cached.model === model &&
      (cached.version === this.version || now - cached.at < REGROUP_INTERVAL_MS)
    )
      return cached.groups;
    const groups = problemGroups(model, this.daemon.engine.allStates());
    this.groups = { model, version: this.version, at: now, groups };
    return groups;
  }
}
