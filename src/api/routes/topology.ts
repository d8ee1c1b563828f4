import type { FastifyInstance } from 'fastify';
import { graphOf } from '../../topology/from-model.ts';
import { impactOf } from '../../topology/impact.ts';
import type { Daemon } from '../daemon.ts';
import { errorResponse, locationSchema } from './common.ts';
import { byCodeUnits } from './object-views.ts';

/** Most hosts `locate` answers with for a partial name. */
const LOCATE_LIMIT = 50;

const objectList = { type: 'array', items: { type: 'string' } } as const;

/** Where machines are (`vigil locate`) and what a failure would take down (`vigil impact`). */
export function registerTopologyRoutes(app: FastifyInstance, daemon: Daemon): void {
  app.get<{ Querystring: { q: string } }>(
    '/api/v1/locate',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['topology'],
        summary: 'Where a machine is',
        description:
          'Room, cabinet, rack unit and out-of-band address of the host named `q`, or of hosts whose ' +
          `name or address contains it (at most ${LOCATE_LIMIT}), exact match first.`,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['q'],
          properties: {
            q: { type: 'string', minLength: 1, maxLength: 200, description: 'Host name or part of it.' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              hosts: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    host: { type: 'string' },
                    address: { type: 'string' },
                    location: locationSchema,
                  },
                },
              },
            },
          },
          400: errorResponse,
        },
      },
    },
    async (request) => {
      const model = daemon.engine.currentModel;
      const q = request.query.q;
      const needle = q.toLowerCase();
      const exact = model.hosts.get(q);
      const found = exact ? [exact] : [];
      for (const host of model.hosts.values()) {
        if (found.length >= LOCATE_LIMIT) break;
        if (host === exact) continue;
        if (host.name.toLowerCase().includes(needle) || host.address.toLowerCase().includes(needle))
          found.push(host);
      }
      return {
        hosts: found.map((host) => ({ host: host.name, address: host.address, location: host.location })),
      };
    },
  );

  app.get<{ Querystring: { object: string } }>(
    '/api/v1/impact',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['topology'],
        summary: 'What a failure would affect',
        description:
          'If these objects failed while everything else is fine: the hosts that become unreachable, the ' +
          'services affected, and what loses redundancy. From the configuration alone.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['object'],
          properties: {
            object: {
              type: 'string',
              minLength: 1,
              maxLength: 5000,
              description: 'Host name or host/service; several separated by commas.',
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              failed: objectList,
              unreachableHosts: objectList,
              affectedServices: objectList,
              degraded: objectList,
            },
          },
          404: errorResponse,
          400: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const model = daemon.engine.currentModel;
      const graph = graphOf(model);
      const objects = request.query.object
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      const failed: number[] = [];
      for (const id of objects) {
        const index = graph.index.get(id);
        if (index === undefined) {
          reply.code(404);
          return { error: `object "${id}" is not a configured host or service` };
        }
        failed.push(index);
      }
      const impact = impactOf(graph, failed);
      const names = (indexes: number[]) => indexes.map((i) => graph.ids[i] as string).sort(byCodeUnits);
      const failing = names(impact.failing);
      return {
        failed: objects,
        unreachableHosts: failing.filter((id) => model.hosts.has(id)),
        affectedServices: failing.filter((id) => model.services.has(id)),
        degraded: names(impact.degraded),
      };
    },
  );
}
