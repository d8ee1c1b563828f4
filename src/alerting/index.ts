import type { Model } from '../model/types.ts';
import type { Outbox } from '../store/outbox.ts';
import { enqueueNotifications } from './enqueue.ts';
import { inSequence, type Stage } from './pipeline.ts';
import { routeAlerts } from './routing.ts';

/**
 * The whole alert path, in order. Alerts come in as root-cause problems (the topology
 * already held back their symptoms); routing picks receivers and urgency; the outbox makes
 * every notification durable before the delivery worker sends it.
 */
export function buildAlertPipeline(
  model: Model,
  outbox: Outbox,
  clock: () => number,
  onQueued: () => void,
): Stage {
  return inSequence([
    routeAlerts(model),
    enqueueNotifications(outbox, model.settings.publicUrl, clock, onQueued),
  ]);
}
