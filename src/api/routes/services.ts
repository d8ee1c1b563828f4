import type { FastifyInstance } from 'fastify';
import type { Daemon } from '../daemon.ts';
import type { LiveState } from '../live-state.ts';
import { BadQuery, pageOf, parseSort } from '../pagination.ts';
import {
  errorResponse,
  listParameter,
  type PageQuery,
  pageQueryProperties,
  pageResponse,
  stateRowSchema,
} from './common.ts';
import { checkStates, detailProperties, sortKeyOf } from './hosts.ts';
import { modelIndex, objectDetail, serviceItem } from './object-views.ts';

const SORT_FIELDS = ['name', 'host', 'state', 'since', 'last_check'] as const;
const SERVICE_STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN', 'PENDING'] as const;

const serviceItemSchema = {
  ...stateRowSchema,
  properties: {
    ...stateRowSchema.properties,
    displayName: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
  },
} as const;

const text = (description: string) => ({ type: 'string', maxLength: 500, description }) as const;

interface ServiceQuery extends PageQuery {
  host?: string;
  state?: string;
  tag?: string;
  name?: string;
  problem?: boolean;
}

export function registerServiceRoutes(app: FastifyInstance, daemon: Daemon, live: LiveState): void {
  app.get<{ Querystring: ServiceQuery }>(
    '/api/v1/services',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['services'],
        summary: 'List services',
        description: 'Services with their current state, filtered and sorted, one page at a time.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...pageQueryProperties(SORT_FIELDS),
            host: text('Services of this host.'),
            state: text(`Comma-separated states: ${SERVICE_STATES.join(', ')}.`),
            tag: text('Services with this tag.'),
            name: text('Services whose host/service id contains this text (any case).'),
            problem: { type: 'boolean', description: 'Only services not OK (soft or hard).' },
          },
        },
        response: { 200: pageResponse(serviceItemSchema, 'A page of services.'), 400: errorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const order = parseSort(q.sort, SORT_FIELDS, 'name');
      const states = listParameter(q.state)?.map((s) => s.toUpperCase());
      checkStates(states, SERVICE_STATES, 'state');
      const model = daemon.engine.currentModel;
      const index = modelIndex(model);
      if (q.host !== undefined && !model.hosts.has(q.host))
        throw new BadQuery(`host "${q.host}" is not configured`);
      // Start from the smallest set that can hold the answer: one host's services, or the failing ones.
      let candidates: readonly string[] = index.serviceIds;
      let presorted = true;
      if (q.host !== undefined) {
        candidates = index.servicesByHost.get(q.host) ?? [];
      } else if (q.problem || (states && !states.includes('OK') && !states.includes('PENDING'))) {
        candidates = [...live.failingObjects()].filter((id) => model.services.has(id));
        presorted = false;
      }
      const needle = q.name?.toLowerCase();
      const matching = [];
      for (const id of candidates) {
        const service = model.services.get(id);
        if (!service) continue;
        if (q.tag !== undefined && !service.tags.includes(q.tag)) continue;
        if (needle !== undefined && !id.toLowerCase().includes(needle)) continue;
        const state = daemon.engine.stateOf(id);
        if (q.problem && (!state || state.state === 0)) continue;
        if (states && !states.includes(serviceItem(model, service, state).state)) continue;
        matching.push({ service, state });
      }
      const page = pageOf(
        matching,
        (m) => [
          order.field === 'name'
            ? m.service.id
            : order.field === 'host'
              ? m.service.host
              : sortKeyOf(order.field, m.state),
          m.service.id,
        ],
        order,
        q.cursor,
        q.limit,
        presorted && order.field === 'name',
      );
      return {
        items: page.items.map((m) => serviceItem(model, m.service, m.state)),
        next_cursor: page.next_cursor,
      };
    },
  );

  app.get<{ Params: { host: string; service: string } }>(
    '/api/v1/services/:host/:service',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['services'],
        summary: 'One service',
        description:
          'Current state, output and long output, last performance data, dependencies up and down, ' +
          'the host and its location, acknowledgement and downtime.',
        params: {
          type: 'object',
          required: ['host', 'service'],
          properties: {
            host: { type: 'string', minLength: 1, maxLength: 500 },
            service: { type: 'string', minLength: 1, maxLength: 500 },
          },
        },
        response: {
          200: { ...serviceItemSchema, properties: { ...serviceItemSchema.properties, ...detailProperties } },
          404: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const model = daemon.engine.currentModel;
      const id = `${request.params.host}/${request.params.service}`;
      const service = model.services.get(id);
      if (!service) {
        reply.code(404);
        return { error: `no service "${id}"` };
      }
      const host = model.hosts.get(service.host);
      return {
        ...serviceItem(model, service, daemon.engine.stateOf(id)),
        ...(await objectDetail(daemon, id, Date.now())),
        attachedTo: service.attachedTo ?? null,
        location: host?.location ?? {},
        address: host?.address ?? '',
      };
    },
  );
}
