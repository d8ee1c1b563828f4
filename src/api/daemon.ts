import type { Logger } from 'pino';
import type { DeliveryMetrics } from '../alerting/delivery.ts';
import type { Suppressions } from '../alerting/suppressions.ts';
import type { Engine, ReloadSummary } from '../engine/engine.ts';
import type { IncidentManager } from '../status/incidents/manager.ts';
import type { ComponentStatus } from '../status/snapshot.ts';
import type { Subscriptions } from '../status/subscribers/subscriptions.ts';
import type { Store } from '../store/store.ts';
import type { EventBus } from './events.ts';

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
  /** Live events (state changes, problems, acknowledgements, downtime); closed when the daemon stops. */
  events: EventBus;
  /** Notification delivery counters since start. */
  deliveryMetrics(): Readonly<DeliveryMetrics>;
  /** Status-site incidents; `tick()` after an operator's change so it is acted on at once. */
  incidents?: IncidentManager;
  /** Status-site subscribers: subscribe, confirm, unsubscribe. */
  subscriptions?: Subscriptions;
  /** Every component's public status now. */
  componentStatuses?: () => Map<string, ComponentStatus>;
  /** Status site generation and publisher counters for /metrics. */
  statusSiteMetricLines?: () => string[];
}
