import type { Alert } from './alert.ts';

/**
 * One step of the alert path: takes alerts, returns the alerts that go on (possibly
 * changed). Every behaviour — routing, and later downtime, acknowledgement, grouping,
 * escalation — is one stage with this signature; `buildAlertPipeline` lists them in order.
 */
export type Stage = (alerts: Alert[]) => Alert[] | Promise<Alert[]>;

/** Runs stages in sequence, stopping when nothing is left. */
export function inSequence(stages: Stage[]): Stage {
  return async (alerts) => {
    let current = alerts;
    for (const stage of stages) {
      if (current.length === 0) break;
      current = await stage(current);
    }
    return current;
  };
}
