// The `pagerduty` channel: PagerDuty Events API v2. A problem (or flapping) triggers an alert,
// an acknowledgement acknowledges it and a recovery resolves it, all under one dedup_key made
// from the problem's object id, so they act on the same incident. Downtime notices are not sent.
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import type { Channel } from './channel.ts';
import { affectedLine, locationLine, truncate } from './format.ts';
import { expectSuccess, httpUrl, postJson } from './post.ts';
import { objectKey } from './problem-key.ts';

const STATES = ['DOWN', 'UNREACHABLE', 'CRITICAL', 'WARNING', 'UNKNOWN'] as const;
const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
const DEFAULT_SEVERITY: Record<string, (typeof SEVERITIES)[number]> = {
  DOWN: 'critical',
  UNREACHABLE: 'error',
  CRITICAL: 'critical',
  WARNING: 'warning',
  UNKNOWN: 'error',
};

const settings = z.strictObject({
  /** The 32-character integration key of an "Events API v2" integration on a service. */
  routing_key: z
    .string()
    .regex(/^[A-Za-z0-9]{32}$/, 'routing_key is the 32-character Events API v2 integration key'),
  url: httpUrl('url').default('https://events.pagerduty.com/v2/enqueue'),
  /** Overrides of the state → PagerDuty severity mapping. */
  severity: z
    .partialRecord(
      z.enum(STATES, { error: `severity keys are states: ${STATES.join(', ')}` }),
      z.enum(SEVERITIES, { error: `severity values are ${SEVERITIES.join(', ')}` }),
    )
    .default({}),
  /** Shown as the alert's source tool. */
  client: z.string().min(1).default('Vigil'),
});

export type PagerDutySettings = z.output<typeof settings>;

/** The Events API v2 event for a notification, or undefined for kinds PagerDuty has no use for. */
export function pagerDutyEvent(n: Notification, s: PagerDutySettings): Record<string, unknown> | undefined {
  const base = { routing_key: s.routing_key, dedup_key: objectKey(n.problem, 255) };
  if (n.kind === 'recovery') return { ...base, event_action: 'resolve' };
  if (n.kind === 'acknowledgement') return { ...base, event_action: 'acknowledge' };
  if (n.kind !== 'problem' && n.kind !== 'flapping') return undefined;
  const p = n.problem;
  const severity =
    (s.severity as Record<string, string | undefined>)[p.state] ?? DEFAULT_SEVERITY[p.state] ?? 'error';
  const details: Record<string, unknown> = {
    state: p.state,
    output: p.output,
    object: p.objectId,
    notification: n.id,
    route: n.route,
  };
  const affected = affectedLine(p);
  if (affected) details.affected = affected;
  if (p.affected.length > 0) details.affected_objects = p.affected.slice(0, 50);
  if (p.degraded.length > 0) details.losing_redundancy = p.degraded.slice(0, 50);
  const location = locationLine(p.location);
  if (location) details.location = location;
  if (p.flapping || n.kind === 'flapping') details.flapping = true;
  if (n.text && n.text !== n.title) details.text = n.text;
  return {
    ...base,
    event_action: 'trigger',
    client: s.client,
    ...(n.url ? { client_url: n.url, links: [{ href: n.url, text: 'Open in Vigil' }] } : {}),
    payload: {
      summary: truncate(n.kind === 'flapping' ? `flapping: ${n.title}` : n.title, 1024),
      source: p.host,
      severity: n.kind === 'flapping' && severity === 'critical' ? 'warning' : severity,
      timestamp: new Date(p.since).toISOString(),
      component: p.service ?? p.host,
      class: p.state,
      ...(p.tags.length > 0 ? { group: p.tags[0] } : {}),
      custom_details: details,
    },
  };
}

export const pagerdutyChannel: Channel<PagerDutySettings> = {
  kind: 'pagerduty',
  settings,
  async send(notification, s, context) {
    const event = pagerDutyEvent(notification, s);
    if (!event) return;
    expectSuccess(await postJson(s.url, event, context), s.url);
  },
};
