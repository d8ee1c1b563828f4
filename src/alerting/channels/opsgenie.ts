// The `opsgenie` channel: the Opsgenie Alerts API. A problem (or flapping) creates an alert with
// alias = the problem's object id, an acknowledgement acknowledges that alias and a recovery
// closes it; Opsgenie deduplicates open alerts by alias. Downtime notices are not sent.
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import type { Channel } from './channel.ts';
import { affectedLine, locationLine, plainTextOf, truncate } from './format.ts';
import { expectSuccess, httpUrl, postJson } from './post.ts';
import { objectKey } from './problem-key.ts';

const STATES = ['DOWN', 'UNREACHABLE', 'CRITICAL', 'WARNING', 'UNKNOWN'] as const;
const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;
const DEFAULT_PRIORITY: Record<string, (typeof PRIORITIES)[number]> = {
  DOWN: 'P1',
  CRITICAL: 'P1',
  UNREACHABLE: 'P2',
  UNKNOWN: 'P3',
  WARNING: 'P3',
};

const responder = z
  .strictObject({
    type: z.enum(['team', 'user', 'escalation', 'schedule'], {
      error: 'responder type: team, user, escalation or schedule',
    }),
    id: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
  })
  .refine((r) => [r.id, r.name, r.username].filter(Boolean).length === 1, {
    message: 'a responder has exactly one of id, name or username',
  });

const settings = z.strictObject({
  /** An API integration's key, sent as `Authorization: GenieKey <key>`. */
  api_key: z.string().min(1, 'api_key is empty'),
  /** API base; https://api.eu.opsgenie.com for the EU instance. */
  url: httpUrl('url').default('https://api.opsgenie.com'),
  responders: z.array(responder).default([]),
  /** Tags added to the problem's own tags. */
  tags: z.array(z.string().min(1)).default([]),
  /** Overrides of the state → priority mapping. */
  priority: z
    .partialRecord(
      z.enum(STATES, { error: `priority keys are states: ${STATES.join(', ')}` }),
      z.enum(PRIORITIES, { error: 'priority values are P1 to P5' }),
    )
    .default({}),
  source: z.string().min(1).default('Vigil'),
});

export type OpsgenieSettings = z.output<typeof settings>;

/** The request for a notification: path under the API base and JSON body; undefined when none. */
export function opsgenieRequest(
  n: Notification,
  s: OpsgenieSettings,
): { path: string; body: unknown } | undefined {
  const alias = objectKey(n.problem, 512);
  const byAlias = `/v2/alerts/${encodeURIComponent(alias)}`;
  if (n.kind === 'recovery')
    return { path: `${byAlias}/close?identifierType=alias`, body: { source: s.source, note: n.title } };
  if (n.kind === 'acknowledgement')
    return {
      path: `${byAlias}/acknowledge?identifierType=alias`,
      body: {
        source: s.source,
        ...(n.acknowledgement ? { user: n.acknowledgement.author, note: n.acknowledgement.comment } : {}),
      },
    };
  if (n.kind !== 'problem' && n.kind !== 'flapping') return undefined;
  const p = n.problem;
  const priority =
    (s.priority as Record<string, string | undefined>)[p.state] ?? DEFAULT_PRIORITY[p.state] ?? 'P3';
  const details: Record<string, string> = {
    state: p.state,
    object: p.objectId,
    notification: n.id,
    route: n.route,
  };
  const affected = affectedLine(p);
  if (affected) details.affected = affected;
  const location = locationLine(p.location);
  if (location) details.location = location;
  if (n.url) details.url = n.url;
  return {
    path: '/v2/alerts',
    body: {
      message: truncate(n.kind === 'flapping' ? `flapping: ${n.title}` : n.title, 130),
      alias,
      description: truncate(plainTextOf(n), 15000),
      ...(s.responders.length > 0 ? { responders: s.responders } : {}),
      tags: [...new Set([...p.tags, ...s.tags])].slice(0, 20),
      details,
      entity: p.objectId,
      source: s.source,
      priority,
    },
  };
}

export const opsgenieChannel: Channel<OpsgenieSettings> = {
  kind: 'opsgenie',
  settings,
  async send(notification, s, context) {
    const req = opsgenieRequest(notification, s);
    if (!req) return;
    const url = `${s.url.replace(/\/+$/, '')}${req.path}`;
    expectSuccess(await postJson(url, req.body, context, { authorization: `GenieKey ${s.api_key}` }), url);
  },
};
