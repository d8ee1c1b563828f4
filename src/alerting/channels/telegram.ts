// The `telegram` channel: the Bot API's sendMessage to one chat (a user, group or channel;
// optionally a forum topic), formatted with parse_mode HTML (default), MarkdownV2 or plain.
// A 429 carries the wait in `parameters.retry_after`, which becomes the retry delay.
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import type { Channel } from './channel.ts';
import {
  escapeHtml,
  factsOf,
  headlineOf,
  plainTextOf,
  renderTemplate,
  templateSchema,
  truncate,
} from './format.ts';
import { expectSuccess, httpUrl, jsonBody, postJson } from './post.ts';

const settings = z.strictObject({
  bot_token: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'bot_token looks like 123456789:AAE...'),
  /** Numeric chat id (negative for groups) or @channelusername. */
  chat_id: z.union([
    z.number().int(),
    z.string().regex(/^(-?\d+|@\w+)$/, 'chat_id is a number or @channelname'),
  ]),
  /** Forum topic to post in. */
  message_thread_id: z.number().int().positive().optional(),
  parse_mode: z
    .enum(['HTML', 'MarkdownV2', 'none'], { error: 'parse_mode must be HTML, MarkdownV2 or none' })
    .default('HTML'),
  /** Deliver silently (no sound); by default only notifications that are not pages are silent. */
  disable_notification: z.boolean().optional(),
  /** The Bot API server; point it elsewhere for a local Bot API server or tests. */
  api_url: httpUrl('api_url').default('https://api.telegram.org'),
  /** Replaces the message text; {{placeholders}} as documented, values escaped for parse_mode. */
  template: templateSchema.optional(),
});

export type TelegramSettings = z.output<typeof settings>;

/** Escapes text for MarkdownV2, where these characters are all markup. */
export const escapeMarkdownV2 = (text: string): string => text.replace(/[_*[\]()~`>#+\-=|{}.!\\]/g, '\\$&');

export function telegramText(n: Notification, s: TelegramSettings): string {
  const details = n.text && n.text !== n.title ? truncate(n.text, 1500) : undefined;
  const facts = factsOf(n).map((f) => ({ ...f, value: truncate(f.value, 500) }));
  if (s.parse_mode === 'HTML') {
    if (s.template) return renderTemplate(s.template, n, escapeHtml);
    const lines = [
      `<b>${escapeHtml(headlineOf(n))}</b>`,
      ...facts.map((f) => `${f.label}: ${escapeHtml(f.value)}`),
    ];
    if (details) lines.push('', escapeHtml(details));
    if (n.url) lines.push('', `<a href="${escapeHtml(n.url)}">Open in Vigil</a>`);
    return lines.join('\n');
  }
  if (s.parse_mode === 'MarkdownV2') {
    if (s.template) return renderTemplate(s.template, n, escapeMarkdownV2);
    const lines = [
      `*${escapeMarkdownV2(headlineOf(n))}*`,
      ...facts.map((f) => escapeMarkdownV2(`${f.label}: ${f.value}`)),
    ];
    if (details) lines.push('', escapeMarkdownV2(details));
    if (n.url) lines.push('', `[Open in Vigil](${n.url.replace(/[)\\]/g, '\\$&')})`);
    return lines.join('\n');
  }
  return truncate(s.template ? renderTemplate(s.template, n) : plainTextOf(n), 4096);
}

export const telegramChannel: Channel<TelegramSettings> = {
  kind: 'telegram',
  settings,
  async send(notification, s, context) {
    const url = `${s.api_url.replace(/\/+$/, '')}/bot${s.bot_token}/sendMessage`;
    const reply = await postJson(
      url,
      {
        chat_id: s.chat_id,
        text: telegramText(notification, s),
        ...(s.parse_mode === 'none' ? {} : { parse_mode: s.parse_mode }),
        ...(s.message_thread_id ? { message_thread_id: s.message_thread_id } : {}),
        disable_notification: s.disable_notification ?? notification.urgency !== 'page',
        link_preview_options: { is_disabled: true },
      },
      context,
    );
    const body = jsonBody(reply) as { parameters?: { retry_after?: unknown } } | undefined;
    const wait = body?.parameters?.retry_after;
    expectSuccess(reply, url, typeof wait === 'number' ? wait * 1000 : undefined);
  },
};
