import type { FastifyInstance } from 'fastify';
import {
  answerCapacity,
  DEFAULT_MIN_SAMPLES,
  DEFAULT_WINDOW_MS,
  parseLimitSetting,
  parseWindow,
} from '../forecast/capacity.ts';
import { capacityJson } from '../forecast/capacity-json.ts';
import { readStoredSeries } from '../forecast/stored-series.ts';
import type { Daemon } from './daemon.ts';
import { BadQuery } from './pagination.ts';
import { errorResponse } from './routes/common.ts';

// The capacity forecast of one perfdata label: the fit, the projected date and the points
// a chart needs (the samples and the trend line to the crossing). The same JSON as
// `vigil report forecast --format json`.

interface ForecastQuery {
  object: string;
  label: string;
  limit?: string;
  direction: 'up' | 'down';
  window?: string;
  min_samples: number;
}

const point = {
  type: 'object',
  required: ['at', 'value'],
  properties: { at: { type: 'string', description: 'ISO 8601.' }, value: { type: 'number' } },
} as const;

const nullableNumber = { type: ['number', 'null'] } as const;

export const forecastResponse = {
  type: 'object',
  required: ['object', 'label', 'verdict', 'summary'],
  properties: {
    object: { type: 'string' },
    label: { type: 'string' },
    unit: { type: 'string' },
    direction: { type: 'string', enum: ['up', 'down'] },
    limit: { type: 'number', description: 'The ceiling (direction up) or floor (down) in the unit.' },
    window_days: { type: 'number' },
    verdict: {
      type: 'string',
      enum: ['crossing', 'reached', 'not-growing', 'not-enough-data'],
      description: 'crossing: the trend reaches the limit at `crossing_at`; reached: it is past it now.',
    },
    summary: { type: 'string', description: 'One sentence, as the forecast check words it.' },
    reason: {
      type: ['string', 'null'],
      description: 'Why there is no crossing (not-growing, not-enough-data).',
    },
    crossing_at: { type: ['string', 'null'], description: 'ISO 8601.' },
    days_left: nullableNumber,
    slope_per_day: nullableNumber,
    value_now: { ...nullableNumber, description: "The trend's value now." },
    r_squared: { ...nullableNumber, description: 'How well the line fits, 0..1.' },
    residual_spread: { ...nullableNumber, description: 'Typical distance of a sample from the line.' },
    samples: { type: 'integer' },
    points: { type: 'array', items: point, description: 'The samples fitted (at most 500, averaged).' },
    projection: { type: 'array', items: point, description: 'The trend line: first sample, now, crossing.' },
  },
} as const;

export function registerForecastRoutes(app: FastifyInstance, daemon: Daemon): void {
  app.get<{ Querystring: ForecastQuery }>(
    '/api/v1/forecast',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['history'],
        summary: 'Capacity forecast',
        description:
          'When one perfdata label of an object reaches a limit, from its stored trend (see docs/checks/forecast.md).',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['object', 'label'],
          properties: {
            object: { type: 'string', minLength: 1, maxLength: 500, description: 'HOST/SERVICE.' },
            label: { type: 'string', minLength: 1, maxLength: 200, description: 'The perfdata label.' },
            limit: {
              type: 'string',
              maxLength: 40,
              description: 'A number, or max (the declared maximum). Default: max going up, 0 going down.',
            },
            direction: { type: 'string', enum: ['up', 'down'], default: 'up' },
            window: {
              type: 'string',
              maxLength: 20,
              description: 'How far back to fit, e.g. 30d (default).',
            },
            min_samples: { type: 'integer', minimum: 2, maximum: 100_000, default: DEFAULT_MIN_SAMPLES },
          },
        },
        response: { 200: forecastResponse, 400: errorResponse, 404: errorResponse, 422: errorResponse },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const limit = q.limit === undefined || q.limit === '' ? undefined : parseLimitSetting(q.limit);
      if (typeof limit === 'object') throw new BadQuery(limit.problem);
      const windowMs = q.window === undefined || q.window === '' ? DEFAULT_WINDOW_MS : parseWindow(q.window);
      if (typeof windowMs === 'object') throw new BadQuery(windowMs.problem);
      const now = Date.now();
      const series = await readStoredSeries(daemon.store, q.object, q.label, now - windowMs, now);
      if (series.samples.length === 0) {
        reply.code(404);
        const known = series.labels.length > 0 ? `it has ${series.labels.join(', ')}` : 'it has none';
        return { error: `no perfdata "${q.label}" stored for ${q.object} in the window (${known})` };
      }
      const answer = answerCapacity(
        series,
        {
          ...(limit !== undefined ? { limit } : {}),
          direction: q.direction,
          windowMs,
          minSamples: q.min_samples,
          what: `${q.object} ${q.label}`,
        },
        now,
      );
      if ('problem' in answer) {
        reply.code(422);
        return { error: answer.problem };
      }
      return capacityJson(answer, series, {
        object: q.object,
        label: q.label,
        direction: q.direction,
        windowMs,
      });
    },
  );
}
