import type { FastifyInstance } from 'fastify';
import { parseDuration } from '../../model/duration.ts';
import type { Daemon } from '../daemon.ts';

// Reading the audit log: admins only; newest first, a page at a time.

const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    actor: { type: 'string', minLength: 1 },
    action: { type: 'string', minLength: 1 },
    since: { type: 'string', minLength: 1 },
    limit: { type: 'integer', minimum: 1, maximum: 1000 },
    before: { type: 'integer', minimum: 1 },
  },
} as const;

interface AuditQuerystring {
  actor?: string;
  action?: string;
  since?: string;
  limit?: number;
  before?: number;
}

/** A time (ISO 8601) or a duration back from now ("7d"); undefined when neither. */
export function parseSince(text: string, now: number): number | undefined {
  const ago = parseDuration(text);
  if (ago !== undefined) return now - ago;
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
}

export function registerAuditRoutes(app: FastifyInstance, daemon: Daemon): void {
  app.get<{ Querystring: AuditQuerystring }>(
    '/api/v1/audit',
    { config: { access: 'admin' }, schema: { querystring: auditQuery } },
    async (request, reply) => {
      const { actor, action, since, before } = request.query;
      const limit = request.query.limit ?? 100;
      let sinceAt: number | undefined;
      if (since !== undefined) {
        sinceAt = parseSince(since, Date.now());
        if (sinceAt === undefined) {
          reply.code(400);
          return {
            error: `querystring.since "${since}" is neither a time (2026-03-01T09:00Z) nor a duration (7d)`,
          };
        }
      }
      const entries = await daemon.store.audit.list({
        limit,
        ...(actor !== undefined ? { actor } : {}),
        ...(action !== undefined ? { action } : {}),
        ...(sinceAt !== undefined ? { since: sinceAt } : {}),
        ...(before !== undefined ? { before } : {}),
      });
      // The cursor of the next page: pass it as `before`; null when this page is the last.
      const next = entries.length === limit ? (entries[entries.length - 1]?.id ?? null) : null;
      return { entries, next };
    },
  );
}
