import Fastify, { type FastifyInstance } from 'fastify';
import { describeState } from '../model/problems.ts';
import { audit, metricsGate, type RouteAccess, registerAuth, trustProxyOption } from './auth/index.ts';
import { registerAvailabilityRoutes } from './availability-routes.ts';
import { registerChatRoutes } from './chat-routes.ts';
import type { Daemon } from './daemon.ts';
import { registerDeployRoutes } from './deploy-routes.ts';
import { registerForecastRoutes } from './forecast-routes.ts';
import { registerIncidentRoutes } from './incident-routes.ts';
import { LiveState } from './live-state.ts';
import { registerOpenApi, registerOpenApiRoute } from './openapi.ts';
import { registerReportRoutes } from './report-routes.ts';
import { errorResponse, stateRowSchema } from './routes/common.ts';
import { registerErrorAnswers } from './routes/errors.ts';
import type { EventStreamOptions } from './routes/events.ts';
import { registerV1Routes } from './routes/index.ts';
import { registerSubscriberRoutes } from './subscriber-routes.ts';
import { registerSuppressionRoutes } from './suppression-routes.ts';

/** Adds routes to the API (the web dashboard does); called after the API's own routes. */
/** Adds routes beside the API's (the dashboard), sharing its view of the live state. */
export type RouteRegistrar = (app: FastifyInstance, daemon: Daemon, live: LiveState) => void;

export interface ApiOptions {
  /** Extra routes, e.g. the dashboard's pages; the API itself does not import them. */
  registrars?: readonly RouteRegistrar[];
  /** The live event stream's timings (tests shorten them). */
  events?: EventStreamOptions;
}

export interface RunningApi {
  address: string;
  /** Every route with the access it declares (src/api/access.ts). */
  routes: readonly RouteAccess[];
  close(): Promise<void>;
}

/**
 * The daemon's HTTP interface: health, Prometheus metrics, current problems and reload.
 * It listens on loopback by default; see docs/operations.md before exposing it.
 */
export async function startApi(
  daemon: Daemon,
  listen: string,
  options: ApiOptions = {},
): Promise<RunningApi> {
  const { host, port } = parseListen(listen);
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    // X-Forwarded-For/-Proto count only from settings.api.trusted_proxies; fixed at start.
    trustProxy: trustProxyOption(daemon.engine.currentModel.settings.api),
    // Unknown fields in a body are an error, not silently dropped: a typo must not go unnoticed.
    ajv: { customOptions: { removeAdditional: false } },
    schemaErrorFormatter: (errors, dataVar) =>
      new Error(
        errors
          .map((e) => {
            const extra = (e.params as { additionalProperty?: string }).additionalProperty;
            const place = `${dataVar}${e.instancePath.replaceAll('/', '.')}`;
            return extra
              ? `${place} has an unknown field "${extra}"`
              : `${place} ${e.message ?? 'is invalid'}`;
          })
          .join('; '),
      ),
  });

  // Before every route, so the OpenAPI document lists them all.
  await registerOpenApi(app);
  registerErrorAnswers(app, daemon.log);
  // Before every route: the gate that enforces each route's `config.access` (src/api/access.ts).
  const auth = await registerAuth(app, daemon);

  app.get('/health', { config: { access: 'public' } }, async () => ({ status: 'ok' }));

  app.get(
    '/metrics',
    { config: { access: 'public' }, onRequest: metricsGate(daemon) },
    async (_request, reply) => {
      reply.type('text/plain; version=0.0.4');
      const statusSite = daemon.statusSiteMetricLines?.() ?? [];
      return `${prometheusMetrics(daemon)}${[...(await v1.metricLines()), ...statusSite].join('\n')}\n`;
    },
  );

  // /api/v1: problems, hosts, services, history, perfdata, notifications, live events, results.
  const live = new LiveState(daemon);
  app.addHook('onClose', async () => live.unsubscribe());
  const v1 = registerV1Routes(app, daemon, live, options.events ? { events: options.events } : {});
  registerOpenApiRoute(app);

  app.get<{ Params: { '*': string } }>(
    '/api/v1/objects/*',
    { schema: objectSchema },
    async (request, reply) => {
      const id = request.params['*'];
      const model = daemon.engine.currentModel;
      const state = daemon.engine.stateOf(id);
      if (!model.hosts.has(id) && !model.services.has(id)) {
        reply.code(404);
        return { error: `no host or service "${id}"` };
      }
      return state ? describeState(model, state) : { objectId: id, state: 'PENDING' };
    },
  );

  app.post(
    '/api/v1/reload',
    { config: { access: 'admin' }, schema: reloadSchema },
    async (request, reply) => {
      const outcome = await daemon.reload();
      await audit(daemon, request, 'config.reload', '', { ok: outcome.ok });
      if (!outcome.ok) reply.code(422);
      return outcome;
    },
  );

  registerSuppressionRoutes(app, daemon);
  registerChatRoutes(app, daemon);
  registerReportRoutes(app, daemon);
  registerAvailabilityRoutes(app, daemon);
  registerDeployRoutes(app, daemon);
  registerForecastRoutes(app, daemon);
  registerIncidentRoutes(app, daemon);
  registerSubscriberRoutes(app, daemon);

  for (const register of options.registrars ?? []) register(app, daemon, live);

  await app.listen({ host, port });
  const bound = app.server.address();
  const address =
    typeof bound === 'object' && bound
      ? `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`
      : listen;
  await auth.afterListen(address);
  return { address, routes: auth.routes, close: () => app.close() };
}

const objectSchema = {
  tags: ['hosts'],
  summary: "One object's current state",
  description:
    'The state row of a host (`HOST`) or service (`HOST/SERVICE`); see /api/v1/hosts/{name} for more.',
  params: { type: 'object', properties: { '*': { type: 'string', description: 'HOST or HOST/SERVICE.' } } },
  response: {
    200: { ...stateRowSchema, properties: { ...stateRowSchema.properties, objectId: { type: 'string' } } },
    404: errorResponse,
  },
};

const reloadSchema = {
  tags: ['operations'],
  summary: 'Reload the configuration',
  description:
    'What `vigil reload` calls. An invalid configuration is refused (422) and the running one stays.',
  response: {
    200: {
      type: 'object',
      properties: { ok: { type: 'boolean' }, summary: { type: 'object', additionalProperties: true } },
    },
    422: {
      type: 'object',
      properties: { ok: { type: 'boolean' }, errors: { type: 'array', items: { type: 'string' } } },
    },
  },
};

export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen.trim());
  if (!match) throw new Error(`listen address "${listen}" is not host:port`);
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port: Number(match[3]) };
}

function prometheusMetrics(daemon: Daemon): string {
  const m = daemon.engine.metrics();
  const lines = [
    '# HELP vigil_checks_completed_total Checks that finished since start.',
    '# TYPE vigil_checks_completed_total counter',
    `vigil_checks_completed_total ${m.checksCompleted}`,
    '# HELP vigil_checks_timed_out_total Checks stopped at their timeout.',
    '# TYPE vigil_checks_timed_out_total counter',
    `vigil_checks_timed_out_total ${m.checksTimedOut}`,
    '# HELP vigil_checks_running Checks running now.',
    '# TYPE vigil_checks_running gauge',
    `vigil_checks_running ${m.running}`,
    '# HELP vigil_checks_waiting Due checks waiting for a free slot (concurrency limit).',
    '# TYPE vigil_checks_waiting gauge',
    `vigil_checks_waiting ${m.waiting}`,
    '# HELP vigil_objects_scheduled Hosts and services with a check.',
    '# TYPE vigil_objects_scheduled gauge',
    `vigil_objects_scheduled ${m.objects}`,
    '# HELP vigil_schedule_latency_ms Actual start minus planned start of checks since start.',
    '# TYPE vigil_schedule_latency_ms summary',
    `vigil_schedule_latency_ms{quantile="0.5"} ${m.latency.percentile(0.5).toFixed(1)}`,
    `vigil_schedule_latency_ms{quantile="0.99"} ${m.latency.percentile(0.99).toFixed(1)}`,
    `vigil_schedule_latency_ms_count ${m.latency.count}`,
    '# HELP vigil_store_write_failures_total Store writes that failed and were retried.',
    '# TYPE vigil_store_write_failures_total counter',
    `vigil_store_write_failures_total ${m.store.writeFailures}`,
    '# HELP vigil_store_buffered_results Results waiting to be written to the store.',
    '# TYPE vigil_store_buffered_results gauge',
    `vigil_store_buffered_results ${m.store.buffered}`,
    '# HELP vigil_store_results_dropped_total Raw results dropped while the store was unavailable.',
    '# TYPE vigil_store_results_dropped_total counter',
    `vigil_store_results_dropped_total ${m.store.resultsDropped}`,
  ];
  return `${lines.join('\n')}\n`;
}
