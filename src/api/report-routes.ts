import type { FastifyInstance } from 'fastify';
import { loadNoiseReport, noiseReportOptions } from '../alerting/noise-report-loader.ts';
import type { Daemon } from './daemon.ts';

// Reports over the stored history, the same JSON as `vigil report ... --json`.

const text = { type: 'string' } as const;

interface NoiseQuery {
  since?: string;
  until?: string;
  business_hours?: string;
}

export function registerReportRoutes(app: FastifyInstance, daemon: Daemon): void {
  app.get<{ Querystring: NoiseQuery }>(
    '/api/v1/reports/noise',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { since: text, until: text, business_hours: text },
        },
      },
    },
    async (request, reply) => {
      const model = daemon.engine.currentModel;
      const { since, until, business_hours } = request.query;
      const options = noiseReportOptions(
        model,
        {
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
          ...(business_hours !== undefined ? { businessHours: business_hours } : {}),
        },
        Date.now(),
        Intl.DateTimeFormat().resolvedOptions().timeZone,
      );
      if (typeof options === 'string') {
        reply.code(400);
        return { error: options };
      }
      return loadNoiseReport(daemon.store, model, options);
    },
  );
}
