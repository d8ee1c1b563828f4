import http from 'node:http';
import type { Logger } from 'pino';
import { UpstreamConnections } from './upstream-connections.ts';
import {
  afterProbe,
  freshHealth,
  type HealthThresholds,
  pickUpstream,
  type UpstreamHealth,
} from './upstream-health.ts';

export interface Upstream {
  /** As configured: http://10.0.0.5:3000 */
  url: string;
  host: string;
  port: number;
  /** Kept-alive connections to this app server. */
  connections: UpstreamConnections;
  health: UpstreamHealth;
}

export interface HealthCheckSettings extends HealthThresholds {
  path: string;
  intervalMs: number;
  timeoutMs: number;
}

/** The app servers behind the proxy: keep-alive connections, health probes, round robin. */
export class UpstreamPool {
  readonly upstreams: Upstream[];
  private cursor = 0;
  private healthyFlags: boolean[];
  private probeTimer: NodeJS.Timeout | undefined;

  constructor(
    urls: readonly string[],
    private readonly check: HealthCheckSettings,
    private readonly log: Logger,
    timeoutMs = 60_000,
  ) {
    this.upstreams = urls.map((url) => {
      const parsed = new URL(url);
      const host = parsed.hostname.replace(/^\[|\]$/g, '');
      const port = Number(parsed.port || 80);
      return {
        url,
        host,
        port,
        connections: new UpstreamConnections(host, port, timeoutMs),
        health: freshHealth,
      };
    });
    this.healthyFlags = this.upstreams.map(() => true);
  }

  /** The next healthy upstream in turn, skipping `tried`; undefined when none is left. */
  pick(tried?: ReadonlySet<Upstream>): Upstream | undefined {
    let triedIndexes: Set<number> | undefined;
    if (tried?.size) triedIndexes = new Set([...tried].map((u) => this.upstreams.indexOf(u)));
    const index = pickUpstream(this.healthyFlags, this.cursor, triedIndexes);
    if (index < 0) return undefined;
    this.cursor = (index + 1) % this.upstreams.length;
    return this.upstreams[index];
  }

  /** A refused connection counts like a failed probe, so a dead server leaves rotation fast. */
  reportFailure(upstream: Upstream, why: string): void {
    this.record(upstream, false, why);
  }

  startProbes(): void {
    const probeAll = () => {
      for (const upstream of this.upstreams) void this.probe(upstream);
    };
    probeAll();
    this.probeTimer = setInterval(probeAll, this.check.intervalMs);
    this.probeTimer.unref();
  }

  stop(): void {
    clearInterval(this.probeTimer);
    for (const upstream of this.upstreams) upstream.connections.close();
  }

  private probe(upstream: Upstream): Promise<void> {
    return new Promise((resolve) => {
      const request = http.get(
        {
          host: upstream.host,
          port: upstream.port,
          path: this.check.path,
          agent: false,
          timeout: this.check.timeoutMs,
          headers: { 'user-agent': 'vigil-proxy-health-check' },
        },
        (response) => {
          response.resume();
          const ok = (response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 400;
          this.record(upstream, ok, `health check answered ${response.statusCode}`);
          resolve();
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${this.check.timeoutMs} ms`)));
      request.on('error', (error) => {
        this.record(upstream, false, `health check failed: ${error.message}`);
        resolve();
      });
    });
  }

  private record(upstream: Upstream, ok: boolean, why: string): void {
    const before = upstream.health.healthy;
    upstream.health = afterProbe(upstream.health, ok, this.check);
    if (upstream.health.healthy === before) return;
    this.healthyFlags = this.upstreams.map((u) => u.health.healthy);
    if (upstream.health.healthy) this.log.warn({ upstream: upstream.url }, 'upstream healthy again');
    else this.log.error({ upstream: upstream.url, why }, 'upstream unhealthy: taken out of rotation');
  }
}
