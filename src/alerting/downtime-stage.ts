import type { Alert } from './alert.ts';
import type { Stage } from './pipeline.ts';
import type { SuppressionView } from './suppressions.ts';

/** Where the downtime stage keeps the problems it held back (the live `Suppressions` is one). */
export interface DowntimeMemory extends SuppressionView {
  readonly heldBack: Map<string, Alert>;
}

/**
 * The first stage: problems and recoveries of objects in downtime are not notified. A
 * recovery of a problem that was held back is not news either, even once the window is
 * over (Nagios sends no recovery for a problem it never announced). Downtime notes and
 * acknowledgements go on.
 */
export function suppressInDowntime(downtime: DowntimeMemory): Stage {
  return (alerts) =>
    alerts.filter((alert) => {
      const objectId = alert.problem.objectId;
      switch (alert.kind) {
        case 'problem':
        case 'flapping':
          if (!downtime.isInDowntime(objectId, alert.at)) return true;
          downtime.heldBack.set(objectId, alert);
          return false;
        case 'recovery': {
          const held = downtime.heldBack.delete(objectId);
          return !held && !downtime.isInDowntime(objectId, alert.at);
        }
        default:
          return true;
      }
    });
}
