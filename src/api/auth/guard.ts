import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Daemon } from '../daemon.ts';
import { principalFromSession, principalFromToken, type Resolved } from './credentials.ts';
import { roleAllows } from './roles.ts';
import { sameSecret } from './secrets.ts';
import { SESSION_COOKIE } from './sessions.ts';

// The gate in front of every route: finds who is asking (API token or session cookie),
// then holds them to the route's `config.access` (src/api/access.ts). Anonymous API
// calls get 401, anonymous page visits a redirect to /login, too low a role 403. Requests
// signed in by cookie that change something must carry the session's CSRF token.

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_HEADER = 'x-csrf-token';

const csrfTokens = new WeakMap<FastifyRequest, string>();
/** How to resolve a request's credentials again later, for requests that stay open. */
const rechecks = new WeakMap<FastifyRequest, (now: number) => Promise<Resolved>>();

/** The CSRF token of the request's session, for pages to put in their forms and scripts. */
export function csrfTokenOf(request: FastifyRequest): string | undefined {
  return csrfTokens.get(request);
}

/**
 * Whether the credential a long-lived request (an event stream) came with still grants
 * its route's access: false once the token is revoked or expired, the session signed out
 * or ended, the account disabled or removed, or the role lowered below the route's. A
 * request the gate never saw, or a store that cannot answer, counts as not authorised.
 */
export async function stillAuthorized(request: FastifyRequest): Promise<boolean> {
  const access = request.routeOptions.config?.access ?? 'viewer';
  if (access === 'public') return true;
  const recheck = rechecks.get(request);
  if (!recheck) return false;
  try {
    const resolved = await recheck(Date.now());
    return 'principal' in resolved && roleAllows(resolved.principal.role, access);
  } catch {
    return false;
  }
}

export interface GuardOptions {
  /** The local CLI's token (see local-token.ts), once written. */
  localToken: () => string | undefined;
}

export async function registerGuard(
  app: FastifyInstance,
  daemon: Daemon,
  options: GuardOptions,
): Promise<void> {
  await app.register(fastifyCookie);
  app.decorateRequest('principal', null);

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config?.access ?? 'viewer';
    const resolved = await identify(daemon, request, options, Date.now());
    rechecks.set(request, (now) => identify(daemon, request, options, now, false));
    if ('principal' in resolved) {
      request.principal = resolved.principal;
      if (resolved.csrfToken !== undefined) csrfTokens.set(request, resolved.csrfToken);
    }
    if (access === 'public') return;

    const principal = request.principal;
    if (!principal) {
      const reason = 'refused' in resolved ? resolved.refused : 'sign in or send an API token';
      if (request.routeOptions.config?.page && request.method === 'GET') {
        return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 302);
      }
      return refuse(reply, 401, reason);
    }
    if (!roleAllows(principal.role, access)) {
      return refuse(reply, 403, `this needs the ${access} role; ${principal.username} has ${principal.role}`);
    }
    if (principal.via === 'session' && UNSAFE_METHODS.has(request.method)) {
      const given = header(request, CSRF_HEADER);
      const expected = csrfTokens.get(request);
      if (expected === undefined || given === '' || !sameSecret(given, expected)) {
        daemon.log.warn(
          { url: request.url, remote: request.ip, user: principal.username },
          'request refused: missing or wrong CSRF token',
        );
        return refuse(reply, 403, `missing or wrong ${CSRF_HEADER} header (see GET /api/v1/session)`);
      }
    }
  });
}

async function identify(
  daemon: Daemon,
  request: FastifyRequest,
  options: GuardOptions,
  now: number,
  touch = true,
): Promise<Resolved> {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header(request, 'authorization'))?.[1];
  // Other bearer secrets (the chat bot's) belong to their own routes; only Vigil tokens are ours.
  if (bearer?.startsWith('vigil_'))
    return principalFromToken(daemon.store, bearer, options.localToken(), now, touch);
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie) return principalFromSession(daemon.store, cookie, now, touch);
  return { refused: 'sign in or send an API token' };
}

function refuse(reply: FastifyReply, status: 401 | 403, error: string): FastifyReply {
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="vigil"');
  return reply.code(status).send({ error });
}

function header(request: FastifyRequest, name: string): string {
  const value = request.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}
