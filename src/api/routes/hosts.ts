import type { FastifyInstance } from 'fastify';
import type { ObjectState } from '../../model/types.ts';
import type { Daemon } from '../daemon.ts';
import type { LiveState } from '../live-state.ts';
import { BadQuery, pageOf, parseSort, type SortKey } from '../pagination.ts';
import {
  errorResponse,
  listParameter,
  locationSchema,
  type PageQuery,
  pageQueryProperties,
  pageResponse,
  stateRowSchema,
} from './common.ts';
import { hostItem, modelIndex, objectDetail, serviceItem } from './object-views.ts';

const SORT_FIELDS = ['name', 'state', 'since', 'last_check'] as const;
export const HOST_STATES = ['UP', 'DOWN', 'UNREACHABLE', 'PENDING'] as const;

const hostItemSchema = {
  ...stateRowSchema,
  properties: {
    ...stateRowSchema.properties,
    displayName: { type: 'string' },
    address: { type: 'string' },
    groups: { type: 'array', items: { type: 'string' } },
    tags: { type: 'array', items: { type: 'string' } },
    location: locationSchema,
  },
} as const;

const text = (description: string) => ({ type: 'string', maxLength: 200, description }) as const;

interface HostQuery extends PageQuery {
  state?: string;
  tag?: string;
  group?: string;
  site?: string;
  room?: string;
  cabinet?: string;
  name?: string;
}

/** Sort keys; PENDING sorts before every real state. */
export function sortKeyOf(field: string, state: ObjectState | undefined): SortKey {
  if (field === 'state') return state ? state.state : -1;
  if (field === 'since') return state?.lastStateChange ?? 0;
  if (field === 'last_check') return state?.lastCheck ?? 0;
  return 0;
}

export function checkStates(names: string[] | undefined, allowed: readonly string[], field: string): void {
  for (const name of names ?? [])
    if (!allowed.includes(name))
      throw new BadQuery(`${field} "${name}" is not a state (one of: ${allowed.join(', ')})`);
}

export function registerHostRoutes(app: FastifyInstance, daemon: Daemon, live: LiveState): void {
  app.get<{ Querystring: HostQuery }>(
    '/api/v1/hosts',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['hosts'],
        summary: 'List hosts',
        description: 'Hosts with their current state, filtered and sorted, one page at a time.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...pageQueryProperties(SORT_FIELDS),
            state: text(`Comma-separated states: ${HOST_STATES.join(', ')}.`),
            tag: text('Hosts with this tag.'),
            group: text('Members of this host group.'),
            site: text('Hosts at this site.'),
            room: text('Hosts in this room.'),
            cabinet: text('Hosts in this cabinet.'),
            name: text('Hosts whose name contains this text (any case).'),
          },
        },
        response: { 200: pageResponse(hostItemSchema, 'A page of hosts.'), 400: errorResponse },
      },
    },
    async (request) => {
      const q = request.query;
      const order = parseSort(q.sort, SORT_FIELDS, 'name');
      const states = listParameter(q.state)?.map((s) => s.toUpperCase());
      checkStates(states, HOST_STATES, 'state');
      const model = daemon.engine.currentModel;
      const group = q.group === undefined ? undefined : model.hostGroups.get(q.group);
      if (q.group !== undefined && !group) throw new BadQuery(`group "${q.group}" is not a host group`);
      // Start from the smallest set that can hold the answer.
      let candidates: readonly string[] = modelIndex(model).hostNames;
      let presorted = true;
      if (group) {
        candidates = group.members;
        presorted = false;
      } else if (states && !states.includes('UP') && !states.includes('PENDING')) {
        candidates = [...live.failingObjects()].filter((id) => model.hosts.has(id));
        presorted = false;
      }
      const needle = q.name?.toLowerCase();
      const matching = [];
      for (const name of candidates) {
        const host = model.hosts.get(name);
        if (!host) continue;
        if (q.tag !== undefined && !host.tags.includes(q.tag)) continue;
        if (q.site !== undefined && host.location.site !== q.site) continue;
        if (q.room !== undefined && host.location.room !== q.room) continue;
        if (q.cabinet !== undefined && host.location.cabinet !== q.cabinet) continue;
        if (needle !== undefined && !name.toLowerCase().includes(needle)) continue;
        const state = daemon.engine.stateOf(name);
        if (states) {
          const row = hostItem(model, host, state);
          if (!states.includes(row.state)) continue;
        }
        matching.push({ host, state });
      }
      const page = pageOf(
        matching,
        (m) => [order.field === 'name' ? m.host.id : sortKeyOf(order.field, m.state), m.host.id],
        order,
        q.cursor,
        q.limit,
        presorted && order.field === 'name',
      );
      return {
        items: page.items.map((m) => hostItem(model, m.host, m.state)),
        next_cursor: page.next_cursor,
      };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/hosts/:name',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['hosts'],
        summary: 'One host',
        description:
          'Current state, output and long output, last performance data, parents and children, ' +
          'dependencies up and down, location, services, acknowledgement and downtime.',
        params: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1, maxLength: 500 } },
          required: ['name'],
        },
        response: {
          200: {
            ...hostItemSchema,
            properties: { ...hostItemSchema.properties, ...detailProperties },
          },
          404: errorResponse,
        },
      },
    },
    async (request, reply) => {
      const model = daemon.engine.currentModel;
      const host = model.hosts.get(request.params.name);
      if (!host) {
        reply.code(404);
        return { error: `no host "${request.params.name}"` };
      }
      const now = Date.now();
      const services = [];
      for (const id of modelIndex(model).servicesByHost.get(host.id) ?? []) {
        const service = model.services.get(id);
        if (service) services.push(serviceItem(model, service, daemon.engine.stateOf(id)));
      }
      return {
        ...hostItem(model, host, daemon.engine.stateOf(host.id)),
        ...(await objectDetail(daemon, host.id, now)),
        parents: host.parents,
        parentsMinUp: host.parentsMinUp,
        children: modelIndex(model).childrenByHost.get(host.id) ?? [],
        services,
      };
    },
  );
}

/** Fields of the one-object views beyond the list item. */
export const detailProperties = {
  longOutput: { type: 'string' },
  perfdata: {
    type: 'array',
    description: 'Performance data of the last result.',
    items: { type: 'object', additionalProperties: true },
  },
  percentStateChange: { type: 'number' },
  dependsOn: {
    type: 'array',
    description: 'What this object needs: parents, its host, the host on a switch port, dependencies.',
    items: {
      type: 'object',
      properties: {
        relation: { type: 'string' },
        objects: { type: 'array', items: { type: 'string' } },
        minUp: { type: 'integer' },
      },
    },
  },
  dependents: {
    type: 'array',
    description: 'Objects that need this one.',
    items: { type: 'string' },
  },
  acknowledgement: { type: ['object', 'null'], additionalProperties: true },
  downtimes: { type: 'array', items: { type: 'object', additionalProperties: true } },
  parents: { type: 'array', items: { type: 'string' } },
  parentsMinUp: { type: 'integer' },
  children: { type: 'array', items: { type: 'string' } },
  services: { type: 'array', items: { type: 'object', additionalProperties: true } },
} as const;
