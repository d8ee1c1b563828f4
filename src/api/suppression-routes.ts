import type { FastifyInstance } from 'fastify';
import { intervalAt, nextChangeOf } from '../alerting/downtime.ts';
import { acknowledgementFromRequest, downtimeFromRequest } from '../alerting/operator-requests.ts';
import { audit, authorOf } from './auth/index.ts';
import type { Daemon } from './daemon.ts';

// Acknowledgements and downtime over HTTP. Writes go to the store (as the CLI's do), then the
// daemon reads them back at once, so the acknowledgement notification or the downtime-start
// note is queued before the answer. Changes need the operator role; the author is the
// signed-in user (a body `author` counts only for the local CLI's token), and each is audited.

const text = { type: 'string' } as const;
const name = { type: 'string', minLength: 1 } as const;

const ackBody = {
  type: 'object',
  additionalProperties: false,
  required: ['object', 'comment'],
  properties: { object: name, comment: text, author: name, sticky: { type: 'boolean' }, expire: name },
} as const;

const unackBody = {
  type: 'object',
  additionalProperties: false,
  required: ['object'],
  properties: { object: name, author: name },
} as const;

const downtimeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['target', 'comment'],
  properties: {
    target: name,
    for: name,
    from: name,
    until: name,
    flexible: name,
    every: name,
    time_zone: name,
    services: { type: 'boolean' },
    children: { type: 'boolean' },
    author: name,
    comment: text,
  },
} as const;

interface AckBody {
  object: string;
  comment: string;
  author?: string;
  sticky?: boolean;
  expire?: string;
}

interface DowntimeBody {
  target: string;
  for?: string;
  from?: string;
  until?: string;
  flexible?: string;
  every?: string;
  time_zone?: string;
  services?: boolean;
  children?: boolean;
  author?: string;
  comment: string;
}

export function registerSuppressionRoutes(app: FastifyInstance, daemon: Daemon): void {
  const operator = { access: 'operator' } as const;
  app.post<{ Body: AckBody }>(
    '/api/v1/acknowledgements',
    { config: operator, schema: { body: ackBody } },
    async (request, reply) => {
      const now = Date.now();
      const body = { ...request.body, author: authorOf(request, request.body.author) };
      const ack = acknowledgementFromRequest(
        daemon.engine.currentModel,
        daemon.engine.stateOf(body.object),
        body,
        now,
      );
      if (typeof ack === 'string') {
        reply.code(400);
        return { error: ack };
      }
      const saved = await daemon.store.acknowledgements.add(ack);
      await daemon.suppressions.refresh();
      await audit(daemon, request, 'acknowledgement.add', saved.objectId, {
        comment: saved.comment,
        sticky: saved.sticky,
        expiresAt: saved.expiresAt,
      });
      reply.code(201);
      return { acknowledgement: saved };
    },
  );

  app.delete<{ Body: { object: string; author?: string } }>(
    '/api/v1/acknowledgements',
    { config: operator, schema: { body: unackBody } },
    async (request, reply) => {
      const { object } = request.body;
      const author = authorOf(request, request.body.author);
      const removed = await daemon.store.acknowledgements.remove(
        object,
        Date.now(),
        author ? `removed by ${author}` : 'removed',
      );
      if (removed === 0) {
        reply.code(404);
        return { error: `${object} is not acknowledged` };
      }
      await daemon.suppressions.refresh();
      await audit(daemon, request, 'acknowledgement.remove', object);
      return { removed: object };
    },
  );

  app.get<{ Querystring: { all?: boolean } }>(
    '/api/v1/downtimes',
    { schema: { querystring: { type: 'object', properties: { all: { type: 'boolean' } } } } },
    async (request) => {
      const now = Date.now();
      const windows = request.query.all
        ? await daemon.store.downtimes.all()
        : await daemon.store.downtimes.current();
      return {
        downtimes: windows.map((w) => ({
          ...w,
          inForce: intervalAt(w, now) ?? null,
          nextChange: nextChangeOf(w, now) ?? null,
        })),
      };
    },
  );

  app.post<{ Body: DowntimeBody }>(
    '/api/v1/downtimes',
    { config: operator, schema: { body: downtimeBody } },
    async (request, reply) => {
      const { time_zone, ...rest } = request.body;
      const downtime = downtimeFromRequest(
        daemon.engine.currentModel,
        {
          ...rest,
          author: authorOf(request, rest.author),
          ...(time_zone !== undefined ? { timeZone: time_zone } : {}),
        },
        Date.now(),
      );
      if (typeof downtime === 'string') {
        reply.code(400);
        return { error: downtime };
      }
      const saved = await daemon.store.downtimes.add(downtime);
      await daemon.suppressions.refresh();
      await audit(daemon, request, 'downtime.add', String(saved.id), {
        target: `${saved.target.kind}:${saved.target.name}`,
        startAt: saved.startAt,
        endAt: saved.endAt,
        comment: saved.comment,
      });
      reply.code(201);
      return { downtime: saved };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/downtimes/:id',
    {
      config: operator,
      schema: {
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[1-9][0-9]*$' } } },
      },
    },
    async (request, reply) => {
      const id = Number(request.params.id);
      if (!(await daemon.store.downtimes.cancel(id, Date.now()))) {
        const exists = await daemon.store.downtimes.get(id);
        reply.code(exists ? 409 : 404);
        return { error: exists ? `downtime ${id} was already cancelled` : `no downtime ${id}` };
      }
      await daemon.suppressions.refresh();
      await audit(daemon, request, 'downtime.cancel', String(id));
      return { cancelled: id };
    },
  );
}
