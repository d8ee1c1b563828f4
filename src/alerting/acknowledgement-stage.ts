import type { Alert } from './alert.ts';
import type { Stage } from './pipeline.ts';
import type { SuppressionView } from './suppressions.ts';

/** Where the acknowledgement stage remembers announced problems (the live `Suppressions` is one). */
export interface AcknowledgementMemory extends SuppressionView {
  readonly announced: Map<string, Alert>;
}

/**
 * An acknowledged problem is not notified again (after a restart, a reload, or as flapping);
 * its recovery still is. Problems that go on are remembered so that an acknowledgement,
 * made later, reaches the same receivers: it is routed as the problem was. Acknowledgement
 * alerts themselves go on to routing.
 */
export function handleAcknowledged(acknowledgements: AcknowledgementMemory): Stage {
  return (alerts) =>
    alerts.filter((alert) => {
      const objectId = alert.problem.objectId;
      switch (alert.kind) {
        case 'problem':
        case 'flapping':
          if (acknowledgements.isAcknowledged(objectId, alert.at)) return false;
          acknowledgements.announced.set(objectId, alert);
          return true;
        case 'recovery':
          acknowledgements.announced.delete(objectId);
          return true;
        default:
          return true;
      }
    });
}
