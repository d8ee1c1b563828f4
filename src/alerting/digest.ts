import type { Notification } from './notification.ts';

/**
 * Several notifications of one route to one receiver, waiting out the same grouping window,
 * as one message: the first one's id (so a resend is recognisable), a title that counts
 * and names them, and every notification's text below.
 */
export function digestOf(notifications: Notification[]): Notification {
  const [first] = notifications;
  if (!first) throw new Error('digestOf needs at least one notification');
  if (notifications.length === 1) return first;
  const problems = notifications.filter((n) => n.kind === 'problem' || n.kind === 'flapping').length;
  const recoveries = notifications.filter((n) => n.kind === 'recovery').length;
  const others = notifications.length - problems - recoveries;
  const counts = [
    problems > 0 ? `${problems} problem${problems === 1 ? '' : 's'}` : '',
    recoveries > 0 ? `${recoveries} recover${recoveries === 1 ? 'y' : 'ies'}` : '',
    others > 0 ? `${others} update${others === 1 ? '' : 's'}` : '',
  ].filter(Boolean);
  const names = notifications.map(
    (n) => `${n.problem.objectId} ${n.kind === 'recovery' ? 'recovered' : n.problem.state}`,
  );
  const shown = names.slice(0, 5).join('; ') + (names.length > 5 ? `; and ${names.length - 5} more` : '');
  return {
    ...first,
    title: `${counts.join(', ')} (${first.route}): ${shown}`,
    text: notifications.map((n) => n.text).join('\n\n'),
  };
}
