// The `campfire` channel: one chat line posted by a chatbot. Basecamp's chatbot `lines_url`
// takes JSON `{"content": "..."}` (`format: json`, the default); a self-hosted ONCE Campfire
// bot URL (`/rooms/<id>/<bot-key>/messages`) takes the line as a plain-text body (`format: text`).
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import type { Channel } from './channel.ts';
import { oneLineOf, renderTemplate, templateSchema } from './format.ts';
import { expectSuccess, httpUrl, post } from './post.ts';

const settings = z.strictObject({
  /** The chatbot's URL; it holds the bot's key, so keep it secret. */
  url: httpUrl('url'),
  format: z
    .enum(['json', 'text'], { error: 'format must be json (Basecamp) or text (ONCE Campfire)' })
    .default('json'),
  /** Replaces the line; {{placeholders}} as documented. */
  template: templateSchema.optional(),
});

export type CampfireSettings = z.output<typeof settings>;

export const campfireLine = (n: Notification, s: CampfireSettings): string =>
  s.template ? renderTemplate(s.template, n) : oneLineOf(n);

export const campfireChannel: Channel<CampfireSettings> = {
  kind: 'campfire',
  settings,
  async send(notification, s, context) {
    const line = campfireLine(notification, s);
    const reply =
      s.format === 'json'
        ? await post(
            s.url,
            JSON.stringify({ content: line }),
            { 'content-type': 'application/json' },
            context,
          )
        : await post(s.url, line, { 'content-type': 'text/plain; charset=utf-8' }, context);
    expectSuccess(reply, s.url);
  },
};
