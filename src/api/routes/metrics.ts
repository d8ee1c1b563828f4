import type { FastifyInstance } from 'fastify';
import type { Daemon } from '../daemon.ts';
import type { EventStreams } from './events.ts';

// API request counters, and the metrics of the API's own view of the daemon: queues,
// deliveries, live streams, process CPU and memory. Appended to /metrics.

/** Requests answered, by route pattern and status class ("2xx"). */
export class RequestCounts {
  private readonly counts = new Map<string, number>();

  register(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      // The route pattern, not the URL: one series per endpoint, not per object name.
      const route = request.routeOptions.url ?? 'unmatched';
      const key = `${route}\u0000${Math.floor(reply.statusCode / 100)}xx`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    });
  }

  lines(): string[] {
    const lines = [
      '# HELP vigil_api_requests_total HTTP API requests answered, by route and status class.',
      '# TYPE vigil_api_requests_total counter',
    ];
    for (const [key, count] of [...this.counts].sort()) {
      const [route, status] = key.split('\u0000');
      lines.push(`vigil_api_requests_total{route="${escapeLabel(route ?? '')}",status="${status}"} ${count}`);
    }
    return lines;
  }
}

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

/** Metric lines beyond the engine's: queue depths, deliveries, streams, requests, process. */
export async function apiMetricLines(
  daemon: Daemon,
  streams: EventStreams,
  requests: RequestCounts,
): Promise<string[]> {
  const [pending, escalations] = await Promise.all([
    daemon.store.outbox.pendingCounts(),
    daemon.store.escalations.list('open', 100_000),
  ]);
  const delivery = daemon.deliveryMetrics();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const lines = [
    '# HELP vigil_outbox_pending Notifications waiting for delivery, per receiver.',
    '# TYPE vigil_outbox_pending gauge',
    ...[...pending]
      .sort()
      .map(([receiver, count]) => `vigil_outbox_pending{receiver="${escapeLabel(receiver)}"} ${count}`),
    '# HELP vigil_escalations_open Escalations waiting for an acknowledgement.',
    '# TYPE vigil_escalations_open gauge',
    `vigil_escalations_open ${escalations.length}`,
    '# HELP vigil_notifications_delivered_total Notifications delivered since start.',
    '# TYPE vigil_notifications_delivered_total counter',
    `vigil_notifications_delivered_total ${delivery.delivered}`,
    '# HELP vigil_delivery_attempts_failed_total Delivery attempts that failed (and were retried or given up).',
    '# TYPE vigil_delivery_attempts_failed_total counter',
    `vigil_delivery_attempts_failed_total ${delivery.attemptsFailed}`,
    '# HELP vigil_notifications_failed_total Notifications given up on after their last attempt.',
    '# TYPE vigil_notifications_failed_total counter',
    `vigil_notifications_failed_total ${delivery.failed}`,
    '# HELP vigil_event_stream_clients Clients connected to the live event stream.',
    '# TYPE vigil_event_stream_clients gauge',
    `vigil_event_stream_clients ${streams.count}`,
    '# HELP vigil_event_stream_slow_disconnects_total Event stream clients disconnected for falling behind.',
    '# TYPE vigil_event_stream_slow_disconnects_total counter',
    `vigil_event_stream_slow_disconnects_total ${streams.disconnectedSlow}`,
    ...requests.lines(),
    '# HELP process_cpu_seconds_total User and system CPU time of the daemon process.',
    '# TYPE process_cpu_seconds_total counter',
    `process_cpu_seconds_total ${((cpu.user + cpu.system) / 1e6).toFixed(3)}`,
    '# HELP process_resident_memory_bytes Resident memory of the daemon process.',
    '# TYPE process_resident_memory_bytes gauge',
    `process_resident_memory_bytes ${memory.rss}`,
    '# HELP process_heap_used_bytes JavaScript heap in use.',
    '# TYPE process_heap_used_bytes gauge',
    `process_heap_used_bytes ${memory.heapUsed}`,
  ];
  return lines;
}
