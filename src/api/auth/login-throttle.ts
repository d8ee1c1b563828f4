// Failed sign-ins, counted per username and address and per address alone, in a sliding
// window. Guessing one account's password from one place stops after a handful of tries;
// trying many accounts from one place stops a little later. Neither count touches other
// addresses: the right password from an address that is not itself throttled gets in.
// Kept in memory: a restart forgets the counts, which costs an attacker a restart of the
// daemon to gain five tries. The clock is passed in.
//
// A try is counted when it starts (`begin`), before the slow password check, and taken
// back when it succeeds: counting only after the check would let a burst of parallel
// tries all pass the limit while none had been counted yet.

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

  /**
   * Starts a try: 0 when it is allowed, and then it is already counted as a failure (see
   * `succeeded`); otherwise the milliseconds to wait, and nothing is counted.
   */
  begin(username: string, address: string, now: number): number {
    const wait = this.waitFor(username, address, now);
    if (wait === 0) this.failed(username, address, now);
    return wait;
  }

  failed(username: string, address: string, now: number): void {
    this.note(userKey(username, address), now);
    this.note(addressKey(address), now);
  }

  /**
   * A success clears that username's count from that address (not the address's total),
   * and takes back the try counted by `begin(…, startedAt)` from the address's total.
   */
  succeeded(username: string, address: string, startedAt?: number): void {
    this.failures.delete(userKey(username, address));
    if (startedAt !== undefined) this.unnote(addressKey(address), startedAt);
  }

  /** Takes back a try counted by `begin` that never checked a password (turned away as busy). */
  withdraw(username: string, address: string, startedAt: number): void {
    this.unnote(userKey(username, address), startedAt);
    this.unnote(addressKey(address), startedAt);
  }

  private unnote(key: string, at: number): void {
    const times = this.failures.get(key);
    const index = times?.lastIndexOf(at) ?? -1;
    if (times && index >= 0) times.splice(index, 1);
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
