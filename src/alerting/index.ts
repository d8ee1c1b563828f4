import type { Model } from '../model/types.ts';
import type { Outbox } from '../store/outbox.ts';
import { type AcknowledgementMemory, handleAcknowledged } from './acknowledgement-stage.ts';
import { type DowntimeMemory, suppressInDowntime } from './downtime-stage.ts';
import { enqueueNotifications } from './enqueue.ts';
import type { Escalator } from './escalation.ts';
import { inSequence, type Stage } from './pipeline.ts';
import { routeAlerts } from './routing.ts';

/**
 * The whole alert path, in order. Alerts come in as root-cause problems (the topology
 * already held back their symptoms); routing picks receivers and urgency; escalation pages
 * people step by step until someone acknowledges; the outbox makes every notification
 * durable before the delivery worker sends it.
 */
export function buildAlertPipeline(
  model: Model,
  outbox: Outbox,
  clock: () => number,
  onQueued: () => void,
  escalator: Escalator,
  /** Downtime and acknowledgements (the daemon's live `Suppressions`); none when absent. */
  suppressions?: DowntimeMemory & AcknowledgementMemory,
): Stage {
  return inSequence([
    ...(suppressions ? [suppressInDowntime(suppressions), handleAcknowledged(suppressions)] : []),
    routeAlerts(model),
    escalator.stage(),
    enqueueNotifications(outbox, model.settings.publicUrl, clock, onQueued),
  ]);
}

/** The part of the path after escalation, for the notifications of later escalation steps. */
export function deliveryPath(model: Model, outbox: Outbox, clock: () => number, onQueued: () => void): Stage {
  return enqueueNotifications(outbox, model.settings.publicUrl, clock, onQueued);
}
