import type { Logger } from 'pino';
import { healthOf } from '../../availability/ledger-desired.ts';
import { hardStateOf } from '../../availability/ledger-keeper.ts';
import type { Model, ObjectState } from '../../model/types.ts';
import type { Outbox } from '../../store/outbox.ts';
import type { Store } from '../../store/store.ts';
import { componentStatuses } from '../component-status.ts';
import type { ComponentStatus } from '../snapshot.ts';
import { SubscriberReceivers } from '../subscribers/receivers.ts';
import { Subscriptions } from '../subscribers/subscriptions.ts';
import { IncidentManager } from './manager.ts';

// The incident manager and the subscribers as the daemon runs them, built in one place so
// the daemon's own wiring stays a few lines.

export interface StatusParts {
  incidents: IncidentManager;
  subscriptions: Subscriptions;
  receivers: SubscriberReceivers;
  /** Component statuses now, from the engine's committed states. */
  statuses(): Map<string, ComponentStatus>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function statusParts(options: {
  store: Store & { outbox: Outbox };
  model: () => Model;
  stateOf: (objectId: string) => ObjectState | undefined;
  log: Logger;
  wakeDelivery: () => void;
  apiBase: () => string;
}): StatusParts {
  const receivers = new SubscriberReceivers(() => options.store.subscribers.reachable(Date.now()));
  const subscriptions = new Subscriptions({
    store: options.store,
    model: options.model,
    clock: Date.now,
    receivers,
    fallbackBase: options.apiBase,
    wake: options.wakeDelivery,
    log: options.log,
  });
  const statuses = () => {
    const model = options.model();
    return componentStatuses(model.components, {
      health: (id) => {
        const state = options.stateOf(id);
        return state && state.lastCheck > 0
          ? healthOf(model.services.has(id), hardStateOf(state))
          : 'unknown';
      },
      inMaintenance: () => false,
    });
  };
  const incidents = new IncidentManager({
    store: options.store,
    model: options.model,
    clock: Date.now,
    log: options.log,
    failingSince: (id) => {
      const state = options.stateOf(id);
      return state && state.state !== 0 ? state.lastHardStateChange : undefined;
    },
    statusOf: (name) => statuses().get(name) ?? 'operational',
    notifier: subscriptions,
  });
  let expiry: NodeJS.Timeout | undefined;
  return {
    incidents,
    subscriptions,
    receivers,
    statuses,
    async start() {
      await receivers.refresh();
      await incidents.start();
      expiry = setInterval(() => {
        subscriptions
          .expire()
          .catch((error: unknown) => options.log.error({ err: error }, 'subscriber expiry failed'));
      }, 3_600_000);
      expiry.unref();
    },
    async stop() {
      clearInterval(expiry);
      await incidents.stop();
    },
  };
}
