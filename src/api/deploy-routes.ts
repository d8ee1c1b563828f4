import type { FastifyInstance } from 'fastify';
import { type Deploy, deployProblem, type NewDeploy } from '../store/deploys.ts';
import { audit } from './auth/index.ts';
import type { Daemon } from './daemon.ts';
import { BadQuery } from './pagination.ts';
import { errorResponse, parseTime, timeParameter } from './routes/common.ts';

// Deploys over HTTP: a deploy pipeline records each release (`POST /api/v1/deploys`, an
// operator's token), dashboards and incident pages read them back. Same records as
// `vigil deploy record` and `vigil deploy list`.

const DEFAULT_LIST_LIMIT = 500;
const MAX_LIST_LIMIT = 10_000;

const deploySchema = {
  type: 'object',
  required: ['id', 'service', 'version', 'at', 'by', 'description', 'link', 'recorded_at'],
  properties: {
    id: { type: 'integer' },
    service: { type: 'string', description: 'The service or component deployed.' },
    version: { type: 'string' },
    at: { type: 'string', description: 'When it went out (ISO 8601).' },
    by: { type: 'string', description: "Who deployed it ('' when not told)." },
    description: { type: 'string' },
    link: { type: 'string', description: "Release notes, pull request or pipeline run ('' when none)." },
    recorded_at: { type: 'string', description: 'When Vigil was told (ISO 8601).' },
  },
} as const;

const recordBody = {
  type: 'object',
  additionalProperties: false,
  required: ['service', 'version'],
  properties: {
    service: { type: 'string', minLength: 1, maxLength: 200, description: 'The service or component.' },
    version: { type: 'string', minLength: 1, maxLength: 200 },
    at: {
      anyOf: [
        { type: 'string', maxLength: 40 },
        { type: 'integer', minimum: 0 },
      ],
      description: 'When it went out: ISO 8601 or milliseconds since the epoch (default: now).',
    },
    by: { type: 'string', maxLength: 200, description: 'Who deployed it (default: the caller).' },
    description: { type: 'string', maxLength: 4000 },
    link: { type: 'string', maxLength: 2000, description: 'An http:// or https:// URL.' },
  },
} as const;

interface RecordBody {
  service: string;
  version: string;
  at?: string | number;
  by?: string;
  description?: string;
  link?: string;
}

interface ListQuery {
  service?: string;
  since?: string;
  until?: string;
  limit: number;
}

export function registerDeployRoutes(app: FastifyInstance, daemon: Daemon): void {
  app.post<{ Body: RecordBody }>(
    '/api/v1/deploys',
    {
      config: { access: 'operator' },
      schema: {
        tags: ['operations'],
        summary: 'Record a deploy',
        description:
          'Which version of which service went out, when and by whom. Incidents list the deploys of the hour before they started.',
        body: recordBody,
        response: { 201: deploySchema, 400: errorResponse },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const now = Date.now();
      const at =
        body.at === undefined ? now : typeof body.at === 'number' ? body.at : parseTime(body.at, 'at');
      const deploy: NewDeploy = {
        service: body.service.trim(),
        version: body.version.trim(),
        at: at ?? now,
        by: body.by ?? request.principal?.username ?? '',
        description: body.description ?? '',
        link: body.link ?? '',
      };
      const problem = deployProblem(deploy);
      if (problem !== undefined) throw new BadQuery(`body.${problem}`);
      const recorded = await daemon.store.deploys.record(deploy, now);
      await audit(daemon, request, 'deploy.record', recorded.service, {
        id: recorded.id,
        version: recorded.version,
      });
      reply.code(201);
      return deployJson(recorded);
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/deploys',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['operations'],
        summary: 'Deploys',
        description: `Deploys in a period, oldest first; with more than \`limit\` in it, the newest \`limit\`.`,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            service: { type: 'string', minLength: 1, maxLength: 200, description: 'Only this service.' },
            since: timeParameter,
            until: timeParameter,
            limit: {
              type: 'integer',
              minimum: 1,
              maximum: MAX_LIST_LIMIT,
              default: DEFAULT_LIST_LIMIT,
              description: `Most deploys returned (default ${DEFAULT_LIST_LIMIT}).`,
            },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['deploys'],
            properties: { deploys: { type: 'array', items: deploySchema } },
          },
          400: errorResponse,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const since = parseTime(q.since, 'since');
      const until = parseTime(q.until, 'until');
      if (since !== undefined && until !== undefined && until <= since)
        throw new BadQuery(`until (${q.until}) is not after since (${q.since})`);
      const deploys = await daemon.store.deploys.list({
        ...(q.service !== undefined ? { service: q.service } : {}),
        ...(since !== undefined ? { since } : {}),
        ...(until !== undefined ? { until } : {}),
        limit: q.limit,
      });
      return { deploys: deploys.map(deployJson) };
    },
  );
}

/** A deploy as the API and `vigil deploy list --json` show it. */
export function deployJson(deploy: Deploy) {
  return {
    id: deploy.id,
    service: deploy.service,
    version: deploy.version,
    at: new Date(deploy.at).toISOString(),
    by: deploy.by,
    description: deploy.description,
    link: deploy.link,
    recorded_at: new Date(deploy.recordedAt).toISOString(),
  };
}
