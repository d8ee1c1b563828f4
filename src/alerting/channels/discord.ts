// The `discord` channel: a Discord webhook message, the headline as `content` and one embed in
// the state's colour with the facts as fields. Mentions in check output never ping anyone.
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import type { Channel } from './channel.ts';
import { colourNumber, factsOf, headlineOf, renderTemplate, templateSchema, truncate } from './format.ts';
import { expectSuccess, httpUrl, jsonBody, postJson } from './post.ts';

const settings = z.strictObject({
  url: httpUrl('url'),
  username: z.string().min(1).max(80, 'username is at most 80 characters').optional(),
  avatar_url: httpUrl('avatar_url').optional(),
  /** Replaces the message content; {{placeholders}} as documented. */
  template: templateSchema.optional(),
});

export type DiscordSettings = z.output<typeof settings>;

export function discordPayload(n: Notification, s: DiscordSettings): Record<string, unknown> {
  const content = s.template ? renderTemplate(s.template, n) : headlineOf(n);
  const details = n.text && n.text !== n.title ? n.text : undefined;
  return {
    content: truncate(content, 2000),
    embeds: [
      {
        title: truncate(n.problem.objectId, 256),
        ...(n.url ? { url: n.url } : {}),
        color: colourNumber(n),
        ...(details ? { description: truncate(details, 4096) } : {}),
        fields: factsOf(n)
          .slice(0, 25)
          .map((f) => ({ name: f.label, value: truncate(f.value, 1024), inline: f.label !== 'State' })),
        footer: { text: `Vigil · ${n.route}` },
        timestamp: new Date(n.createdAt).toISOString(),
      },
    ],
    allowed_mentions: { parse: [] },
    ...(s.username ? { username: s.username } : {}),
    ...(s.avatar_url ? { avatar_url: s.avatar_url } : {}),
  };
}

export const discordChannel: Channel<DiscordSettings> = {
  kind: 'discord',
  settings,
  async send(notification, s, context) {
    const reply = await postJson(s.url, discordPayload(notification, s), context);
    // A 429 says how long to wait in the body too, with millisecond precision.
    const body =
      reply.status === 429 ? (jsonBody(reply) as { retry_after?: unknown } | undefined) : undefined;
    const wait = typeof body?.retry_after === 'number' ? Math.ceil(body.retry_after * 1000) : undefined;
    expectSuccess(reply, s.url, wait);
  },
};
