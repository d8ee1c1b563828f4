import Fastify from 'fastify';
import { withBadges } from '../alerting/badges.ts';
import { describeState } from '../model/problems.ts';
import { problemGroups } from '../topology/problem-groups.ts';
import { registerChatRoutes } from './chat-routes.ts';
import type { Daemon } from './daemon.ts';
import { registerReportRoutes } from './report-routes.ts';
import { registerSuppressionRoutes } from './suppression-routes.ts';

export interface RunningApi {
  address: string;
  close(): Promise<void>;
}

/**
 * The daemon's HTTP interface: health, Prometheus metrics, current problems and reload.
 * It listens on loopback by default; see docs/operations.md before exposing it.
 */
export async function startApi(daemon: Daemon, listen: string): Promise<RunningApi> {
  const { host, port } = parseListen(listen);
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
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

  app.get('/health', async () => ({ status: 'ok' }));

  app.get('/metrics', async (_request, reply) => {
    reply.type('text/plain; version=0.0.4');
    return prometheusMetrics(daemon);
  });

  // Hard problems grouped by root cause; what each cause explains is listed under it.
  app.get('/api/v1/problems', async () => {
    const model = daemon.engine.currentModel;
    const groups = problemGroups(model, daemon.engine.allStates());
    return { problems: withBadges(groups, daemon.suppressions, Date.now()) };
  });

  app.get<{ Params: { '*': string } }>('/api/v1/objects/*', async (request, reply) => {
    const id = request.params['*'];
    const model = daemon.engine.currentModel;
    const state = daemon.engine.stateOf(id);
    if (!model.hosts.has(id) && !model.services.has(id)) {
      reply.code(404);
      return { error: `no host or service "${id}"` };
    }
    return state ? describeState(model, state) : { objectId: id, state: 'PENDING' };
  });

  app.post('/api/v1/reload', async (_request, reply) => {
    const outcome = await daemon.reload();
    if (!outcome.ok) reply.code(422);
    return outcome;
  });

  registerSuppressionRoutes(app, daemon);
  registerChatRoutes(app, daemon);
  registerReportRoutes(app, daemon);

  await app.listen({ host, port });
  const bound = app.server.address();
  const address =
    typeof bound === 'object' && bound
      ? `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`
      : listen;
  return { address, close: () => app.close() };
}

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
