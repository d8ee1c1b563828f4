// The `webhook` channel: the whole notification as JSON, POSTed to any URL. With a `secret`
// the raw body is signed, HMAC-SHA256, in `X-Vigil-Signature: sha256=<hex>`; the notification
// id goes in `X-Vigil-Delivery` so a receiver can drop a redelivery it has already seen.
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { Channel } from './channel.ts';
import { expectSuccess, headersSchema, httpUrl, post } from './post.ts';

const RESERVED = /^(content-type|content-length|host|transfer-encoding|connection|x-vigil-.*)$/i;

const settings = z.strictObject({
  url: httpUrl('url'),
  /** Shared secret for the HMAC-SHA256 signature; no signature header without it. */
  secret: z.string().min(16, 'secret must be at least 16 characters').optional(),
  headers: headersSchema
    .refine((h) => Object.keys(h).every((name) => !RESERVED.test(name)), {
      message: 'headers may not set Content-Type, Content-Length, Host, Connection or X-Vigil-* headers',
    })
    .default({}),
});

export type WebhookSettings = z.output<typeof settings>;

/** `sha256=<hex>` of the body under the secret: what a receiver recomputes to verify a delivery. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export const webhookChannel: Channel<WebhookSettings> = {
  kind: 'webhook',
  settings,
  async send(notification, s, context) {
    const body = JSON.stringify(notification);
    const headers: Record<string, string> = {
      ...s.headers,
      'content-type': 'application/json',
      'x-vigil-delivery': notification.id,
      'x-vigil-event': notification.kind,
    };
    if (s.secret) headers['x-vigil-signature'] = signature(s.secret, body);
    expectSuccess(await post(s.url, body, headers, context), s.url);
  },
};
