import type { Logger } from 'pino';
import type { CheckResult, ObjectState, StateEvent } from '../model/types.ts';
import type { Store, StoreBatch } from '../store/store.ts';

export interface ResultWriterOptions {
  flushIntervalMs: number;
  onCommitted?: ((events: StateEvent[]) => void) | undefined;
  /** Raw results kept in memory while the store is failing; state changes are never dropped. */
  maxBufferedResults?: number;
}

/**
 * Buffers the engine's results and writes them to the store in batches, one write at a
 * time. A failed write keeps its batch and is retried with backoff; only raw results
 * beyond a memory bound may be dropped during a long outage, never states or events.
 */
export class ResultWriter {
  private results: CheckResult[] = [];
  private states = new Map<string, ObjectState>();
  private events: StateEvent[] = [];
  private dropped: string[] = [];
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryDelayMs = 0;
  private stopped = false;
  private lastFailureAt = 0;
  readonly metrics = {
    batchesWritten: 0,
    resultsWritten: 0,
    writeFailures: 0,
    resultsDropped: 0,
    lastError: '',
    buffered: 0,
    lastWriteMs: 0,
  };

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: ResultWriterOptions,
  ) {}

  start(): void {
    this.schedule(this.options.flushIntervalMs);
  }

  add(result: CheckResult, state: ObjectState, events: StateEvent[]): void {
    this.results.push(result);
    this.states.set(state.objectId, state);
    if (events.length > 0) this.events.push(...events);
    this.metrics.buffered = this.results.length;
  }

  dropStates(objectIds: string[]): void {
    for (const id of objectIds) this.states.delete(id);
    this.dropped.push(...objectIds);
  }

  /** Writes everything buffered; resolves when it is committed or the store keeps failing for `waitMs`. */
  async stop(waitMs = 10_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.inFlight) await this.inFlight;
      if (!this.hasWork()) return;
      await this.flush();
      if (!this.hasWork()) return;
      if (Date.now() > deadline) {
        this.log.error(
          { buffered: this.results.length },
          'store unavailable at shutdown; buffered results not written',
        );
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private hasWork(): boolean {
    return (
      this.results.length > 0 || this.states.size > 0 || this.events.length > 0 || this.dropped.length > 0
    );
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      this.timer = undefined;
      await this.flush();
      this.schedule(this.retryDelayMs > 0 ? this.retryDelayMs : this.options.flushIntervalMs);
    }, delayMs);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    if (this.inFlight || !this.hasWork()) return;
    const batch: StoreBatch = {
      results: this.results,
      states: [...this.states.values()],
      events: this.events,
    };
    const dropped = this.dropped;
    this.results = [];
    this.states = new Map();
    this.events = [];
    this.dropped = [];
    const started = performance.now();
    this.inFlight = (async () => {
      try {
        if (dropped.length > 0) await this.store.dropStates(dropped);
        await this.store.write(batch);
        this.metrics.batchesWritten += 1;
        this.metrics.resultsWritten += batch.results.length;
        this.metrics.lastWriteMs = performance.now() - started;
        if (this.retryDelayMs > 0) this.log.info('store writes succeed again');
        this.retryDelayMs = 0;
      } catch (error) {
        this.requeue(batch, dropped, error);
        return;
      } finally {
        this.inFlight = undefined;
        this.metrics.buffered = this.results.length;
      }
      // Outside the write's try: a failing listener must not make a written batch look unwritten.
      if (batch.events.length > 0) {
        try {
          this.options.onCommitted?.(batch.events);
        } catch (error) {
          this.log.error({ err: error }, 'handling committed state changes failed');
        }
      }
    })();
    await this.inFlight;
  }

  /** Puts a failed batch back in front of what arrived meanwhile. */
  private requeue(batch: StoreBatch, dropped: string[], error: unknown): void {
    this.metrics.writeFailures += 1;
    this.metrics.lastError = error instanceof Error ? error.message : String(error);
    this.retryDelayMs = Math.min(Math.max(this.retryDelayMs * 2, 500), 30_000);
    const now = Date.now();
    if (now - this.lastFailureAt > 10_000) {
      this.log.error(
        { err: this.metrics.lastError, retryInMs: this.retryDelayMs },
        'store write failed; will retry',
      );
      this.lastFailureAt = now;
    }
    this.dropped = [...dropped, ...this.dropped];
    this.results = batch.results.concat(this.results);
    for (const state of batch.states)
      if (!this.states.has(state.objectId)) this.states.set(state.objectId, state);
    this.events = batch.events.concat(this.events);
    const limit = this.options.maxBufferedResults ?? 1_000_000;
    if (this.results.length > limit) {
      const excess = this.results.length - limit;
      this.results.splice(0, excess);
      this.metrics.resultsDropped += excess;
    }
  }
}
