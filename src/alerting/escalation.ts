import { whoIsOnCall } from '../model/oncall.ts';
import type { EscalationTarget, Model } from '../model/types.ts';
import type { EscalationRecord, Escalations } from '../store/escalations.ts';
import type { Alert, Delivery } from './alert.ts';
import type { Stage } from './pipeline.ts';
import { dedupeByReceiver } from './routing.ts';

/** How often a paused escalation looks again whether its object's downtime has ended. */
const DOWNTIME_RECHECK_MS = 60_000;

/** Never again: an escalation past its last step waits only for its acknowledgement or recovery. */
const NEVER = Number.MAX_SAFE_INTEGER;

/** The receivers that reach the targets of a step at time `at` (whoever is on call then). Pure. */
export function receiversFor(model: Model, targets: EscalationTarget[], at: number): string[] {
  const people = new Set<string>();
  for (const target of targets) {
    if (target.kind === 'contact') people.add(target.name);
    else if (target.kind === 'group')
      for (const member of model.contactGroups.get(target.name) ?? []) people.add(member);
    else {
      const schedule = model.schedules.get(target.name);
      const person = schedule ? whoIsOnCall(schedule, at).person : null;
      if (person) people.add(person);
    }
  }
  return [...new Set([...people].flatMap((person) => model.contacts.get(person)?.receivers ?? []))];
}

export interface EscalatorOptions {
  store: Escalations;
  model: () => Model;
  clock: () => number;
  /** Whether someone acknowledged the object's problem (acknowledged problems stop escalating). */
  isAcknowledged: (objectId: string, at: number) => boolean;
  /** Whether the object is in downtime: its escalation pauses (no pages) until the window ends. */
  isInDowntime: (objectId: string, at: number) => boolean;
  /** Sends alerts of later steps on to the rest of the pipeline (the outbox). */
  emit: Stage;
}

/**
 * Escalation policies: a problem a route escalates notifies the first step's people at
 * once, then, while nobody acknowledges it, the next step after each wait, running the
 * whole list `repeat` more times. Acknowledgement or recovery ends it, and everyone who was
 * paged hears about that. The steps reached are in the store, so a restart goes on from there.
 */
export class Escalator {
  constructor(private readonly options: EscalatorOptions) {}

  /** The pipeline stage: starts escalations for new problems, ends them on recovery or acknowledgement. */
  stage(): Stage {
    return async (alerts) => {
      const now = this.options.clock();
      const model = this.options.model();
      const out: Alert[] = [];
      for (const alert of alerts) {
        const extra: Delivery[] = [];
        if (alert.kind === 'problem' || alert.kind === 'flapping') {
          for (const { policy: policyName, route } of alert.escalations) {
            const policy = model.escalationPolicies.get(policyName);
            const first = policy?.steps[0];
            if (!policy || !first) continue;
            const receivers = receiversFor(model, first.notify, now);
            extra.push(...receivers.map((receiver) => ({ receiver, urgency: 'page' as const, route })));
            await this.options.store.open({
              key: `${alert.problem.objectId}@${alert.at}:${policyName}`,
              objectId: alert.problem.objectId,
              policy: policyName,
              alert: { ...alert, deliveries: [], escalations: [] },
              step: 1,
              cycle: 0,
              nextAt: policy.steps.length > 1 || policy.repeat > 0 ? now + first.waitMs : NEVER,
              notified: receivers,
              createdAt: now,
            });
          }
        } else if (alert.kind === 'recovery' || alert.kind === 'acknowledgement') {
          const closed = await this.options.store.close(alert.problem.objectId, now);
          for (const record of closed) {
            extra.push(
              ...record.notified.map((receiver) => ({
                receiver,
                urgency: 'chat' as const,
                route: record.policy,
              })),
            );
          }
        }
        const deliveries = dedupeByReceiver([...alert.deliveries, ...extra]);
        if (deliveries.length > 0) out.push({ ...alert, deliveries });
      }
      return out;
    };
  }

  /** Notifies the next step of every escalation that is due. */
  async tick(): Promise<void> {
    const now = this.options.clock();
    const model = this.options.model();
    const due = await this.options.store.due(now);
    const alerts: Alert[] = [];
    const advances: (() => Promise<void>)[] = [];
    for (const record of due) {
      const policy = model.escalationPolicies.get(record.policy);
      if (!policy || this.options.isAcknowledged(record.objectId, now)) {
        await this.options.store.close(record.objectId, now);
        continue;
      }
      if (this.options.isInDowntime(record.objectId, now)) {
        await this.options.store.advance(
          record.key,
          record.step,
          record.cycle,
          now + DOWNTIME_RECHECK_MS,
          record.notified,
        );
        continue;
      }
      const next = nextStep(record, policy.steps.length, policy.repeat);
      if (!next) {
        await this.options.store.advance(record.key, record.step, record.cycle, NEVER, record.notified);
        continue;
      }
      const step = policy.steps[next.step] as { notify: EscalationTarget[]; waitMs: number };
      const receivers = receiversFor(model, step.notify, now);
      const alert = record.alert as Alert;
      alerts.push({
        ...alert,
        sequence: `escalation ${next.cycle}.${next.step}`,
        deliveries: receivers.map((receiver) => ({ receiver, urgency: 'page', route: record.policy })),
        escalations: [],
      });
      const notified = [...new Set([...record.notified, ...receivers])];
      advances.push(() =>
        this.options.store.advance(record.key, next.step + 1, next.cycle, now + step.waitMs, notified),
      );
    }
    // Pages are queued before the steps are recorded as done: a crash in between repeats a
    // step (its notification ids are the same, so the outbox keeps one) instead of losing it.
    if (alerts.length > 0) await this.options.emit(alerts);
    for (const advance of advances) await advance();
  }
}

/** Where an escalation goes next: the following step, or the first again while repeats remain. Pure. */
export function nextStep(
  record: Pick<EscalationRecord, 'step' | 'cycle'>,
  steps: number,
  repeat: number,
): { step: number; cycle: number } | undefined {
  if (record.step < steps) return { step: record.step, cycle: record.cycle };
  if (record.cycle < repeat) return { step: 0, cycle: record.cycle + 1 };
  return undefined;
}
