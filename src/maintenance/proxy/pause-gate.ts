// The gate every request passes. Open: requests go straight upstream. Paused: they wait
// in arrival order, within limits that make a forgotten pause harmless — each request
// waits at most maxHold, at most maxHeld wait at once, and the pause ends by itself at
// `until`. On resume the queue drains in arrival order, at most releaseConcurrency at a
// time, so the app is not hit by every held request in the same millisecond.

export interface PauseOrder {
  reason: string;
  maxHoldMs: number;
  /** When the pause ends by itself (epoch ms). */
  until: number;
  /** Set when the order comes from a group's shared state; local pauses count up. */
  epoch?: number;
}

export interface PauseState {
  paused: boolean;
  reason: string;
  /** When the current pause began (epoch ms), 0 when open. */
  since: number;
  maxHoldMs: number;
  until: number;
  epoch: number;
}

export type RefusalReason = 'max_hold' | 'max_held';

/** A held request: what to do when it may go, or when it must be refused. */
export interface HeldRequest {
  /** Sends the request upstream; resolves when its response is finished (or failed). */
  release(): Promise<void>;
  refuse(reason: RefusalReason, retryAfterS: number): void;
}

export interface GateLimits {
  maxHeld: number;
  releaseConcurrency: number;
  onMaxHold: 'reject' | 'forward';
}

export interface GateEvents {
  paused?(state: PauseState): void;
  resumed?(state: PauseState, why: 'order' | 'max_pause', heldAt: number, pausedForMs: number): void;
  refused?(reason: RefusalReason): void;
}

interface Ticket {
  request: HeldRequest;
  arrivedAt: number;
  timer: NodeJS.Timeout | undefined;
}

/** What `admit` decided: go now, wait (with a way to withdraw), or a refusal already sent. */
export type Admission = { go: true } | { go: false; withdraw(): void };

const GO: Admission = { go: true };

export class PauseGate {
  private state: PauseState = { paused: false, reason: '', since: 0, maxHoldMs: 0, until: 0, epoch: 0 };
  /** Insertion-ordered: iteration is arrival order, and a withdrawn request leaves in O(1). */
  private readonly queue = new Set<Ticket>();
  private releasing = 0;
  private resumeTimer: NodeJS.Timeout | undefined;
  readonly counts = { pauses: 0, autoResumes: 0, held: 0, released: 0, withdrawn: 0 };

  constructor(
    private readonly limits: GateLimits,
    private readonly events: GateEvents = {},
    private readonly now: () => number = Date.now,
  ) {}

  status(): PauseState & { heldNow: number; longestHoldMs: number } {
    const first = this.queue.values().next();
    return {
      ...this.state,
      heldNow: this.queue.size,
      longestHoldMs: first.done ? 0 : this.now() - first.value.arrivedAt,
    };
  }

  /** Requests go straight through: not paused and nobody waiting (the hot-path check). */
  get isOpen(): boolean {
    return !this.state.paused && this.queue.size === 0;
  }

  get paused(): boolean {
    return this.state.paused;
  }

  /**
   * Pauses (or changes the running pause). An order whose `until` has passed opens the
   * gate instead: a proxy that missed the resume still ends the pause on time.
   */
  pause(order: PauseOrder): PauseState {
    const now = this.now();
    const epoch = order.epoch ?? this.state.epoch + 1;
    if (order.until <= now) {
      this.state = { ...this.state, epoch };
      if (this.state.paused) this.open('max_pause');
      return this.state;
    }
    const continuing = this.state.paused;
    this.state = {
      paused: true,
      reason: order.reason,
      since: continuing ? this.state.since : now,
      maxHoldMs: order.maxHoldMs,
      until: order.until,
      epoch,
    };
    if (!continuing) this.counts.pauses++;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = setTimeout(() => this.open('max_pause'), order.until - now);
    this.resumeTimer.unref();
    // Requests already waiting keep the hold limit they arrived under.
    this.events.paused?.(this.state);
    return this.state;
  }

  resume(epoch?: number): PauseState {
    if (epoch !== undefined) this.state = { ...this.state, epoch };
    else if (this.state.paused) this.state = { ...this.state, epoch: this.state.epoch + 1 };
    if (this.state.paused) this.open('order');
    return this.state;
  }

  /**
   * Lets a request through, or holds it. While held requests drain after a pause, new
   * arrivals queue behind them: arrival order holds across the resume.
   */
  admit(request: HeldRequest): Admission {
    if (!this.state.paused && this.queue.size === 0) return GO;
    if (this.queue.size >= this.limits.maxHeld) {
      this.refuse(request, 'max_held');
      return { go: false, withdraw() {} };
    }
    const ticket: Ticket = { request, arrivedAt: this.now(), timer: undefined };
    if (this.state.paused) {
      ticket.timer = setTimeout(() => this.holdExpired(ticket), this.state.maxHoldMs);
      ticket.timer.unref();
    }
    this.queue.add(ticket);
    this.counts.held++;
    if (!this.state.paused) this.drain();
    return {
      go: false,
      withdraw: () => {
        if (this.queue.delete(ticket)) {
          clearTimeout(ticket.timer);
          this.counts.withdrawn++;
        }
      },
    };
  }

  /** Stops the auto-resume timer and lets every held request go (for shutdown). */
  close(): void {
    clearTimeout(this.resumeTimer);
    if (this.state.paused) this.open('order');
  }

  private open(why: 'order' | 'max_pause'): void {
    clearTimeout(this.resumeTimer);
    const pausedForMs = this.now() - this.state.since;
    const heldAt = this.queue.size;
    this.state = { ...this.state, paused: false, since: 0, until: 0 };
    if (why === 'max_pause') this.counts.autoResumes++;
    this.events.resumed?.(this.state, why, heldAt, pausedForMs);
    this.drain();
  }

  private drain(): void {
    while (!this.state.paused && this.releasing < this.limits.releaseConcurrency) {
      const next = this.queue.values().next();
      if (next.done) return;
      this.queue.delete(next.value);
      this.send(next.value);
    }
  }

  private send(ticket: Ticket): void {
    clearTimeout(ticket.timer);
    this.releasing++;
    this.counts.released++;
    const done = () => {
      this.releasing--;
      this.drain();
    };
    ticket.request.release().then(done, done);
  }

  private holdExpired(ticket: Ticket): void {
    if (!this.queue.delete(ticket)) return;
    if (this.limits.onMaxHold === 'forward') {
      // Sent outside the drain slots: it has waited long enough and the gate is still shut.
      this.counts.released++;
      ticket.request.release().catch(() => {});
      return;
    }
    this.refuse(ticket.request, 'max_hold');
  }

  private refuse(request: HeldRequest, reason: RefusalReason): void {
    const remainingS = this.state.paused ? Math.ceil((this.state.until - this.now()) / 1000) : 1;
    this.events.refused?.(reason);
    request.refuse(reason, Math.max(1, remainingS));
  }
}
