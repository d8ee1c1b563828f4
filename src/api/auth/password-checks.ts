// A small queue in front of password checks. scrypt runs in libuv's thread pool (four
// threads by default), which DNS lookups and file reads share: an anonymous flood of
// sign-ins must not occupy every thread and stall the checks that resolve names. A few
// checks run at once, a few more wait their turn, and beyond that a sign-in is turned
// away at once (the route answers 503 with Retry-After).

export interface PasswordCheckLimits {
  /** Checks running at once. */
  concurrent: number;
  /** Checks waiting for a turn; one more is refused. */
  queued: number;
}

export const DEFAULT_PASSWORD_CHECKS: PasswordCheckLimits = { concurrent: 2, queued: 8 };

export class PasswordChecks {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limits: PasswordCheckLimits = DEFAULT_PASSWORD_CHECKS) {}

  /** Runs `check` when a turn comes, or answers `busy` at once when the queue is full. */
  async run<T>(check: () => Promise<T>): Promise<{ done: T } | 'busy'> {
    if (this.running >= this.limits.concurrent) {
      if (this.waiting.length >= this.limits.queued) return 'busy';
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return { done: await check() };
    } finally {
      // The turn passes straight to the next waiter, so `running` never dips below the limit.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }

  /** Checks running and waiting now, for tests and metrics. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
