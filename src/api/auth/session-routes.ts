import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Daemon } from '../daemon.ts';
import { addUser, usernameProblem } from './accounts.ts';
import { audit } from './audit.ts';
import { csrfTokenOf } from './guard.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { PasswordChecks } from './password-checks.ts';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  passwordProblem,
  verifyPassword,
} from './passwords.ts';
import { endSession, SESSION_COOKIE, SESSION_MAX_MS, startSession } from './sessions.ts';
import type { SetupLink } from './setup-link.ts';

// Signing in and out, and creating the first admin from the setup link.

const credentials = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH },
  },
} as const;

const setupBody = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'username', 'password'],
  properties: {
    token: { type: 'string', minLength: 1, maxLength: 200 },
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH },
  },
} as const;

const WRONG = 'wrong username or password';

export interface SessionRouteOptions {
  throttle: LoginThrottle;
  /** Bounds the password checks running and waiting at once (see password-checks.ts). */
  passwordChecks: PasswordChecks;
  setupLink: () => SetupLink | undefined;
}

export function registerSessionRoutes(
  app: FastifyInstance,
  daemon: Daemon,
  options: SessionRouteOptions,
): void {
  // Unknown users are checked against this hash, so a wrong name costs as long as a wrong password.
  const unknownUserHash = hashPassword('no such user: a hash to spend the same time on', DEFAULT_SCRYPT);

  app.post<{ Body: { username: string; password: string } }>(
    '/api/v1/session',
    { config: { access: 'public' }, schema: { body: credentials } },
    async (request, reply) => {
      const { username, password } = request.body;
      const startedAt = Date.now();
      // Counted before anything is awaited: parallel tries cannot all slip under the limit.
      const wait = options.throttle.begin(username, request.ip, startedAt);
      if (wait > 0) {
        reply.header('retry-after', String(Math.ceil(wait / 1000)));
        reply.code(429);
        return { error: `too many failed sign-ins: try again in ${Math.ceil(wait / 60_000)} min` };
      }
      const user = await daemon.store.auth.users.get(username);
      const checked = await options.passwordChecks.run(async () =>
        verifyPassword(password, user?.passwordHash ?? (await unknownUserHash)),
      );
      if (checked === 'busy') {
        // Not the caller's fault: take the try back, as if it had not been made.
        options.throttle.withdraw(username, request.ip, startedAt);
        reply.header('retry-after', '1');
        reply.code(503);
        return { error: 'too many sign-ins at once: try again in a second' };
      }
      if (!user || !checked.done || user.disabled) {
        await audit(
          daemon,
          request,
          'session.login_failed',
          username,
          {},
          { actor: username, via: 'session' },
        );
        reply.code(401);
        return { error: WRONG };
      }
      options.throttle.succeeded(username, request.ip, startedAt);
      const { secret, session } = await startSession(daemon.store, user.username, Date.now());
      setSessionCookie(daemon, request, reply, secret);
      await audit(
        daemon,
        request,
        'session.login',
        user.username,
        {},
        { actor: user.username, via: 'session' },
      );
      return { username: user.username, role: user.role, csrfToken: session.csrfToken };
    },
  );

  app.get('/api/v1/session', { config: { access: 'viewer' } }, async (request) => {
    const principal = request.principal;
    return {
      username: principal?.username,
      role: principal?.role,
      via: principal?.via,
      csrfToken: csrfTokenOf(request) ?? null,
    };
  });

  app.delete('/api/v1/session', { config: { access: 'viewer' } }, async (request, reply) => {
    const secret = request.cookies[SESSION_COOKIE];
    if (request.principal?.via === 'session' && secret) {
      await endSession(daemon.store, secret);
      await audit(daemon, request, 'session.logout', request.principal.username);
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { signedOut: true };
  });

  // Whether the setup page should show its form: only while no user exists.
  app.get('/api/v1/setup', { config: { access: 'public' } }, async () => ({
    needed: (await daemon.store.auth.users.count()) === 0,
  }));

  app.post<{ Body: { token: string; username: string; password: string } }>(
    '/api/v1/setup',
    { config: { access: 'public' }, schema: { body: setupBody } },
    async (request, reply) => {
      const link = options.setupLink();
      if ((await daemon.store.auth.users.count()) > 0) {
        link?.markUsed();
        reply.code(409);
        return { error: 'setup is done: users exist; sign in, or ask an admin' };
      }
      const { token, username, password } = request.body;
      const problem = usernameProblem(username) ?? passwordProblem(password);
      if (problem) {
        reply.code(400);
        return { error: problem };
      }
      if (!link?.claim(token, Date.now())) {
        await audit(daemon, request, 'setup.refused', username, {}, { actor: username, via: 'session' });
        reply.code(403);
        return { error: 'the setup token is wrong, used or expired: restart the daemon for a new link' };
      }
      const created = await addUser(daemon.store, { username, role: 'admin', password }, Date.now());
      if (typeof created === 'string') {
        reply.code(400);
        return { error: created };
      }
      await audit(daemon, request, 'setup.first_admin', username, {}, { actor: username, via: 'session' });
      daemon.log.warn(`first admin "${username}" created through the setup link`);
      const { secret, session } = await startSession(daemon.store, username, Date.now());
      setSessionCookie(daemon, request, reply, secret);
      reply.code(201);
      return { username, role: created.role, csrfToken: session.csrfToken };
    },
  );
}

function setSessionCookie(
  daemon: Daemon,
  request: FastifyRequest,
  reply: FastifyReply,
  secret: string,
): void {
  const secure =
    request.protocol === 'https' || (daemon.engine.currentModel.settings.api?.secureCookies ?? false);
  reply.setCookie(SESSION_COOKIE, secret, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure,
    maxAge: SESSION_MAX_MS / 1000,
  });
}
