import type { FastifyInstance } from 'fastify';
import { availabilityOptions, loadAvailabilityReport } from '../availability/report-loader.ts';
import type { Daemon } from './daemon.ts';

// The availability report over HTTP: the same options and the same JSON as
// `vigil report availability --format json`.

const text = { type: 'string', maxLength: 200 } as const;

interface AvailabilityQuery {
  since?: string;
  until?: string;
  period?: 'day' | 'week' | 'month' | 'quarter' | 'year';
  component?: string;
  service?: string;
  host?: string;
  time_zone?: string;
  target?: number;
}

export function registerAvailabilityRoutes(app: FastifyInstance, daemon: Daemon): void {
  app.get<{ Querystring: AvailabilityQuery }>(
    '/api/v1/reports/availability',
    {
      config: { access: 'viewer' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            since: text,
            until: text,
            period: { type: 'string', enum: ['day', 'week', 'month', 'quarter', 'year'] },
            component: text,
            service: { type: 'string', maxLength: 500 },
            host: text,
            time_zone: text,
            target: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 100 },
          },
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const options = availabilityOptions(
        daemon.engine.currentModel,
        {
          ...(q.since !== undefined ? { since: q.since } : {}),
          ...(q.until !== undefined ? { until: q.until } : {}),
          ...(q.period !== undefined ? { period: q.period } : {}),
          ...(q.component !== undefined ? { component: q.component } : {}),
          ...(q.service !== undefined ? { service: q.service } : {}),
          ...(q.host !== undefined ? { host: q.host } : {}),
          ...(q.time_zone !== undefined ? { timeZone: q.time_zone } : {}),
          ...(q.target !== undefined ? { target: String(q.target) } : {}),
        },
        Date.now(),
        Intl.DateTimeFormat().resolvedOptions().timeZone,
      );
      if (typeof options === 'string') {
        reply.code(400);
        return { error: options };
      }
      return loadAvailabilityReport(daemon.store, options);
    },
  );
}
