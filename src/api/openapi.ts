import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

// The OpenAPI document is generated from the routes' own JSON schemas (the ones that
// validate requests), so it cannot drift from what the API accepts. Registered before any
// route: the generator collects routes as they are added.

const TAGS = [
  { name: 'problems', description: 'Current problems, grouped by root cause.' },
  { name: 'hosts', description: 'Hosts, their state, location and topology.' },
  { name: 'services', description: 'Services and their state.' },
  { name: 'history', description: 'State changes and performance data over time.' },
  { name: 'results', description: 'Passive check results and on-demand re-checks.' },
  { name: 'suppressions', description: 'Acknowledgements and downtime.' },
  { name: 'notifications', description: 'The notification queue and on-call schedules.' },
  { name: 'topology', description: 'Physical location and what a failure would affect.' },
  { name: 'events', description: 'The live event stream.' },
  { name: 'operations', description: 'Reload, reports, chat bot and the API itself.' },
];

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vigil API',
        version: '1',
        description:
          'Monitoring state, problems by root cause, history, live events and passive results. ' +
          'See docs/api.md for authentication, pagination and examples.',
      },
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An API token (see docs/security.md).' },
        },
      },
      security: [{ bearer: [] }],
    },
  });
}

/** Serves the document at /api/v1/openapi.json. */
export function registerOpenApiRoute(app: FastifyInstance): void {
  app.get(
    '/api/v1/openapi.json',
    {
      config: { access: 'public' },
      schema: {
        tags: ['operations'],
        summary: 'This OpenAPI document',
        description: 'The OpenAPI 3.1 description of every /api/v1 endpoint, generated from their schemas.',
      },
    },
    async () => app.swagger(),
  );
}
