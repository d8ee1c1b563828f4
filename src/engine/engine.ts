import type { Logger } from 'pino';
import type { CheckEnv, CheckKind, CheckOutcome, CheckTarget } from '../checks/check.ts';
import { checkKinds } from '../checks/index.ts';
import type { Spawner } from '../checks/plugin/spawner.ts';
import { readStoredSeries } from '../forecast/stored-series.ts';
import { failingMask, hostTopologyCode } from '../model/state-codes.ts';
import { isInPeriod } from '../model/time-period.ts';
import type { CheckResult, CheckSpec, Dependency, Model, ObjectState, StateEvent } from '../model/types.ts';
import { HostState, ServiceState } from '../model/types.ts';
import type { Store } from '../store/store.ts';
import { LatencyHistogram } from './latency.ts';
import { ResultWriter } from './result-writer.ts';
import { type ScheduledCheck, ScheduleHeap } from './schedule-heap.ts';
import { nextRunAfter, spreadFirstRuns } from './spread.ts';
import { applyHostResult, applyServiceResult, initialState, type Transition } from './state-machine.ts';

/** A host or service that has a check, as the scheduler sees it. */
interface Checkable {
  objectId: string;
  isHost: boolean;
  spec: CheckSpec;
  kind: CheckKind<unknown>;
  target: CheckTarget;
  /** Parent host names (hosts) or the service's host name (services). */
  dependsOn: string[];
  /** How many of `dependsOn` must be UP (hosts: parents_min_up; services: their one host). */
  minUp: number;
  /** Everything whose failure would explain this one's: parents, host, attached host, dependencies. */
  upstream: string[];
  /** Dependencies with `disable_checks`: while one is unmet, this check is skipped. */
  pausedBy: Dependency[];
  slot: ScheduledCheck;
  running: boolean;
  retrying: boolean;
}

export interface EngineOptions {
  store: Store;
  spawner: Spawner;
  log: Logger;
  clock?: () => number;
  /** Told about state events once they are committed to the store. */
  onCommitted?: (events: StateEvent[]) => void;
  /** How often buffered results are written (ms). */
  flushIntervalMs?: number;
  /** How fresh an UP result of a parent or host must be to skip an on-demand re-check (ms). */
  upstreamCacheMs?: number;
}

export interface ReloadSummary {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
}

export interface EngineMetrics {
  objects: number;
  running: number;
  waiting: number;
  checksCompleted: number;
  checksTimedOut: number;
  latency: LatencyHistogram;
  store: ResultWriter['metrics'];
}

/** Nagios's default cached host check horizon. */
const UPSTREAM_CACHE_HORIZON_MS = 15_000;

/** Grace after a check's timeout before the engine stops waiting for a kind that ignored the abort. */
const ABORT_GRACE_MS = 2_000;

/**
 * Runs every check on time: a heap of planned starts, a global concurrency limit, the
 * per-check timeout, the state machine, and a batched writer to the store. Reload swaps
 * the model while keeping the state and schedule of everything unchanged.
 */
export class Engine {
  private model: Model;
  private readonly checkables = new Map<string, Checkable>();
  private readonly states = new Map<string, ObjectState>();
  private readonly heap = new ScheduleHeap();
  /** Due checks held back by the concurrency limit, oldest first. */
  private waiting: ScheduledCheck[] = [];
  private waitingHead = 0;
  private runningCount = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt = Number.POSITIVE_INFINITY;
  private stopped = true;
  private idleWaiters: (() => void)[] = [];
  /** Callbacks of checkNow, told the state after the object's next completed run. */
  private readonly afterCheck = new Map<string, ((state: ObjectState) => void)[]>();
  private readonly clock: () => number;
  private readonly writer: ResultWriter;
  private completed = 0;
  private timedOut = 0;
  readonly latency = new LatencyHistogram();

  constructor(
    model: Model,
    restored: ObjectState[],
    private readonly options: EngineOptions,
  ) {
    this.model = model;
    this.clock = options.clock ?? Date.now;
    this.writer = new ResultWriter(options.store, options.log, {
      flushIntervalMs: options.flushIntervalMs ?? 250,
      onCommitted: options.onCommitted,
    });
    for (const state of restored) this.states.set(state.objectId, state);
  }

  /** Builds the run queue from the model and starts checking. */
  start(): void {
    this.stopped = false;
    this.writer.start();
    this.addCheckables(this.collectCheckables(this.model));
    const gone = [...this.states.keys()].filter((id) => !this.isConfigured(id, this.model));
    if (gone.length > 0) this.forget(gone);
  }

  /** Applies a new model without a restart; see ReloadSummary for what happened. */
  applyModel(model: Model): ReloadSummary {
    const next = this.collectCheckables(model);
    const summary: ReloadSummary = { added: 0, removed: 0, changed: 0, unchanged: 0 };
    const added: Checkable[] = [];
    for (const [id, old] of this.checkables) {
      if (!next.has(id)) {
        this.heap.remove(old.slot);
        this.checkables.delete(id);
        summary.removed += 1;
      }
    }
    for (const [id, fresh] of next) {
      const old = this.checkables.get(id);
      if (!old) {
        added.push(fresh);
        summary.added += 1;
        continue;
      }
      // Keep the running flag and the slot (its place in the schedule) of the old entry.
      fresh.slot = old.slot;
      fresh.running = old.running;
      fresh.retrying = old.retrying;
      this.checkables.set(id, fresh);
      if (JSON.stringify(old.spec) === JSON.stringify(fresh.spec)) {
        summary.unchanged += 1;
      } else {
        summary.changed += 1;
        const latest = this.clock() + fresh.spec.intervalMs;
        if (fresh.slot.heapIndex >= 0 && fresh.slot.dueAt > latest) {
          this.heap.remove(fresh.slot);
          fresh.slot.dueAt = latest;
          this.heap.push(fresh.slot);
        }
      }
    }
    this.model = model;
    this.addCheckables(new Map(added.map((c) => [c.objectId, c])));
    const gone = [...this.states.keys()].filter((id) => !this.isConfigured(id, model));
    if (gone.length > 0) this.forget(gone);
    this.arm();
    return summary;
  }

  /** Stops scheduling, waits for running checks (at most `waitMs`), and writes what is buffered. */
  async stop(waitMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.runningCount > 0) {
      await new Promise<void>((resolve) => {
        const giveUp = setTimeout(resolve, waitMs);
        this.idleWaiters.push(() => {
          clearTimeout(giveUp);
          resolve();
        });
      });
    }
    await this.writer.stop();
  }

  /**
   * Moves a check's next run to now; later runs follow on from it. `onChecked` hears the
   * state after that run (after the running one, if a run is under way).
   */
  checkNow(objectId: string, onChecked?: (state: ObjectState) => void): boolean {
    const checkable = this.checkables.get(objectId);
    if (!checkable) return false;
    if (onChecked) {
      const waiting = this.afterCheck.get(objectId);
      if (waiting) waiting.push(onChecked);
      else this.afterCheck.set(objectId, [onChecked]);
    }
    if (checkable.running) return true;
    this.heap.remove(checkable.slot);
    checkable.slot.dueAt = this.clock();
    this.heap.push(checkable.slot);
    this.arm();
    return true;
  }

  stateOf(objectId: string): ObjectState | undefined {
    return this.states.get(objectId);
  }

  allStates(): IterableIterator<ObjectState> {
    return this.states.values();
  }

  get currentModel(): Model {
    return this.model;
  }

  metrics(): EngineMetrics {
    return {
      objects: this.checkables.size,
      running: this.runningCount,
      waiting: this.waiting.length - this.waitingHead,
      checksCompleted: this.completed,
      checksTimedOut: this.timedOut,
      latency: this.latency,
      store: this.writer.metrics,
    };
  }

  private collectCheckables(model: Model): Map<string, Checkable> {
    const result = new Map<string, Checkable>();
    const dependenciesOf = new Map<string, Dependency[]>();
    for (const dependency of model.dependencies) {
      dependenciesOf.set(dependency.dependent, [
        ...(dependenciesOf.get(dependency.dependent) ?? []),
        dependency,
      ]);
    }
    const add = (
      objectId: string,
      isHost: boolean,
      spec: CheckSpec,
      target: CheckTarget,
      dependsOn: string[],
      minUp: number,
      upstream: string[],
    ) => {
      const pausedBy = (dependenciesOf.get(objectId) ?? []).filter((d) => d.disableChecks);
      const kind = checkKinds.get(spec.kind);
      if (!kind) throw new Error(`${objectId}: check kind "${spec.kind}" is not registered`);
      result.set(objectId, {
        objectId,
        isHost,
        spec,
        kind,
        target,
        dependsOn,
        minUp,
        upstream,
        pausedBy,
        slot: { objectId, dueAt: 0, heapIndex: -1 },
        running: false,
        retrying: false,
      });
    };
    const upstreamOf = (id: string, direct: string[]) => [
      ...direct,
      ...(dependenciesOf.get(id) ?? []).flatMap((d) => d.on),
    ];
    for (const host of model.hosts.values()) {
      if (!host.check) continue;
      add(
        host.id,
        true,
        host.check,
        { host },
        host.parents,
        host.parentsMinUp,
        upstreamOf(host.id, host.parents),
      );
    }
    for (const service of model.services.values()) {
      const host = model.hosts.get(service.host);
      if (!host) continue;
      const direct = service.attachedTo ? [service.host, service.attachedTo] : [service.host];
      add(
        service.id,
        false,
        service.check,
        { host, service },
        [service.host],
        1,
        upstreamOf(service.id, direct),
      );
    }
    return result;
  }

  private addCheckables(added: Map<string, Checkable>): void {
    if (added.size === 0) return;
    const now = this.clock();
    // Objects restored in a soft problem state pick up at their retry interval.
    const firstRuns = spreadFirstRuns(
      [...added.values()].map((c) => {
        const state = this.states.get(c.objectId);
        const retrying = state !== undefined && state.stateType === 'SOFT' && state.state !== 0;
        c.retrying = retrying;
        return { objectId: c.objectId, intervalMs: retrying ? c.spec.retryIntervalMs : c.spec.intervalMs };
      }),
      now,
    );
    for (const checkable of added.values()) {
      this.checkables.set(checkable.objectId, checkable);
      checkable.slot.dueAt = firstRuns.get(checkable.objectId) as number;
      this.heap.push(checkable.slot);
    }
    this.arm();
  }

  private isConfigured(objectId: string, model: Model): boolean {
    return model.hosts.has(objectId) || model.services.has(objectId);
  }

  private forget(objectIds: string[]): void {
    for (const id of objectIds) this.states.delete(id);
    this.writer.dropStates(objectIds);
  }

  /** Keeps one timer, set for the earliest planned start. */
  private arm(): void {
    if (this.stopped) return;
    const next = this.heap.peek();
    if (!next) return;
    if (this.timer && next.dueAt >= this.timerDueAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = next.dueAt;
    this.timer = setTimeout(this.wake, Math.max(0, next.dueAt - this.clock()));
  }

  private readonly wake = (): void => {
    this.timer = undefined;
    this.timerDueAt = Number.POSITIVE_INFINITY;
    if (this.stopped) return;
    const now = this.clock();
    for (let next = this.heap.peek(); next && next.dueAt <= now; next = this.heap.peek()) {
      this.waiting.push(this.heap.pop() as ScheduledCheck);
    }
    this.drain();
    this.arm();
  };

  private drain(): void {
    const limit = this.model.settings.concurrency;
    while (this.runningCount < limit && this.waitingHead < this.waiting.length) {
      const slot = this.waiting[this.waitingHead++] as ScheduledCheck;
      const checkable = this.checkables.get(slot.objectId);
      if (checkable && checkable.slot === slot && !checkable.running) this.startCheck(checkable, slot.dueAt);
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
  }

  private startCheck(checkable: Checkable, plannedAt: number): void {
    if (checkable.pausedBy.length > 0 && this.isPaused(checkable)) {
      // Its state is explained by the failed dependency; keep the schedule, skip the run.
      checkable.slot.dueAt = nextRunAfter(plannedAt, checkable.spec.intervalMs, this.clock());
      this.heap.push(checkable.slot);
      this.arm();
      return;
    }
    checkable.running = true;
    this.runningCount += 1;
    const startedAt = this.clock();
    this.latency.record(startedAt - plannedAt);
    this.runWithTimeout(checkable)
      .then((outcome) => this.finishCheck(checkable, plannedAt, startedAt, outcome))
      .catch((error: unknown) =>
        this.options.log.error(
          { err: error, objectId: checkable.objectId },
          'recording a check result failed',
        ),
      );
  }

  private runWithTimeout(checkable: Checkable): Promise<CheckOutcome> {
    const { spec, kind, target } = checkable;
    const controller = new AbortController();
    const env: CheckEnv = {
      signal: controller.signal,
      timeoutMs: spec.timeoutMs,
      maxOutputBytes: this.model.settings.maxOutputBytes,
      userMacros: this.model.userMacros,
      spawner: this.options.spawner,
      perfdata: (objectId, label, since, until) =>
        readStoredSeries(this.options.store, objectId, label, since, until),
    };
    return new Promise((resolve) => {
      let settled = false;
      let graceTimer: NodeJS.Timeout | undefined;
      const settle = (outcome: CheckOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeoutTimer);
        if (graceTimer) clearTimeout(graceTimer);
        resolve(outcome);
      };
      const timeoutTimer = setTimeout(() => {
        controller.abort();
        this.timedOut += 1;
        graceTimer = setTimeout(
          () => settle(unknown(`check timed out after ${spec.timeoutMs / 1000}s and did not stop`)),
          ABORT_GRACE_MS,
        );
      }, spec.timeoutMs);
      let running: Promise<CheckOutcome>;
      try {
        running = kind.run(spec.params, target, env);
      } catch (error) {
        running = Promise.reject(error);
      }
      running.then(settle, (error: unknown) =>
        settle(unknown(`check failed: ${error instanceof Error ? error.message : String(error)}`)),
      );
    });
  }

  private finishCheck(
    checkable: Checkable,
    plannedAt: number,
    startedAt: number,
    outcome: CheckOutcome,
  ): void {
    this.runningCount -= 1;
    checkable.running = false;
    this.completed += 1;
    const now = this.clock();
    // A reload may have replaced the entry while it ran (same slot: keep the result,
    // under the new settings) or removed it (discard the result).
    const current = this.checkables.get(checkable.objectId);
    if (current && current.slot === checkable.slot) {
      current.running = false;
      this.record(current, plannedAt, startedAt, now, outcome);
    }
    if (this.runningCount === 0 && this.idleWaiters.length > 0) {
      for (const notify of this.idleWaiters.splice(0)) notify();
    }
    if (!this.stopped) this.drain();
  }

  private record(
    checkable: Checkable,
    plannedAt: number,
    startedAt: number,
    now: number,
    outcome: CheckOutcome,
  ): void {
    const { objectId, spec } = checkable;
    const applied = this.applyOutcome(checkable, plannedAt, startedAt, now, outcome);

    if (this.stopped) return;
    if (outcome.exitCode !== 0) this.confirmUpstream(checkable, now);
    let dueAt: number;
    if (applied.nextCheck === 'retry') {
      dueAt = now + spec.retryIntervalMs;
      checkable.retrying = true;
    } else if (checkable.retrying) {
      dueAt = now + spec.intervalMs;
      checkable.retrying = false;
    } else {
      dueAt = nextRunAfter(plannedAt, spec.intervalMs, now);
    }
    if (checkable.slot.heapIndex >= 0) this.heap.remove(checkable.slot);
    checkable.slot.dueAt = dueAt;
    this.heap.push(checkable.slot);
    this.arm();
    // After rescheduling: a failing listener must not leave the check unscheduled.
    const waiting = this.afterCheck.get(objectId);
    if (waiting) {
      this.afterCheck.delete(objectId);
      for (const notify of waiting) {
        try {
          notify(applied.state);
        } catch (error) {
          this.options.log.error({ err: error, objectId }, 'a re-check listener failed');
        }
      }
    }
  }

  /**
   * A passive result: one sent in (over the API, by a script or another monitor) rather
   * than run by Vigil. It takes the active result's path — state machine, store, topology,
   * alerting — and leaves the active schedule alone, except that a new soft problem is
   * re-checked at the retry interval, as an active one would be. Returns the new state, or
   * undefined when the object has no check (unknown, or a host without one).
   */
  submitResult(objectId: string, outcome: CheckOutcome, at = this.clock()): ObjectState | undefined {
    const checkable = this.checkables.get(objectId);
    if (!checkable) return undefined;
    const applied = this.applyOutcome(checkable, at, at, at, outcome);
    if (this.stopped) return applied.state;
    if (outcome.exitCode !== 0) this.confirmUpstream(checkable, at);
    if (applied.nextCheck === 'retry' && !checkable.running) {
      checkable.retrying = true;
      if (checkable.slot.heapIndex >= 0) this.heap.remove(checkable.slot);
      checkable.slot.dueAt = this.clock() + checkable.spec.retryIntervalMs;
      this.heap.push(checkable.slot);
      this.arm();
    }
    return applied.state;
  }

  /** The state machine's verdict on one result, kept and queued for the store. */
  private applyOutcome(
    checkable: Checkable,
    plannedAt: number,
    startedAt: number,
    now: number,
    outcome: CheckOutcome,
  ): Transition {
    const { objectId, spec } = checkable;
    const result: CheckResult = {
      objectId,
      exitCode: outcome.exitCode,
      output: outcome.output,
      longOutput: outcome.longOutput,
      perfdata: outcome.perfdata,
      plannedAt,
      startedAt,
      durationMs: now - startedAt,
    };
    const previous =
      this.states.get(objectId) ?? initialState(objectId, checkable.isHost ? 'host' : 'service', now);
    const policy = {
      maxAttempts: spec.maxAttempts,
      flap: {
        low: this.model.settings.flapLowThreshold,
        high: this.model.settings.flapHighThreshold,
        enabled: true,
      },
    };
    const base = {
      exitCode: outcome.exitCode,
      output: outcome.output,
      longOutput: outcome.longOutput,
      at: now,
    };
    const applied = checkable.isHost
      ? applyHostResult(previous, { ...base, reachable: this.isReachable(checkable) }, policy)
      : applyServiceResult(
          previous,
          { ...base, hostUp: this.isHostUp(checkable.dependsOn[0] as string) },
          policy,
        );
    this.states.set(objectId, applied.state);
    this.writer.add(result, applied.state, applied.events);
    return applied;
  }

  /** Whether a `disable_checks` dependency of this object is unmet by hard failures. */
  private isPaused(checkable: Checkable): boolean {
    const now = this.clock();
    return checkable.pausedBy.some((dependency) => {
      if (dependency.period && !isInPeriod(dependency.period, now)) return false;
      const mask = failingMask(dependency.failingStates);
      let up = 0;
      for (const id of dependency.on) {
        const state = this.states.get(id);
        const code = state ? (this.model.hosts.has(id) ? hostTopologyCode(state.state) : state.state) : 0;
        const failing = state?.stateType === 'HARD' && (mask & (1 << code)) !== 0;
        if (!failing) up += 1;
      }
      return up < dependency.minUp;
    });
  }

  /** A host without a check is taken to be UP, as Nagios does. */
  private isHostUp(hostName: string): boolean {
    const state = this.states.get(hostName);
    return state === undefined || state.state === HostState.UP || !this.model.hosts.get(hostName)?.check;
  }

  /**
   * Nagios Core 4: a host is reachable when it has no parents or any parent is UP;
   * generalised to redundancy groups needing `parents_min_up` parents UP.
   */
  private isReachable(checkable: Checkable): boolean {
    if (checkable.dependsOn.length === 0) return true;
    let up = 0;
    for (const parent of checkable.dependsOn) if (this.isHostUp(parent)) up += 1;
    return up >= checkable.minUp;
  }

  /**
   * A failing check re-checks, at once, what it depends on (parents, its host, the host
   * on a switch port, dependencies) when their last OK result is older than a few seconds
   * (Nagios's on-demand host checks with a cache horizon): a dead switch is confirmed
   * before its hosts' and services' problems turn hard, so symptoms are explained
   * instead of racing ahead of their cause.
   */
  private confirmUpstream(checkable: Checkable, now: number): void {
    const horizon = this.options.upstreamCacheMs ?? UPSTREAM_CACHE_HORIZON_MS;
    for (const id of checkable.upstream) {
      const upstream = this.checkables.get(id);
      const state = this.states.get(id);
      if (!upstream || upstream.running || !state || state.state !== 0) continue;
      if (now - state.lastCheck > horizon) this.checkNow(id);
    }
  }
}

function unknown(output: string): CheckOutcome {
  return { exitCode: ServiceState.UNKNOWN, output, longOutput: '', perfdata: [] };
}
