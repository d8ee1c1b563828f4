// The one switch that pauses and resumes every request-pausing proxy of a group. The
// database role swap and the CLI both use it; how the proxies are reached (their control
// endpoints, or state shared over NATS) is behind this interface.

export interface PauseRequest {
  /** Why, shown in the proxies' logs and metrics. */
  reason: string;
  /** Longest a single request may be held before it gets 503 (or goes upstream anyway). */
  maxHoldMs?: number;
  /** The pause ends by itself after this long, so a forgotten pause is harmless. */
  maxPauseMs?: number;
}

export interface ProxyReport {
  proxy: string;
  paused: boolean;
  heldRequests: number;
}

export interface ProxySwitch {
  /** Pauses every proxy; resolves once each has reported that it holds new requests. */
  pause(request: PauseRequest): Promise<ProxyReport[]>;
  /** Resumes every proxy; resolves once each has reported that it lets requests through. */
  resume(): Promise<ProxyReport[]>;
  /**
   * Requests the proxies had already sent to the app and that are not answered yet (held
   * ones do not count). A database swap waits for this to reach 0 before it makes the
   * primary read-only, so no request let through before the pause meets a read-only
   * database. Left out by a switch that cannot tell.
   */
  unanswered?(): Promise<number>;
  close(): Promise<void>;
}
