import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml } from '../alerting/channels/format.ts';
import { statusSiteOf } from '../status/incidents/settings.ts';
import { SubscribeError } from '../status/subscribers/subscriptions.ts';
import { CSRF_HEADER, csrfTokenOf } from './auth/guard.ts';
import { audit } from './auth/index.ts';
import { LoginThrottle } from './auth/login-throttle.ts';
import { roleAllows } from './auth/roles.ts';
import { sameSecret } from './auth/secrets.ts';
import type { Daemon } from './daemon.ts';

// The public side of status-site subscriptions: subscribe, confirm, unsubscribe. No sign-in;
// the tokens in the links are the only keys. Subscribing is rate-limited per client address
// and per subscribed address (the sign-in throttle's sliding window, counting every request),
// and its answer never says whether the address was already subscribed.

const SUBSCRIBE_LIMITS = { perUserAndAddress: 3, perAddress: 20, windowMs: 15 * 60_000 };
const LINK_LIMITS = { perUserAndAddress: 30, perAddress: 60, windowMs: 15 * 60_000 };

const subscribeBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254 },
    webhook: { type: 'string', minLength: 8, maxLength: 2000 },
    secret: { type: 'string', minLength: 16, maxLength: 200 },
    components: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 100 },
  },
} as const;

const tokenQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: { token: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

function page(reply: FastifyReply, status: number, title: string, heading: string, text: string): string {
  reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em">
<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(text)}</p></body></html>
`;
}

/**
 * Whether a signed-in operator asks. The route is public, so the guard checks neither role nor
 * CSRF token for it: a session counts only with its CSRF header, or any page on the web could
 * make a visiting operator's browser subscribe a webhook of its choosing.
 */
function askedByOperator(request: FastifyRequest): boolean {
  const principal = request.principal;
  if (!principal || !roleAllows(principal.role, 'operator')) return false;
  if (principal.via !== 'session') return true;
  const given = request.headers[CSRF_HEADER];
  const expected = csrfTokenOf(request);
  return typeof given === 'string' && given !== '' && expected !== undefined && sameSecret(given, expected);
}

export function registerSubscriberRoutes(app: FastifyInstance, daemon: Daemon): void {
  const subscribeThrottle = new LoginThrottle(SUBSCRIBE_LIMITS);
  const linkThrottle = new LoginThrottle(LINK_LIMITS);
  const publicAccess = { access: 'public' } as const;
  const title = () => statusSiteOf(daemon.engine.currentModel.settings).title;

  app.post<{ Body: { email?: string; webhook?: string; secret?: string; components?: string[] } }>(
    '/api/v1/status/subscribe',
    { config: publicAccess, schema: { body: subscribeBody } },
    async (request, reply) => {
      const subscriptions = daemon.subscriptions;
      if (!subscriptions) {
        reply.code(404);
        return { error: 'subscriptions are not offered here' };
      }
      const now = Date.now();
      const target = (request.body.email ?? request.body.webhook ?? '').trim().toLowerCase();
      const wait = subscribeThrottle.waitFor(target, request.ip, now);
      if (wait > 0) {
        reply.code(429).header('retry-after', String(Math.ceil(wait / 1000)));
        return { error: 'too many subscription requests; try again later' };
      }
      subscribeThrottle.failed(target, request.ip, now);
      try {
        const operator = askedByOperator(request);
        const outcome = await subscriptions.subscribe(request.body, { operator });
        if (outcome.kind === 'email') {
          reply.code(202);
          return { status: 'If the address can be subscribed, a confirmation message is on its way.' };
        }
        if (operator)
          await audit(daemon, request, 'subscriber.webhook', String(outcome.id), {
            webhook: request.body.webhook,
          });
        reply.code(201);
        return {
          status: 'subscribed',
          id: outcome.id,
          secret: outcome.secret,
          signature: 'X-Vigil-Signature: sha256=HMAC-SHA256(secret, body) in hex',
          unsubscribeUrl: outcome.unsubscribeUrl,
        };
      } catch (error) {
        if (error instanceof SubscribeError) {
          reply.code(error.status);
          return { error: error.message };
        }
        throw error;
      }
    },
  );

  for (const action of ['confirm', 'unsubscribe'] as const) {
    app.get<{ Querystring: { token: string } }>(
      `/status/${action}`,
      { config: publicAccess, schema: { querystring: tokenQuery } },
      async (request, reply) => {
        const subscriptions = daemon.subscriptions;
        const site = title();
        const now = Date.now();
        if (linkThrottle.waitFor('', request.ip, now) > 0)
          return page(reply, 429, site, 'Too many requests', 'Please try again in a few minutes.');
        const done = subscriptions
          ? action === 'confirm'
            ? await subscriptions.confirm(request.query.token)
            : await subscriptions.unsubscribe(request.query.token)
          : undefined;
        if (!done) {
          // Only failures count: one person opening their own links is never limited.
          linkThrottle.failed('', request.ip, now);
          return page(
            reply,
            404,
            site,
            'This link is not valid',
            action === 'confirm'
              ? 'It may have expired or been used already. You can subscribe again.'
              : 'The subscription may have ended already.',
          );
        }
        return action === 'confirm'
          ? page(
              reply,
              200,
              site,
              'Subscription confirmed',
              `You will receive incident updates from ${site}.`,
            )
          : page(reply, 200, site, 'Unsubscribed', `You will receive no more incident updates from ${site}.`);
      },
    );
  }
}
