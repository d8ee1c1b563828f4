import type { FastifyInstance } from 'fastify';
import type { Role } from '../access.ts';
import type { Daemon } from '../daemon.ts';
import { createToken, describeToken, tokenExpiry } from './accounts.ts';
import { audit } from './audit.ts';
import { ROLES, roleAllows } from './roles.ts';

// API tokens. Anyone signed in manages their own; an admin manages everyone's. A token's
// role never exceeds its user's (and is capped again at use if the user's role drops), nor
// the role of the credential that made it.

const newTokenBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    username: { type: 'string', minLength: 1, maxLength: 64 },
    role: { type: 'string', enum: [...ROLES] },
    expires: { type: 'string', minLength: 1, maxLength: 40 },
  },
} as const;

interface NewTokenBody {
  name: string;
  username?: string;
  role?: Role;
  /** A duration from now: "90d". */
  expires?: string;
}

export function registerTokenRoutes(app: FastifyInstance, daemon: Daemon): void {
  const signedIn = { access: 'viewer' } as const;

  app.get('/api/v1/tokens', { config: signedIn }, async (request) => {
    const principal = request.principal;
    const mine = principal?.role === 'admin' ? undefined : (principal?.username ?? '');
    return { tokens: (await daemon.store.auth.tokens.list(mine)).map(describeToken) };
  });

  app.post<{ Body: NewTokenBody }>(
    '/api/v1/tokens',
    { config: signedIn, schema: { body: newTokenBody } },
    async (request, reply) => {
      const principal = request.principal;
      const body = request.body;
      const username = body.username ?? principal?.username ?? '';
      if (principal?.role !== 'admin' && username !== principal?.username) {
        reply.code(403);
        return { error: 'only an admin makes tokens for another user' };
      }
      // A token never makes a stronger one: a viewer token of an admin makes viewer tokens.
      const ceiling = principal?.role ?? 'viewer';
      if (body.role !== undefined && !roleAllows(ceiling, body.role)) {
        reply.code(403);
        return {
          error: `body.role: this ${principal?.via ?? 'credential'} has the ${ceiling} role and cannot make a ${body.role} token`,
        };
      }
      let expiresAt: number | null = null;
      const now = Date.now();
      if (body.expires !== undefined) {
        const expiry = tokenExpiry(body.expires, now, 'body.expires');
        if (typeof expiry === 'string') {
          reply.code(400);
          return { error: expiry };
        }
        expiresAt = expiry;
      }
      const created = await createToken(
        daemon.store,
        { username, name: body.name, ...(body.role ? { role: body.role } : {}), ceiling, expiresAt },
        now,
      );
      if (typeof created === 'string') {
        reply.code(created.startsWith('no user') ? 404 : 400);
        return { error: created };
      }
      await audit(daemon, request, 'token.create', created.record.id, {
        name: created.record.name,
        username,
        role: created.record.role,
        expiresAt,
      });
      reply.code(201);
      return { token: created.token, ...describeToken(created.record) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/tokens/:id',
    {
      config: signedIn,
      schema: {
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9a-f]{12}$' } } },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const principal = request.principal;
      const token = await daemon.store.auth.tokens.get(id);
      // Someone else's token is "not found", not "forbidden": its existence is not theirs to learn.
      if (!token || (principal?.role !== 'admin' && token.username !== principal?.username)) {
        reply.code(404);
        return { error: `no token ${id}` };
      }
      if (!(await daemon.store.auth.tokens.revoke(id, Date.now()))) {
        reply.code(409);
        return { error: `token ${id} was already revoked` };
      }
      await audit(daemon, request, 'token.revoke', id, { name: token.name, username: token.username });
      return { revoked: id };
    },
  );
}
