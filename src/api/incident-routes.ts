import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { firstPostReport } from '../status/incidents/first-post-report.ts';
import { deploysBeforeIncident } from '../status/incidents/incident-deploys.ts';
import {
  announceMaintenance,
  cancelMaintenance,
  MaintenanceRequestError,
} from '../status/incidents/maintenance-announcements.ts';
import { maintenanceState } from '../status/incidents/maintenance-state.ts';
import {
  editIncident,
  holdIncident,
  IncidentRequestError,
  openIncident,
  parseImpact,
  parsePhase,
  postUpdate,
  publishIncident,
  resolveIncident,
  setPostmortem,
} from '../status/incidents/operator-changes.ts';
import { statusSiteOf } from '../status/incidents/settings.ts';
import type { IncidentRecord } from '../store/incidents.ts';
import { audit, authorOf } from './auth/index.ts';
import type { Daemon } from './daemon.ts';
import { deployJson } from './deploy-routes.ts';

// Status-site incidents and maintenance announcements over HTTP: viewers read, operators
// change. Changes go to the store (as the CLI's do) and the incident manager is ticked at
// once, so a publish reaches subscribers and the site without waiting. Each change is audited.

const text = { type: 'string', minLength: 1 } as const;
const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } },
} as const;
const names = { type: 'array', items: text, maxItems: 100 } as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['components'],
  properties: {
    title: text,
    components: names,
    message: text,
    impact: text,
    phase: text,
    draft: { type: 'boolean' },
    author: text,
  },
} as const;

const updateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['phase', 'message'],
  properties: { phase: text, message: text, author: text },
} as const;

const patchBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { title: text, impact: text, components: names, postmortem: text, author: text },
} as const;

const actionBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { author: text, message: text },
} as const;

const maintenanceBody = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'components', 'from', 'until'],
  properties: {
    title: text,
    components: names,
    from: text,
    until: text,
    message: { type: 'string' },
    time_zone: text,
    downtime: { type: 'boolean' },
    downtime_id: { type: 'integer', minimum: 1 },
    author: text,
  },
} as const;

interface IdParams {
  id: string;
}

async function answer(reply: FastifyReply, work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof IncidentRequestError || error instanceof MaintenanceRequestError) {
      reply.code(error.status);
      return { error: error.message };
    }
    throw error;
  }
}

export function registerIncidentRoutes(app: FastifyInstance, daemon: Daemon): void {
  const operator = { access: 'operator' } as const;
  const viewer = { access: 'viewer' } as const;
  const incidents = () => daemon.store.incidents;
  const changed = async (request: FastifyRequest, action: string, incident: IncidentRecord, detail = {}) => {
    await daemon.incidents?.tick();
    await audit(daemon, request, action, String(incident.id), detail);
    return { incident: (await incidents().get(incident.id)) ?? incident };
  };

  app.get<{ Querystring: { status?: string; limit?: number } }>(
    '/api/v1/incidents',
    {
      config: viewer,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['draft', 'published', 'resolved', 'withdrawn', 'open'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
      },
    },
    async (request) => {
      const { status, limit } = request.query;
      const statuses =
        status === 'open'
          ? (['draft', 'published'] as const)
          : status
            ? ([status] as ('draft' | 'published' | 'resolved' | 'withdrawn')[])
            : undefined;
      return {
        incidents: await incidents().list({
          ...(statuses ? { statuses: [...statuses] } : {}),
          limit: limit ?? 100,
        }),
      };
    },
  );

  app.get<{ Querystring: { since?: string } }>(
    '/api/v1/incidents/report',
    {
      config: viewer,
      schema: {
        querystring: { type: 'object', additionalProperties: false, properties: { since: text } },
      },
    },
    async (request, reply) => {
      const now = Date.now();
      const since =
        request.query.since === undefined ? now - 90 * 86_400_000 : Date.parse(request.query.since);
      if (Number.isNaN(since)) {
        reply.code(400);
        return { error: `querystring.since "${request.query.since}" is not a date or time (ISO 8601)` };
      }
      const site = statusSiteOf(daemon.engine.currentModel.settings);
      const posts = await incidents().firstPosts(since, now + 1);
      return {
        since: new Date(since).toISOString(),
        report: firstPostReport(posts, site.firstPostPromiseMs),
      };
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/v1/incidents/:id',
    { config: viewer, schema: { params: idParams } },
    async (request, reply) => {
      const incident = await incidents().get(Number(request.params.id));
      if (!incident) {
        reply.code(404);
        return { error: `no incident ${request.params.id}` };
      }
      const deploys = await deploysBeforeIncident(daemon.store, daemon.engine.currentModel, incident);
      return { incident, deploysBefore: deploys.map(deployJson) };
    },
  );

  app.post<{
    Body: {
      title?: string;
      components: string[];
      message?: string;
      impact?: string;
      phase?: string;
      draft?: boolean;
      author?: string;
    };
  }>('/api/v1/incidents', { config: operator, schema: { body: createBody } }, async (request, reply) =>
    answer(reply, async () => {
      const body = request.body;
      const incident = await openIncident(
        incidents(),
        daemon.engine.currentModel,
        {
          components: body.components,
          ...(body.title !== undefined ? { title: body.title } : {}),
          ...(body.message !== undefined ? { message: body.message } : {}),
          ...(body.impact !== undefined ? { impact: parseImpact(body.impact) } : {}),
          ...(body.phase !== undefined ? { phase: parsePhase(body.phase) } : {}),
          ...(body.draft !== undefined ? { draft: body.draft } : {}),
        },
        Date.now(),
        authorOf(request, body.author),
      );
      reply.code(201);
      return changed(request, 'incident.open', incident, { title: incident.title, status: incident.status });
    }),
  );

  app.post<{ Params: IdParams; Body: { phase: string; message: string; author?: string } }>(
    '/api/v1/incidents/:id/updates',
    { config: operator, schema: { params: idParams, body: updateBody } },
    async (request, reply) =>
      answer(reply, async () => {
        const phase = parsePhase(request.body.phase);
        const incident = await postUpdate(
          incidents(),
          Number(request.params.id),
          { phase, message: request.body.message },
          Date.now(),
          authorOf(request, request.body.author),
        );
        reply.code(201);
        return changed(request, 'incident.update', incident, { phase });
      }),
  );

  for (const action of ['publish', 'hold', 'resolve'] as const) {
    app.post<{ Params: IdParams; Body: { author?: string; message?: string } | null }>(
      `/api/v1/incidents/:id/${action}`,
      { config: operator, schema: { params: idParams, body: actionBody } },
      async (request, reply) =>
        answer(reply, async () => {
          const id = Number(request.params.id);
          const author = authorOf(request, request.body?.author);
          const now = Date.now();
          const incident =
            action === 'publish'
              ? await publishIncident(incidents(), id, now)
              : action === 'hold'
                ? await holdIncident(incidents(), id, now, author)
                : await resolveIncident(incidents(), id, request.body?.message, now, author);
          return changed(request, `incident.${action}`, incident);
        }),
    );
  }

  app.patch<{
    Params: IdParams;
    Body: { title?: string; impact?: string; components?: string[]; postmortem?: string; author?: string };
  }>(
    '/api/v1/incidents/:id',
    { config: operator, schema: { params: idParams, body: patchBody } },
    async (request, reply) =>
      answer(reply, async () => {
        const id = Number(request.params.id);
        const body = request.body;
        const now = Date.now();
        let incident: IncidentRecord | undefined;
        if (body.title !== undefined || body.impact !== undefined || body.components !== undefined)
          incident = await editIncident(
            incidents(),
            daemon.engine.currentModel,
            id,
            {
              ...(body.title !== undefined ? { title: body.title } : {}),
              ...(body.impact !== undefined ? { impact: parseImpact(body.impact) } : {}),
              ...(body.components !== undefined ? { components: body.components } : {}),
            },
            now,
            authorOf(request, body.author),
          );
        if (body.postmortem !== undefined)
          incident = await setPostmortem(incidents(), id, body.postmortem, now);
        return changed(request, 'incident.edit', incident as IncidentRecord, {
          ...(body.title !== undefined ? { title: body.title } : {}),
          ...(body.impact !== undefined ? { impact: body.impact } : {}),
          ...(body.postmortem !== undefined ? { postmortem: body.postmortem } : {}),
        });
      }),
  );

  app.get<{ Querystring: { all?: boolean } }>(
    '/api/v1/maintenance-announcements',
    {
      config: viewer,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { all: { type: 'boolean' } },
        },
      },
    },
    async (request) => {
      const now = Date.now();
      const windows = await daemon.store.scheduledMaintenance.list(
        request.query.all ? { includeCancelled: true } : { since: now },
      );
      return { maintenance: windows.map((w) => ({ ...w, state: maintenanceState(w, now) })) };
    },
  );

  app.post<{
    Body: {
      title: string;
      components: string[];
      from: string;
      until: string;
      message?: string;
      time_zone?: string;
      downtime?: boolean;
      downtime_id?: number;
      author?: string;
    };
  }>(
    '/api/v1/maintenance-announcements',
    { config: operator, schema: { body: maintenanceBody } },
    async (request, reply) =>
      answer(reply, async () => {
        const body = request.body;
        const announced = await announceMaintenance(
          daemon.store,
          daemon.engine.currentModel,
          {
            title: body.title,
            components: body.components,
            from: body.from,
            until: body.until,
            message: body.message ?? '',
            ...(body.time_zone !== undefined ? { timeZone: body.time_zone } : {}),
            ...(body.downtime ? { createDowntime: true } : {}),
            ...(body.downtime_id !== undefined ? { downtimeId: body.downtime_id } : {}),
          },
          Date.now(),
          authorOf(request, body.author),
        );
        if (announced.downtimeId !== null) await daemon.suppressions.refresh();
        await daemon.incidents?.tick();
        await audit(daemon, request, 'maintenance.announce', String(announced.id), {
          title: announced.title,
          startsAt: announced.startsAt,
          endsAt: announced.endsAt,
          downtimeId: announced.downtimeId,
          createdDowntimeIds: announced.createdDowntimeIds,
        });
        reply.code(201);
        return { maintenance: { ...announced, state: maintenanceState(announced, Date.now()) } };
      }),
  );

  app.delete<{ Params: IdParams }>(
    '/api/v1/maintenance-announcements/:id',
    { config: operator, schema: { params: idParams } },
    async (request, reply) =>
      answer(reply, async () => {
        const id = Number(request.params.id);
        const { cancelledDowntimeIds } = await cancelMaintenance(daemon.store, id, Date.now());
        if (cancelledDowntimeIds.length > 0) await daemon.suppressions.refresh();
        await daemon.incidents?.tick();
        await audit(daemon, request, 'maintenance.cancel', String(id), { cancelledDowntimeIds });
        return { cancelled: id, cancelledDowntimeIds };
      }),
  );
}
