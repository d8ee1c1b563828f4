import { hostTopologyCode } from '../model/state-codes.ts';
import { isInPeriod } from '../model/time-period.ts';
import type { Model, ObjectState, StateEvent } from '../model/types.ts';
import { graphOf } from './from-model.ts';
import type { TopologyGraph } from './graph.ts';
import {
  type Analysis,
  analyse,
  emptyStates,
  type TopologyStates,
  topologicalPositions,
  updateAnalysis,
  Verdict,
} from './root-cause.ts';

/**
 * What alerting hears about: one event per root-cause problem, never one per symptom.
 * - `opened`: a hard problem nothing upstream explains (or a flapping object).
 * - `resolved`: that problem is gone.
 * Explained problems ride along in `affected`; an explained problem that is still failing
 * when its cause recovers becomes a root cause of its own and is opened then.
 */
export interface ProblemEvent {
  kind: 'opened' | 'resolved';
  objectId: string;
  at: number;
  /** The object's state (host or service numbering) when the event was decided. */
  state: number;
  flapping: boolean;
  /** Hard problems explained by this one (hosts unreachable behind it, services of a down host...). */
  affected: string[];
  /** Objects still working but on their last redundant path because of this problem. */
  degraded: string[];
}

/**
 * Keeps the root-cause analysis current as committed state events arrive, and turns
 * verdict changes into problem events. Objects already failing when it starts (restored
 * after a restart) count as announced, so a restart does not re-alert.
 */
export class ProblemTracker {
  private readonly graph: TopologyGraph;
  private readonly positions: Int32Array;
  private readonly states: TopologyStates;
  private readonly analysis: Analysis;
  private readonly flapping: Uint8Array;
  /** Objects with an `opened` event and no `resolved` yet. */
  private readonly open = new Set<number>();
  /** Verdicts as of the last apply, to see where a new root cause comes from. */
  private readonly lastVerdict: Uint8Array;
  /** Root causes that were explained a moment ago: they must fail their own re-check first. */
  private readonly awaitingRecheck = new Set<number>();
  private rechecksToRequest: number[] = [];

  /** Objects with a requirement limited to a time period, and whether each was active at the last look. */
  private readonly periodic: { index: number; active: string }[] = [];

  constructor(
    private readonly model: Model,
    restored: Iterable<ObjectState>,
    now = 0,
  ) {
    this.graph = graphOf(model);
    this.positions = topologicalPositions(this.graph);
    this.states = emptyStates(this.graph);
    this.states.now = now;
    this.graph.requirements.forEach((requirements, index) => {
      if (requirements.some((r) => r.activeIn)) this.periodic.push({ index, active: this.activity(index) });
    });
    this.flapping = new Uint8Array(this.graph.ids.length);
    for (const state of restored) {
      const index = this.graph.index.get(state.objectId);
      if (index === undefined) continue;
      this.setState(index, state.state, state.stateType === 'HARD');
      this.flapping[index] = state.flapping ? 1 : 0;
    }
    this.analysis = analyse(this.graph, this.states);
    this.lastVerdict = Uint8Array.from(this.analysis.verdict);
    for (let i = 0; i < this.graph.ids.length; i++) if (this.isAnnounceable(i)) this.open.add(i);
  }

  /** Feeds committed state events; returns the problem events they cause, causes before effects. */
  apply(events: StateEvent[]): ProblemEvent[] {
    const changed = new Set<number>();
    let at = 0;
    for (const event of events) {
      const index = this.graph.index.get(event.objectId);
      if (index === undefined) continue;
      at = Math.max(at, event.at);
      if (event.kind === 'flapping-start' || event.kind === 'flapping-stop') {
        this.flapping[index] = event.kind === 'flapping-start' ? 1 : 0;
      } else {
        this.setState(index, event.state, event.stateType === 'HARD' || event.state === 0);
      }
      changed.add(index);
    }
    if (changed.size === 0) return [];
    if (at > this.states.now) this.advanceClock(at, changed);
    return this.decide(changed);
  }

  /**
   * Moves the clock on without state changes: dependencies limited to a time period start or
   * stop counting, which can explain a problem or leave it standing on its own. The daemon
   * calls this every few seconds.
   */
  tick(now: number): ProblemEvent[] {
    if (now <= this.states.now) return [];
    const changed = new Set<number>();
    this.advanceClock(now, changed);
    return changed.size === 0 ? [] : this.decide(changed);
  }

  private advanceClock(now: number, changed: Set<number>): void {
    this.states.now = now;
    for (const entry of this.periodic) {
      const active = this.activity(entry.index);
      if (active !== entry.active) {
        entry.active = active;
        changed.add(entry.index);
      }
    }
  }

  /** Which of an object's period-limited requirements apply now, as a string of 0/1. */
  private activity(index: number): string {
    return (this.graph.requirements[index] ?? [])
      .map((r) => (r.activeIn && !isInPeriod(r.activeIn, this.states.now) ? '0' : '1'))
      .join('');
  }

  private decide(changed: Set<number>): ProblemEvent[] {
    const at = this.states.now;
    const moved = updateAnalysis(this.graph, this.states, this.analysis, changed, this.positions);
    const candidates = new Set([...changed, ...moved]);
    const problems: ProblemEvent[] = [];
    const ordered = [...candidates].sort(
      (a, b) => (this.positions[a] as number) - (this.positions[b] as number),
    );
    for (const index of ordered) {
      const announceable = this.isAnnounceable(index);
      const was = this.lastVerdict[index];
      this.lastVerdict[index] = this.analysis.verdict[index] as number;
      if (!announceable) this.awaitingRecheck.delete(index);
      if (announceable && !this.open.has(index)) {
        // A problem whose cause just went away is likely to go with it: its last result
        // predates the recovery. It becomes a root cause only if its own re-check fails.
        if ((was === Verdict.EXPLAINED || was === Verdict.HELD) && !this.flapping[index]) {
          if (!this.awaitingRecheck.has(index)) {
            this.awaitingRecheck.add(index);
            this.rechecksToRequest.push(index);
          }
          continue;
        }
        this.open.add(index);
        problems.push(this.event('opened', index, at));
      } else if (this.open.has(index) && !this.isProblem(index) && !this.flapping[index]) {
        this.open.delete(index);
        problems.push(this.event('resolved', index, at));
      }
    }
    return problems;
  }

  /** Objects to re-check now (once each), before their problems may be announced. */
  takeRechecks(): string[] {
    const ids = this.rechecksToRequest.map((i) => this.graph.ids[i] as string);
    this.rechecksToRequest = [];
    return ids;
  }

  /** The result of a requested re-check: still failing, it is announced as its own problem. */
  confirm(objectId: string, current: ObjectState): ProblemEvent[] {
    const index = this.graph.index.get(objectId);
    if (index === undefined || !this.awaitingRecheck.delete(index)) return [];
    if (current.state === 0 || !this.isAnnounceable(index) || this.open.has(index)) return [];
    this.open.add(index);
    return [this.event('opened', index, Math.max(current.lastCheck, 0))];
  }

  /**
   * Takes over what was announced before — by the tracker of the previous configuration (a
   * reload) or, after a restart, as recorded in the store: those problems stay open here, so
   * they get their `resolved`; what is announceable now and was not announced (a dependency
   * removed, or a crash before its notification was queued) opens now; what was open and is
   * no problem any more resolves.
   */
  adopt(announced: Iterable<string>): ProblemEvent[] {
    const wasOpen = new Set(announced);
    const events: ProblemEvent[] = [];
    for (const index of [...this.open]) {
      if (!wasOpen.has(this.graph.ids[index] as string)) {
        events.push(this.event('opened', index, this.states.now));
      }
    }
    for (const id of wasOpen) {
      const index = this.graph.index.get(id);
      if (index === undefined || this.open.has(index)) continue;
      if (this.isProblem(index)) this.open.add(index);
      else events.push(this.event('resolved', index, this.states.now));
    }
    return events;
  }

  /** Root causes with an open problem now, for status views. */
  openProblems(): string[] {
    return [...this.open].map((i) => this.graph.ids[i] as string);
  }

  private setState(index: number, state: number, hard: boolean): void {
    const isHost = this.model.hosts.has(this.graph.ids[index] as string);
    this.states.state[index] = isHost ? hostTopologyCode(state) : state;
    this.states.hard[index] = hard ? 1 : 0;
  }

  private isProblem(index: number): boolean {
    return this.states.hard[index] === 1 && this.states.state[index] !== 0;
  }

  /** A root-cause hard problem, or a flapping object (announced once, as flapping). */
  private isAnnounceable(index: number): boolean {
    return this.analysis.verdict[index] === Verdict.ROOT || this.flapping[index] === 1;
  }

  private event(kind: ProblemEvent['kind'], index: number, at: number): ProblemEvent {
    const objectId = this.graph.ids[index] as string;
    const code = this.states.state[index] as number;
    const isHost = this.model.hosts.has(objectId);
    return {
      kind,
      objectId,
      at,
      state: isHost ? (code === 0 ? 0 : code === 2 ? 1 : 2) : code,
      flapping: this.flapping[index] === 1,
      ...(kind === 'opened' ? this.consequencesOf(index) : { affected: [], degraded: [] }),
    };
  }

  /** What the problem explains, and what it leaves without redundancy. */
  private consequencesOf(index: number): { affected: string[]; degraded: string[] } {
    const affected = this.explainedBy(index);
    const failed = new Set<number>([index, ...affected.map((id) => this.graph.index.get(id) as number)]);
    const degraded = new Set<number>();
    for (const node of failed) {
      for (const dependent of this.graph.dependents[node] as Int32Array) {
        if (failed.has(dependent)) continue;
        if ((this.analysis.degraded[dependent] as Int32Array).includes(node)) degraded.add(dependent);
      }
    }
    return { affected, degraded: [...degraded].map((i) => this.graph.ids[i] as string).sort() };
  }

  /** Everything downstream whose verdict names this object among its causes. */
  private explainedBy(cause: number): string[] {
    const affected: string[] = [];
    const seen = new Set<number>([cause]);
    const queue = [cause];
    while (queue.length > 0) {
      const node = queue.pop() as number;
      for (const dependent of this.graph.dependents[node] as Int32Array) {
        if (seen.has(dependent)) continue;
        seen.add(dependent);
        if (this.analysis.verdict[dependent] !== Verdict.EXPLAINED) continue;
        if ((this.analysis.causes[dependent] as Int32Array).includes(cause)) {
          affected.push(this.graph.ids[dependent] as string);
          queue.push(dependent);
        }
      }
    }
    return affected.sort();
  }
}
