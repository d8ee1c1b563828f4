// Failed sign-ins, counted per username and address and per address alone, in a sliding
// window. Guessing one account's password from one place stops after a handful of tries;
// trying many accounts from one place stops a little later. Kept in memory: a restart
// forgets the counts, which costs an attacker a restart of the daemon to gain five tries.
// The clock is passed in.

export interface ThrottleLimits {
  /** Failures of one username from one address within the window. */
  perUserAndAddress: number;
  /** Failures from one address, all usernames together, within the window. */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  perUserAndAddress: 5,
  perAddress: 30,
  windowMs: 15 * 60_000,
};

/** Most keys remembered; beyond it the oldest are forgotten, so a flood cannot exhaust memory. */
const MAX_KEYS = 100_000;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: ThrottleLimits = DEFAULT_THROTTLE) {}

  /** Milliseconds until another try is allowed, or 0 when one is allowed now. */
  waitFor(username: string, address: string, now: number): number {
    return Math.max(
      this.wait(userKey(username, address), this.limits.perUserAndAddress, now),
      this.wait(addressKey(address), this.limits.perAddress, now),
    );
  }

  failed(username: string, address: string, now: number): void {
    this.note(userKey(username, address), now);
    this.note(addressKey(address), now);
  }

  /** A success clears that username's count from that address (not the address's total). */
  succeeded(username: string, address: string): void {
    this.failures.delete(userKey(username, address));
  }

  private wait(key: string, limit: number, now: number): number {
    const times = this.recent(key, now);
    if (times.length < limit) return 0;
    // The window slides: the oldest failure that still counts decides when a slot frees up.
    return (times[times.length - limit] as number) + this.limits.windowMs - now;
  }

  private note(key: string, now: number): void {
    const times = this.recent(key, now);
    times.push(now);
    this.failures.delete(key);
    this.failures.set(key, times);
    if (this.failures.size > MAX_KEYS) {
      const oldest = this.failures.keys().next();
      if (!oldest.done) this.failures.delete(oldest.value);
    }
  }

  private recent(key: string, now: number): number[] {
    const times = (this.failures.get(key) ?? []).filter((t) => t > now - this.limits.windowMs);
    if (times.length === 0) this.failures.delete(key);
    return times;
  }
}

const userKey = (username: string, address: string) => `u:${username.toLowerCase()}\u0000${address}`;
const addressKey = (address: string) => `a:${address}`;
