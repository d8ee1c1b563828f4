// The `slack` channel: a Slack incoming webhook (also Mattermost, Rocket.Chat and other
// Slack-compatible receivers). The headline is the message text; an attachment with the
// state's colour bar carries the facts and the dashboard link, as Block Kit blocks or, with
// `style: attachments`, as classic attachment fields for receivers that do not render blocks.
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import type { Channel } from './channel.ts';
import { colourOf, factsOf, headlineOf, renderTemplate, templateSchema, truncate } from './format.ts';
import { expectSuccess, httpUrl, postJson } from './post.ts';

const settings = z.strictObject({
  url: httpUrl('url'),
  /** `blocks` (Slack) or `attachments` (classic fields, for Mattermost and older receivers). */
  style: z
    .enum(['blocks', 'attachments'], { error: 'style must be blocks or attachments' })
    .default('blocks'),
  /** Overrides the webhook's channel, user name and icon where the receiver allows it. */
  channel: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
  icon_emoji: z
    .string()
    .regex(/^:[^:\s]+:$/, 'icon_emoji looks like :rotating_light:')
    .optional(),
  /** Replaces the message text; {{placeholders}} as documented. */
  template: templateSchema.optional(),
});

export type SlackSettings = z.output<typeof settings>;

/** Slack's mrkdwn needs &, < and > escaped; everything else is literal. */
export const escapeSlack = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackPayload(n: Notification, s: SlackSettings): Record<string, unknown> {
  const text = s.template ? renderTemplate(s.template, n, escapeSlack) : escapeSlack(headlineOf(n));
  const facts = factsOf(n);
  const attachment =
    s.style === 'blocks'
      ? {
          color: colourOf(n),
          fallback: headlineOf(n),
          blocks: [
            {
              type: 'section',
              fields: facts.slice(0, 10).map((f) => ({
                type: 'mrkdwn',
                text: truncate(`*${f.label}*\n${escapeSlack(f.value)}`, 2000),
              })),
            },
            {
              type: 'context',
              elements: [
                {
                  type: 'mrkdwn',
                  text: [n.url ? `<${n.url}|Open in Vigil>` : '', `${n.problem.objectId} · ${n.route}`]
                    .filter(Boolean)
                    .join(' · '),
                },
              ],
            },
          ],
        }
      : {
          color: colourOf(n),
          fallback: headlineOf(n),
          title: n.problem.objectId,
          ...(n.url ? { title_link: n.url } : {}),
          fields: facts.map((f) => ({ title: f.label, value: f.value, short: f.label !== 'State' })),
          footer: `Vigil · ${n.route}`,
          ts: Math.floor(n.createdAt / 1000),
        };
  return {
    text: truncate(text, 3000),
    attachments: [attachment],
    ...(s.channel ? { channel: s.channel } : {}),
    ...(s.username ? { username: s.username } : {}),
    ...(s.icon_emoji ? { icon_emoji: s.icon_emoji } : {}),
  };
}

export const slackChannel: Channel<SlackSettings> = {
  kind: 'slack',
  settings,
  async send(notification, s, context) {
    expectSuccess(await postJson(s.url, slackPayload(notification, s), context), s.url);
  },
};
