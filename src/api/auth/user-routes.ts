import type { FastifyInstance } from 'fastify';
import type { Role } from '../access.ts';
import type { Daemon } from '../daemon.ts';
import { addUser, changeUser, describeUser, removeUser } from './accounts.ts';
import { audit } from './audit.ts';
import { MAX_PASSWORD_LENGTH } from './passwords.ts';
import { ROLES } from './roles.ts';

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
  properties: { role, password, disabled: { type: 'boolean' } },
} as const;

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

  app.patch<{ Params: { username: string }; Body: { role?: Role; password?: string; disabled?: boolean } }>(
    '/api/v1/users/:username',
    { config: admin, schema: { params: usernameParams, body: changeBody } },
    async (request, reply) => {
      const { username } = request.params;
      const changed = await changeUser(daemon.store, username, request.body);
      if (typeof changed === 'string') {
        reply.code(changed.startsWith('no user') ? 404 : changed.includes('last enabled admin') ? 409 : 400);
        return { error: changed };
      }
      const { password: newPassword, ...rest } = request.body;
      await audit(daemon, request, 'user.change', username, {
        ...rest,
        ...(newPassword !== undefined ? { password: 'changed' } : {}),
      });
      return { user: describeUser(changed) };
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
