import type { Notification, ProblemSummary } from '../../alerting/notification.ts';
import type { StatusSiteSettings } from '../../model/types.ts';
import type { IncidentRecord, IncidentUpdateRecord } from '../../store/incidents.ts';
import type { SubscriberRecord } from '../../store/subscribers.ts';
import { listOf, PHASE_LABELS } from '../incidents/wording.ts';
import { receiverName } from './receivers.ts';

// Subscriber messages as notifications, so they pass the durable delivery queue like operators'
// messages. Webhook receivers get the notification with the incident itself under `incident`;
// e-mail subscribers get a message in customers' words written from the same fields
// (./mail.ts), not the operators' alert format. Every message carries its unsubscribe link.

export interface SubscriberLinks {
  /** Base of the daemon's public /status/confirm and /status/unsubscribe URLs, without a trailing slash. */
  base: string;
}

/** What a webhook subscriber reads besides the notification fields. */
export interface IncidentPayload {
  id: number;
  title: string;
  impact: string;
  phase: string;
  components: string[];
  message: string;
  at: string;
  startedAt: string;
  url: string | null;
  unsubscribeUrl: string;
}

/** What the double opt-in mail needs. */
export interface ConfirmationPayload {
  /** "all components", or the list subscribed to. */
  scope: string;
  confirmUrl: string;
}

export type SubscriberNotification = Notification & {
  /** The status site the message is from. */
  statusSite?: { title: string; url: string | null };
  incident?: IncidentPayload;
  confirmation?: ConfirmationPayload;
};

export function unsubscribeUrl(links: SubscriberLinks, subscriber: SubscriberRecord): string {
  return `${links.base}/status/unsubscribe?token=${encodeURIComponent(subscriber.unsubscribeToken)}`;
}

export function confirmUrl(links: SubscriberLinks, token: string): string {
  return `${links.base}/status/confirm?token=${encodeURIComponent(token)}`;
}

function summary(objectId: string, state: string, since: number, components: string[]): ProblemSummary {
  return {
    objectId,
    host: '',
    service: null,
    state,
    output: '',
    since,
    affected: [],
    affectedHosts: 0,
    affectedServices: 0,
    degraded: [],
    location: {},
    flapping: false,
    tags: components,
  };
}

export function incidentNotification(
  site: StatusSiteSettings,
  links: SubscriberLinks,
  incident: IncidentRecord,
  update: IncidentUpdateRecord,
  subscriber: SubscriberRecord,
): SubscriberNotification {
  const leave = unsubscribeUrl(links, subscriber);
  const text = [
    update.message,
    '',
    `Affected: ${listOf(incident.components)}`,
    ...(site.siteUrl ? [`Status page: ${site.siteUrl}`] : []),
    '',
    `You receive this because you subscribed to ${site.title}. Unsubscribe: ${leave}`,
  ].join('\n');
  return {
    id: `status-update:${update.id}:${subscriber.id}`,
    kind: update.phase === 'resolved' ? 'recovery' : 'problem',
    urgency: 'email',
    route: 'status-site',
    receiver: receiverName(subscriber),
    problem: summary(
      `incident-${incident.id}`,
      PHASE_LABELS[update.phase],
      incident.startedAt,
      incident.components,
    ),
    title: incident.title,
    text,
    createdAt: update.at,
    statusSite: { title: site.title, url: site.siteUrl || null },
    incident: {
      id: incident.id,
      title: incident.title,
      impact: incident.impact,
      phase: update.phase,
      components: incident.components,
      message: update.message,
      at: new Date(update.at).toISOString(),
      startedAt: new Date(incident.startedAt).toISOString(),
      url: site.siteUrl || null,
      unsubscribeUrl: leave,
    },
  };
}

/** The double opt-in mail: nothing else is sent to an address until its owner opens this link. */
export function confirmationNotification(
  site: StatusSiteSettings,
  links: SubscriberLinks,
  subscriber: SubscriberRecord,
  token: string,
  at: number,
): SubscriberNotification {
  const scope = subscriber.components.length > 0 ? listOf(subscriber.components) : 'all components';
  const link = confirmUrl(links, token);
  return {
    id: `status-confirm:${subscriber.id}:${token.slice(0, 12)}`,
    kind: 'problem',
    urgency: 'email',
    route: 'status-site',
    receiver: receiverName(subscriber),
    problem: summary(`subscription-${subscriber.id}`, 'OK', at, subscriber.components),
    title: `Confirm your subscription to ${site.title}`,
    text: [
      `Someone (hopefully you) asked to receive incident updates from ${site.title} for ${scope}.`,
      '',
      `To confirm, open: ${link}`,
      '',
      'If you did not ask for this, ignore this message: without confirmation nothing more is sent.',
    ].join('\n'),
    createdAt: at,
    statusSite: { title: site.title, url: site.siteUrl || null },
    confirmation: { scope, confirmUrl: link },
  };
}
