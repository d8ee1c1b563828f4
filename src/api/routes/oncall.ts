import type { FastifyInstance } from 'fastify';
import { upcoming } from '../../model/oncall.ts';
import type { Daemon } from '../daemon.ts';
import { errorResponse, parseTime, timeParameter } from './common.ts';

const shiftSchema = {
  type: 'object',
  properties: {
    person: { type: ['string', 'null'], description: 'null: nobody is on call.' },
    layer: { type: ['string', 'null'] },
    start: { type: 'string' },
    end: { type: ['string', 'null'], description: 'null: no change ahead.' },
  },
} as const;

/** Who is on call now and who comes next, per schedule (`vigil oncall`). */
export function registerOncallRoutes(app: FastifyInstance, daemon: Daemon): void {
  app.get<{ Querystring: { schedule?: string; at?: string } }>(
    '/api/v1/oncall',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['notifications'],
        summary: 'Who is on call',
        description: 'For each schedule: the person on call now (or at `at`) and the next one.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            schedule: { type: 'string', maxLength: 200, description: 'Only this schedule.' },
            at: { ...timeParameter, description: `Instead of now. ${timeParameter.description}` },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              schedules: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    schedule: { type: 'string' },
                    timeZone: { type: 'string' },
                    now: shiftSchema,
                    next: { anyOf: [shiftSchema, { type: 'null' }] },
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
      const model = daemon.engine.currentModel;
      const at = parseTime(request.query.at, 'at') ?? Date.now();
      let schedules = [...model.schedules.values()];
      if (request.query.schedule !== undefined) {
        schedules = schedules.filter((s) => s.name === request.query.schedule);
        if (schedules.length === 0) {
          reply.code(404);
          return { error: `no schedule "${request.query.schedule}"` };
        }
      }
      const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
      return {
        schedules: schedules.map((schedule) => {
          const shifts = upcoming(schedule, at, 2).map((s) => ({
            person: s.person,
            layer: s.layer,
            start: new Date(s.start).toISOString(),
            end: iso(s.end),
          }));
          return {
            schedule: schedule.name,
            timeZone: schedule.timeZone,
            now: shifts[0],
            next: shifts[1] ?? null,
          };
        }),
      };
    },
  );
}
