import type { FastifyInstance } from 'fastify';
import { stillAuthorized } from '../auth/index.ts';
import type { Daemon } from '../daemon.ts';
import { LIVE_EVENT_TYPES, type LiveEvent, type LiveEventType } from '../events.ts';
import { BadQuery } from '../pagination.ts';
import { listParameter } from './common.ts';

// The live event stream as Server-Sent Events. Each client has its own subscription; a
// client that stops reading is disconnected once its unsent backlog passes a limit, so a
// stalled browser tab cannot make the daemon's memory grow.

export interface EventStreamOptions {
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs?: number;
  /** Unsent bytes one client may hold before it is disconnected. */
  maxBacklogBytes?: number;
}

const HEARTBEAT_MS = 15_000;
const MAX_BACKLOG_BYTES = 1024 * 1024;
/** What browsers wait before reconnecting. */
const RETRY_MS = 3_000;

/** Open streams, for the metrics and for ending them when the API closes. */
export class EventStreams {
  readonly open = new Set<() => void>();
  disconnectedSlow = 0;

  get count(): number {
    return this.open.size;
  }

  endAll(): void {
    for (const end of [...this.open]) end();
  }
}

export function registerEventRoutes(
  app: FastifyInstance,
  daemon: Daemon,
  streams: EventStreams,
  options: EventStreamOptions = {},
): void {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const maxBacklog = options.maxBacklogBytes ?? MAX_BACKLOG_BYTES;
  app.addHook('preClose', async () => streams.endAll());

  app.get<{ Querystring: { types?: string } }>(
    '/api/v1/events',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['events'],
        summary: 'Live events (Server-Sent Events)',
        description:
          'A text/event-stream of `state` (every committed soft or hard state change), `problem` (root-cause ' +
          'problem opened or resolved, with what it explains), `acknowledgement` and `downtime` events. Each ' +
          `has an increasing \`id:\`; a comment line comes every ${HEARTBEAT_MS / 1000} s. A client that falls ` +
          `more than ${MAX_BACKLOG_BYTES / 1024} KiB behind is disconnected and should reconnect.`,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            types: {
              type: 'string',
              maxLength: 200,
              description: `Comma-separated event types to receive (default all): ${LIVE_EVENT_TYPES.join(', ')}.`,
            },
          },
        },
        response: {
          200: {
            description: 'The event stream.',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
        },
      },
    },
    (request, reply) => {
      const asked = listParameter(request.query.types);
      for (const type of asked ?? [])
        if (!LIVE_EVENT_TYPES.includes(type as LiveEventType))
          throw new BadQuery(
            `types: "${type}" is not an event type (one of: ${LIVE_EVENT_TYPES.join(', ')})`,
          );
      const types = (asked ?? LIVE_EVENT_TYPES) as LiveEventType[];

      reply.hijack();
      const response = reply.raw;
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Tells nginx not to buffer the stream.
        'x-accel-buffering': 'no',
      });
      let ended = false;
      let unsubscribe: (() => void) | undefined;
      let offClose: (() => void) | undefined;
      let heartbeat: NodeJS.Timeout | undefined;
      const end = () => {
        if (ended) return;
        ended = true;
        unsubscribe?.();
        offClose?.();
        clearInterval(heartbeat);
        streams.open.delete(end);
        response.end();
      };
      const send = (chunk: string) => {
        if (ended) return;
        if (response.writableLength > maxBacklog) {
          streams.disconnectedSlow += 1;
          daemon.log.warn(
            { backlogBytes: response.writableLength, remote: request.ip },
            'event stream client too slow; disconnected',
          );
          end();
          response.destroy();
          return;
        }
        response.write(chunk);
      };
      response.write(`retry: ${RETRY_MS}\n: connected, last event id ${daemon.events.lastId}\n\n`);
      streams.open.add(end);
      response.on('close', end);
      heartbeat = setInterval(() => {
        send(': heartbeat\n\n');
        // Authorised once at the start is not enough for a stream that stays open for days:
        // a revoked token, a sign-out or a disabled account ends it at the next heartbeat.
        void stillAuthorized(request).then((authorized) => authorized || end());
      }, heartbeatMs);
      heartbeat.unref();
      unsubscribe = daemon.events.subscribe(
        (event: LiveEvent) =>
          send(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`),
        types,
      );
      // Last: on a bus already closed (the daemon stopping) this ends the stream at once.
      offClose = daemon.events.onClose(end);
    },
  );
}
