import type { Logger } from 'pino';
import type { Suppressions } from '../alerting/suppressions.ts';
import type { Engine, ReloadSummary } from '../engine/engine.ts';
import type { Store } from '../store/store.ts';

// What the HTTP API needs of the running daemon. The daemon (src/cli/daemon.ts) builds it;
// the API only sees this shape, so the dependency points one way.

export type ReloadOutcome = { ok: true; summary: ReloadSummary } | { ok: false; errors: string[] };

export interface Daemon {
  engine: Engine;
  store: Store;
  log: Logger;
  /** Acknowledgements and downtime as the alert path sees them; `refresh()` after writing either. */
  suppressions: Suppressions;
  /** Loads the config again and applies it; an invalid config is refused and the running one stays. */
  reload(): Promise<ReloadOutcome>;
  stop(): Promise<void>;
  /** Address the API listens on, once it does. */
  apiAddress: string | undefined;
}
