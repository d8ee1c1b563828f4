import type { FastifyInstance } from 'fastify';
import { HOST_STATE_NAMES, SERVICE_STATE_NAMES } from '../../model/types.ts';
import type { Daemon } from '../daemon.ts';
import { BadQuery, decodeCursor, encodeCursor } from '../pagination.ts';
import { errorResponse, pageQueryProperties, pageResponse, parseTime, timeParameter } from './common.ts';

interface HistoryQuery {
  object: string;
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

interface HistoryCursor {
  /** Time of the last event handed out, and how many of the events at exactly that time were. */
  at: number;
  seen: number;
}

const eventSchema = {
  type: 'object',
  properties: {
    object: { type: 'string' },
    kind: {
      type: 'string',
      enum: ['soft-change', 'hard-change', 'recovery', 'flapping-start', 'flapping-stop'],
    },
    state: { type: 'string' },
    previousState: { type: 'string' },
    stateType: { type: 'string', enum: ['SOFT', 'HARD'] },
    attempt: { type: 'integer' },
    output: { type: 'string' },
    at: { type: 'string', description: 'ISO 8601.' },
  },
} as const;

/** State changes of a host (and its services) or a service, newest first. */
export function registerHistoryRoutes(app: FastifyInstance, daemon: Daemon): void {
  const { limit, cursor } = pageQueryProperties([]);
  app.get<{ Querystring: HistoryQuery }>(
    '/api/v1/history',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['history'],
        summary: 'State history',
        description:
          "State changes, newest first. For a host, its services' changes are included, as `vigil history` does.",
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['object'],
          properties: {
            object: {
              type: 'string',
              minLength: 1,
              maxLength: 500,
              description: 'Host name or host/service.',
            },
            since: timeParameter,
            until: timeParameter,
            limit,
            cursor,
          },
        },
        response: {
          200: pageResponse(eventSchema, 'A page of state changes.'),
          400: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const model = daemon.engine.currentModel;
      const isHost = model.hosts.has(q.object);
      if (!isHost && !model.services.has(q.object)) {
        reply.code(404);
        return { error: `object "${q.object}" is not a configured host or service` };
      }
      const since = parseTime(q.since, 'since');
      let until = parseTime(q.until, 'until');
      let skip = 0;
      if (q.cursor !== undefined) {
        const after = decodeCursor(q.cursor) as Partial<HistoryCursor> | null;
        if (typeof after?.at !== 'number' || typeof after.seen !== 'number' || after.seen < 0)
          throw new BadQuery('cursor is not one this endpoint handed out');
        // Events at the cursor's time come first in the next query; the ones already seen are skipped.
        until = Math.min(until ?? after.at, after.at);
        skip = after.seen;
      }
      const rows = await daemon.store.history({
        objectId: q.object,
        includeServices: isHost,
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        limit: skip + q.limit + 1,
      });
      const page = rows.slice(skip, skip + q.limit);
      const last = page[page.length - 1];
      let next: string | null = null;
      if (rows.length > skip + q.limit && last) {
        let seen = 0;
        for (const event of rows.slice(0, skip + q.limit)) if (event.at === last.at) seen += 1;
        next = encodeCursor({ at: last.at, seen } satisfies HistoryCursor);
      }
      const name = (id: string, state: number) =>
        (model.hosts.has(id) ? HOST_STATE_NAMES[state] : SERVICE_STATE_NAMES[state]) ?? String(state);
      return {
        items: page.map((event) => ({
          object: event.objectId,
          kind: event.kind,
          state: name(event.objectId, event.state),
          previousState: name(event.objectId, event.previousState),
          stateType: event.stateType,
          attempt: event.attempt,
          output: event.output,
          at: new Date(event.at).toISOString(),
        })),
        next_cursor: next,
      };
    },
  );
}
