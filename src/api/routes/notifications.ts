import type { FastifyInstance } from 'fastify';
import type { Daemon } from '../daemon.ts';
import { BadQuery, decodeCursor, encodeCursor } from '../pagination.ts';
import { errorResponse, pageQueryProperties, pageResponse, parseTime, timeParameter } from './common.ts';

interface NotificationsQuery {
  receiver?: string;
  status?: 'pending' | 'delivered' | 'failed';
  since?: string;
  limit: number;
  cursor?: string;
}

const entrySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    receiver: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer' },
    lastError: { type: 'string' },
    createdAt: { type: 'string' },
    deliveredAt: { type: ['string', 'null'] },
    nextAttemptAt: { type: ['string', 'null'], description: 'When a pending entry is tried next.' },
    notification: { type: 'object', additionalProperties: true, description: 'What is (or was) sent.' },
  },
} as const;

/** The delivery queue: notifications newest first, with their delivery status. */
export function registerNotificationRoutes(app: FastifyInstance, daemon: Daemon): void {
  const { limit, cursor } = pageQueryProperties([]);
  app.get<{ Querystring: NotificationsQuery }>(
    '/api/v1/notifications',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['notifications'],
        summary: 'Notifications and their delivery',
        description: 'Queued, delivered and failed notifications, newest first (`vigil notifications`).',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            receiver: { type: 'string', maxLength: 200, description: 'Only this receiver.' },
            status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
            since: {
              ...timeParameter,
              description: `Queued at or after this time. ${timeParameter.description}`,
            },
            limit,
            cursor,
          },
        },
        response: { 200: pageResponse(entrySchema, 'A page of notifications.'), 400: errorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const since = parseTime(q.since, 'since');
      let beforeSeq: number | undefined;
      if (q.cursor !== undefined) {
        const after = decodeCursor(q.cursor) as { seq?: unknown } | null;
        if (typeof after?.seq !== 'number') throw new BadQuery('cursor is not one this endpoint handed out');
        beforeSeq = after.seq;
      }
      const entries = await daemon.store.outbox.list({
        ...(q.status ? { status: q.status } : {}),
        ...(q.receiver !== undefined ? { receiver: q.receiver } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(beforeSeq !== undefined ? { beforeSeq } : {}),
        limit: q.limit + 1,
      });
      const page = entries.slice(0, q.limit);
      const last = page[page.length - 1];
      const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
      return {
        items: page.map((entry) => ({
          id: entry.id,
          receiver: entry.receiver,
          status: entry.status,
          attempts: entry.attempts,
          lastError: entry.lastError,
          createdAt: new Date(entry.createdAt).toISOString(),
          deliveredAt: iso(entry.deliveredAt),
          nextAttemptAt: entry.status === 'pending' ? iso(entry.nextAttemptAt) : null,
          notification: entry.payload,
        })),
        next_cursor: entries.length > q.limit && last ? encodeCursor({ seq: last.seq }) : null,
      };
    },
  );
}
