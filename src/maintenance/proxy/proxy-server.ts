import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ProxyConfig } from './config.ts';
import { type ForwardContext, forwardRequest } from './forward.ts';
import { emptyCounters, type MetricsSnapshot } from './metrics.ts';
import { PauseGate, type PauseOrder, type PauseState, type RefusalReason } from './pause-gate.ts';
import { forwardUpgrade, refuseRaw } from './upgrade.ts';
import { UpstreamPool } from './upstream-pool.ts';

export type ProxySettings = Pick<
  ProxyConfig,
  'listen' | 'upstreams' | 'upstreamTimeoutMs' | 'healthCheck' | 'pause' | 'bypass' | 'shutdownTimeoutMs'
>;

export interface ProxyStatus extends PauseState {
  heldNow: number;
  longestHoldMs: number;
  inFlight: number;
  counters: MetricsSnapshot['counters'];
  pausesTotal: number;
  autoResumesTotal: number;
  upstreams: { url: string; healthy: boolean }[];
}

/** A pause as operators ask for it: limits optional, the configured ones by default. */
export interface PauseAsk {
  reason: string;
  maxHoldMs?: number | undefined;
  maxPauseMs?: number | undefined;
}

/**
 * The request-pausing reverse proxy: one listening server, the gate, the upstream pool.
 * Control (HTTP endpoint, group state) drives it through pause/resume/status.
 */
export class RequestPausingProxy {
  readonly gate: PauseGate;
  private readonly pool: UpstreamPool;
  private readonly server: http.Server;
  private readonly context: ForwardContext;
  private readonly bypassPaths: Set<string>;
  private inFlight = 0;
  /** Client sockets of upgraded connections: the server no longer tracks them. */
  private readonly tunnels = new Set<Duplex>();
  private closing: Promise<void> | undefined;
  /** One listener for every response, not a closure per request. */
  private readonly requestClosed = () => {
    this.inFlight--;
  };

  constructor(
    private readonly settings: ProxySettings,
    private readonly log: Logger,
  ) {
    this.pool = new UpstreamPool(settings.upstreams, settings.healthCheck, log, settings.upstreamTimeoutMs);
    this.context = {
      pool: this.pool,
      counters: emptyCounters(),
      upstreamTimeoutMs: settings.upstreamTimeoutMs,
    };
    this.bypassPaths = new Set(settings.bypass.paths);
    this.gate = new PauseGate(settings.pause, {
      paused: (state) =>
        log.warn(
          {
            reason: state.reason,
            maxHoldMs: state.maxHoldMs,
            until: new Date(state.until).toISOString(),
            epoch: state.epoch,
          },
          'requests paused: new requests wait',
        ),
      resumed: (state, why, held, pausedForMs) => {
        if (why === 'max_pause')
          log.error(
            { pausedForMs, held, epoch: state.epoch },
            'PAUSE REACHED ITS MAXIMUM LENGTH AND ENDED BY ITSELF: requests flow again; was the maintenance finished?',
          );
        else
          log.warn(
            { pausedForMs, held, epoch: state.epoch },
            'requests resumed: held requests released in arrival order',
          );
      },
      refused: (reason) => {
        this.context.counters.refused[reason]++;
      },
    });
    this.server = http.createServer({ keepAlive: true }, (request, response) =>
      this.onRequest(request, response),
    );
    this.server.on('upgrade', (request, socket, head) => this.onUpgrade(request, socket, head));
    this.server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.settings.listen.port, this.settings.listen.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.pool.startProbes();
    const address = this.server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  pause(ask: PauseAsk, epoch?: number): PauseState {
    const maxPauseMs = ask.maxPauseMs ?? this.settings.pause.maxPauseMs;
    return this.applyPause({
      reason: ask.reason,
      maxHoldMs: ask.maxHoldMs ?? this.settings.pause.maxHoldMs,
      until: Date.now() + maxPauseMs,
      ...(epoch !== undefined ? { epoch } : {}),
    });
  }

  applyPause(order: PauseOrder): PauseState {
    return this.gate.pause(order);
  }

  resume(epoch?: number): PauseState {
    return this.gate.resume(epoch);
  }

  status(): ProxyStatus {
    return {
      ...this.gate.status(),
      inFlight: this.inFlight,
      counters: this.context.counters,
      pausesTotal: this.gate.counts.pauses,
      autoResumesTotal: this.gate.counts.autoResumes,
      upstreams: this.pool.upstreams.map((u) => ({ url: u.url, healthy: u.health.healthy })),
    };
  }

  /**
   * Stops accepting, releases held requests, lets in-flight ones finish (up to the
   * shutdown timeout), then closes every connection.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.server.close();
      this.gate.close();
      const deadline = Date.now() + this.settings.shutdownTimeoutMs;
      while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      if (this.inFlight > 0)
        this.log.error({ inFlight: this.inFlight }, 'shutdown timeout: closing unfinished requests');
      this.server.closeAllConnections();
      // A WebSocket may live for hours: clients reconnect (to another proxy) when it closes.
      for (const socket of this.tunnels) socket.destroy();
      this.pool.stop();
    })();
    return this.closing;
  }

  private bypasses(request: http.IncomingMessage): boolean {
    if (this.bypassPaths.size > 0) {
      const url = request.url ?? '/';
      const query = url.indexOf('?');
      if (this.bypassPaths.has(query < 0 ? url : url.slice(0, query))) return true;
    }
    const agents = this.settings.bypass.userAgents;
    if (agents.length > 0) {
      const agent = request.headers['user-agent'];
      if (agent !== undefined && agents.some((a) => agent.includes(a))) return true;
    }
    return false;
  }

  private onRequest(request: http.IncomingMessage, response: http.ServerResponse): void {
    this.inFlight++;
    if (this.closing) response.shouldKeepAlive = false;
    // The common case costs one check: nothing paused, nothing waiting.
    if (this.gate.isOpen || this.bypasses(request))
      return forwardRequest(this.context, request, response, this.requestClosed);
    response.on('close', this.requestClosed);
    const admission = this.gate.admit({
      release: () =>
        new Promise<void>((resolve) => {
          if (response.destroyed) return resolve();
          forwardRequest(this.context, request, response, resolve);
        }),
      refuse: (reason, retryAfterS) => this.refuse(response, reason, retryAfterS),
    });
    if (admission.go) return forwardRequest(this.context, request, response);
    // Held: the body is not read until released (TCP pushes back on the client; one that
    // sent `Expect: 100-continue` has been told to go on by Node, and its body waits in buffers).
    response.once('close', admission.withdraw);
  }

  private refuse(response: http.ServerResponse, reason: RefusalReason, retryAfterS: number): void {
    if (response.destroyed || response.headersSent) return;
    const body =
      reason === 'max_hold'
        ? 'Service Unavailable: maintenance in progress, please retry shortly\n'
        : 'Service Unavailable: too many requests waiting during maintenance\n';
    this.context.counters.responsesByClass[5]! += 1;
    response.shouldKeepAlive = false;
    response.writeHead(503, {
      'content-type': 'text/plain',
      'content-length': Buffer.byteLength(body),
      'retry-after': String(retryAfterS),
    });
    response.end(body);
  }

  private onUpgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    this.inFlight++;
    this.tunnels.add(socket);
    socket.once('close', () => this.tunnels.delete(socket));
    let counted = true;
    const settle = () => {
      if (counted) this.inFlight--;
      counted = false;
    };
    socket.once('close', settle);
    socket.on('error', () => socket.destroy());
    if (this.bypasses(request)) return forwardUpgrade(this.context, request, socket, head, settle);
    const admission = this.gate.admit({
      release: () =>
        new Promise<void>((resolve) => {
          if (socket.destroyed) return resolve();
          forwardUpgrade(this.context, request, socket, head, () => {
            settle();
            resolve();
          });
        }),
      refuse: (_reason, retryAfterS) => {
        this.context.counters.responsesByClass[5]! += 1;
        refuseRaw(socket, 503, 'Service Unavailable', ['Retry-After', String(retryAfterS)]);
      },
    });
    if (admission.go) return forwardUpgrade(this.context, request, socket, head, settle);
    socket.once('close', admission.withdraw);
  }
}
