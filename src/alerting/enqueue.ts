import type { Outbox } from '../store/outbox.ts';
import type { Alert } from './alert.ts';
import type { Notification } from './notification.ts';
import type { Stage } from './pipeline.ts';

/**
 * The last stage: writes one notification per delivery to the store's outbox before
 * anything is sent, so a crash or restart loses none. Ids are derived from the problem,
 * the event time, the kind and the receiver: the same alert processed twice is queued once.
 */
export function enqueueNotifications(
  outbox: Outbox,
  publicUrl: string,
  clock: () => number,
  onQueued: () => void,
): Stage {
  return async (alerts) => {
    const now = clock();
    const notifications: Notification[] = [];
    for (const alert of alerts) {
      for (const delivery of alert.deliveries) {
        notifications.push({
          id: `${alert.problem.objectId}@${alert.at}:${alert.kind}:${delivery.receiver}${alert.sequence ? `:${alert.sequence}` : ''}`,
          kind: alert.kind,
          urgency: delivery.urgency,
          route: delivery.route,
          receiver: delivery.receiver,
          problem: alert.problem,
          title: alert.title,
          text: textOf(alert),
          ...(publicUrl
            ? { url: `${publicUrl.replace(/\/$/, '')}/objects/${encodeURI(alert.problem.objectId)}` }
            : {}),
          ...(alert.acknowledgement ? { acknowledgement: alert.acknowledgement } : {}),
          createdAt: now,
        });
      }
    }
    const groups = new Map<string, number>();
    for (const alert of alerts) {
      for (const delivery of alert.deliveries) {
        if (!delivery.group) continue;
        const key = `${delivery.receiver}|${delivery.route}`;
        if (groups.has(key)) continue;
        // The first of a group waits `waitMs`; the next message no sooner than `intervalMs` after the last.
        const last = await outbox.lastDelivered(key);
        groups.set(
          key,
          Math.max(now + delivery.group.waitMs, last === undefined ? 0 : last + delivery.group.intervalMs),
        );
      }
    }
    await outbox.enqueue(
      notifications.map((n) => {
        const groupKey = `${n.receiver}|${n.route}`;
        const notBefore = groups.get(groupKey);
        return {
          id: n.id,
          receiver: n.receiver,
          payload: n,
          createdAt: n.createdAt,
          ...(notBefore === undefined || !groupable(n) ? {} : { groupKey, notBefore }),
        };
      }),
    );
    if (notifications.length > 0) onQueued();
    return alerts;
  };
}

function textOf(alert: Alert): string {
  const { problem } = alert;
  const lines = [alert.title];
  if (problem.output) lines.push(problem.output);
  const where = [
    problem.location.site,
    problem.location.room && `room ${problem.location.room}`,
    problem.location.cabinet && `cabinet ${problem.location.cabinet}`,
    problem.location.rackUnit && `U${problem.location.rackUnit}`,
    problem.location.oob && `out-of-band ${problem.location.oob}`,
  ].filter(Boolean);
  if (where.length > 0) lines.push(`Location: ${where.join(', ')}`);
  if (problem.affected.length > 0) {
    const shown = problem.affected.slice(0, 20).join(', ');
    lines.push(
      `Affected: ${shown}${problem.affected.length > 20 ? `, and ${problem.affected.length - 20} more` : ''}`,
    );
  }
  if (problem.degraded.length > 0)
    lines.push(`Losing redundancy: ${problem.degraded.slice(0, 20).join(', ')}`);
  return lines.join('\n');
}

/** Problems and recoveries wait for their group; pages, acknowledgements and downtime notes go at once. */
function groupable(notification: Notification): boolean {
  if (notification.urgency === 'page') return false;
  return (
    notification.kind === 'problem' || notification.kind === 'recovery' || notification.kind === 'flapping'
  );
}
