import type { FastifyInstance } from 'fastify';
import type { Daemon } from '../daemon.ts';
import { BadQuery } from '../pagination.ts';
import { errorResponse, parseTime, timeParameter } from './common.ts';
import { seriesOf } from './perfdata-series.ts';

/** Most points per series in one answer: what a chart a screen wide can show. */
export const MAX_POINTS = 1000;
const DEFAULT_RANGE_MS = 24 * 3_600_000;

interface PerfdataQuery {
  object: string;
  since?: string;
  until?: string;
  label?: string;
}

const pointSchema = {
  type: 'object',
  properties: {
    at: { type: 'integer', description: 'Sample time, or bucket start (ms since the epoch).' },
    min: { type: 'number' },
    avg: { type: 'number' },
    max: { type: 'number' },
    count: { type: 'integer', description: 'Samples folded into this point.' },
  },
} as const;

export function registerPerfdataRoutes(app: FastifyInstance, daemon: Daemon): void {
  app.get<{ Querystring: PerfdataQuery }>(
    '/api/v1/perfdata',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['history'],
        summary: 'Performance data series',
        description:
          `One series per perfdata label, at most ${MAX_POINTS} points each: raw samples where they are ` +
          'still kept, hourly buckets beyond, folded into wider buckets when the range holds more.',
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
            since: {
              ...timeParameter,
              description: `${timeParameter.description} Default: a day before until.`,
            },
            until: { ...timeParameter, description: `${timeParameter.description} Default: now.` },
            label: { type: 'string', maxLength: 200, description: 'Only this perfdata label.' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              object: { type: 'string' },
              since: { type: 'integer' },
              until: { type: 'integer' },
              series: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    label: { type: 'string' },
                    unit: { type: 'string' },
                    step: {
                      type: 'integer',
                      description: 'Bucket width in ms; 0 for stored samples as they are.',
                    },
                    points: { type: 'array', items: pointSchema },
                  },
                },
              },
            },
          },
          400: errorResponse,
          404: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const model = daemon.engine.currentModel;
      if (!model.hosts.has(q.object) && !model.services.has(q.object)) {
        reply.code(404);
        return { error: `object "${q.object}" is not a configured host or service` };
      }
      const until = parseTime(q.until, 'until') ?? Date.now();
      const since = parseTime(q.since, 'since') ?? until - DEFAULT_RANGE_MS;
      if (since > until) throw new BadQuery(`since (${since}) is after until (${until})`);
      let samples = await daemon.store.perfdata(q.object, since, until);
      if (q.label !== undefined) samples = samples.filter((s) => s.label === q.label);
      return { object: q.object, since, until, series: seriesOf(samples, since, until, MAX_POINTS) };
    },
  );
}
