import type { FastifyInstance } from 'fastify';
import type { Role } from '../access.ts';
import type { Daemon } from '../daemon.ts';
import { addUser, changeUser, describeUser, removeUser } from './accounts.ts';
import { audit } from './audit.ts';
import { MAX_PASSWORD_LENGTH } from './passwords.ts';
import { ROLES } from './roles.ts';
import { sha256Hex } from './secrets.ts';
import { SESSION_COOKIE } from './sessions.ts';

// Managing users: admins only. Passwords never appear in answers or in the audit log.

const role = { type: 'string', enum: [...ROLES] } as const;
const password = { type: 'string', minLength: 1, maxLength: MAX_PASSWORD_LENGTH } as const;
const usernameParams = {
  type: 'object',
  properties: { username: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

const newUserBody = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password', 'role'],
  properties: { username: { type: 'string', minLength: 1, maxLength: 64 }, password, role },
} as const;

const changeBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { role, password, disabled: { type: 'boolean' }, revoke_tokens: { type: 'boolean' } },
} as const;

interface ChangeBody {
  role?: Role;
  password?: string;
  disabled?: boolean;
  /** With a new password: revoke the user's API tokens too. */
  revoke_tokens?: boolean;
}

export function registerUserRoutes(app: FastifyInstance, daemon: Daemon): void {
  const admin = { access: 'admin' } as const;

  app.get('/api/v1/users', { config: admin }, async () => ({
    users: (await daemon.store.auth.users.list()).map(describeUser),
  }));

  app.post<{ Body: { username: string; password: string; role: Role } }>(
    '/api/v1/users',
    { config: admin, schema: { body: newUserBody } },
    async (request, reply) => {
      const { username, role } = request.body;
      const created = await addUser(daemon.store, request.body, Date.now());
      if (typeof created === 'string') {
        reply.code(created.includes('already exists') ? 409 : 400);
        return { error: created };
      }
      await audit(daemon, request, 'user.add', username, { role });
      reply.code(201);
      return { user: describeUser(created) };
    },
  );

  app.patch<{ Params: { username: string }; Body: ChangeBody }>(
    '/api/v1/users/:username',
    { config: admin, schema: { params: usernameParams, body: changeBody } },
    async (request, reply) => {
      const { username } = request.params;
      const { password: newPassword, revoke_tokens: revokeTokens, ...rest } = request.body;
      // Admins changing their own password stay signed in here; their other sessions end.
      const own = request.principal?.via === 'session' && request.principal.username === username;
      const secret = request.cookies[SESSION_COOKIE];
      const changed = await changeUser(
        daemon.store,
        username,
        { ...rest, ...(newPassword !== undefined ? { password: newPassword } : {}), revokeTokens },
        own && secret ? { keepSessionId: sha256Hex(secret) } : {},
      );
      if (typeof changed === 'string') {
        reply.code(changed.startsWith('no user') ? 404 : changed.includes('last enabled admin') ? 409 : 400);
        return { error: changed };
      }
      await audit(daemon, request, 'user.change', username, {
        ...rest,
        ...(newPassword !== undefined
          ? {
              password: 'changed',
              sessionsEnded: changed.sessionsEnded,
              tokensRevoked: changed.tokensRevoked,
            }
          : {}),
      });
      return {
        user: describeUser(changed.user),
        sessionsEnded: changed.sessionsEnded,
        tokensRevoked: changed.tokensRevoked,
      };
    },
  );

  app.delete<{ Params: { username: string } }>(
    '/api/v1/users/:username',
    { config: admin, schema: { params: usernameParams } },
    async (request, reply) => {
      const { username } = request.params;
      const removed = await removeUser(daemon.store, username);
      if (removed !== true) {
        reply.code(removed.startsWith('no user') ? 404 : 409);
        return { error: removed };
      }
      await audit(daemon, request, 'user.remove', username);
      return { removed: username };
    },
  );
}
