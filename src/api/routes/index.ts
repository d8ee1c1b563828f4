import type { FastifyInstance } from 'fastify';
import type { Daemon } from '../daemon.ts';
import type { LiveState } from '../live-state.ts';
import { type EventStreamOptions, EventStreams, registerEventRoutes } from './events.ts';
import { registerHistoryRoutes } from './history.ts';
import { registerHostRoutes } from './hosts.ts';
import { apiMetricLines, RequestCounts } from './metrics.ts';
import { registerNotificationRoutes } from './notifications.ts';
import { registerOncallRoutes } from './oncall.ts';
import { registerPerfdataRoutes } from './perfdata.ts';
import { registerProblemRoutes } from './problems.ts';
import { registerResultRoutes } from './results.ts';
import { registerServiceRoutes } from './services.ts';
import { registerTopologyRoutes } from './topology.ts';

export interface V1Routes {
  /** Metric lines for /metrics beyond the engine's. */
  metricLines(): Promise<string[]>;
}

/** The versioned REST API: lists, one-object views, history, live events, passive results. */
export function registerV1Routes(
  app: FastifyInstance,
  daemon: Daemon,
  live: LiveState,
  options: { events?: EventStreamOptions } = {},
): V1Routes {
  const streams = new EventStreams();
  const requests = new RequestCounts();
  requests.register(app);
  registerProblemRoutes(app, daemon, live);
  registerHostRoutes(app, daemon, live);
  registerServiceRoutes(app, daemon, live);
  registerHistoryRoutes(app, daemon);
  registerPerfdataRoutes(app, daemon);
  registerNotificationRoutes(app, daemon);
  registerOncallRoutes(app, daemon);
  registerTopologyRoutes(app, daemon);
  registerResultRoutes(app, daemon);
  registerEventRoutes(app, daemon, streams, options.events);
  return { metricLines: () => apiMetricLines(daemon, streams, requests) };
}
