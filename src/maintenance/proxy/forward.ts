import type http from 'node:http';
import type { Dispatcher } from 'undici';
import { clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers.ts';
import type { ProxyCounters } from './metrics.ts';
import type { Upstream, UpstreamPool } from './upstream-pool.ts';

export interface ForwardContext {
  pool: UpstreamPool;
  counters: ProxyCounters;
  upstreamTimeoutMs: number;
}

/** Whether the request carries a body that must be streamed upstream. */
export function hasRequestBody(request: http.IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Sends one client request to an upstream and streams the answer back; calls `done` once
 * the client has its response (or the exchange failed). Bodies stream both ways: neither
 * is read into memory. A request is tried on another upstream only when that cannot
 * repeat it: the connection was refused, so not one byte reached the app.
 */
export function forwardRequest(
  context: ForwardContext,
  request: http.IncomingMessage,
  response: http.ServerResponse,
  done?: () => void,
): void {
  new Exchange(context, request, response, done).attempt();
}

const UPSTREAM_TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** The app closed the connection before answering: on a kept-alive connection, a race. */
const CLOSED_UNDER_US = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/**
 * One request on its way through. It is undici's dispatch handler (callbacks, no stream
 * objects between the app's answer and the client), which keeps the per-request cost of
 * the proxy low; the older callback form is used because it hands over raw header lists.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private readonly withBody: boolean;
  private readonly headers: string[];
  private upstream: Upstream | undefined;
  private tried: Set<Upstream> | undefined;
  private resetRetried = false;
  private answered = false;
  private abort: ((error?: Error) => void) | undefined;
  private resume: (() => void) | undefined;

  constructor(
    private readonly context: ForwardContext,
    private readonly request: http.IncomingMessage,
    private readonly response: http.ServerResponse,
    private readonly done: (() => void) | undefined,
  ) {
    this.withBody = hasRequestBody(request);
    this.headers = upstreamRequestHeaders(request.rawHeaders, {
      address: request.socket.remoteAddress ?? '',
      protocol: 'encrypted' in request.socket ? 'https' : 'http',
    });
    // Node's server has already answered `Expect: 100-continue`; the body follows by itself.
    if (request.headers.expect !== undefined) this.headers = withoutHeader(this.headers, 'expect');
    response.on('close', () => {
      // The client left before its response was complete: stop the upstream side too.
      if (!response.writableFinished) this.abort?.(new ClientGone());
      this.done?.();
    });
  }

  attempt(): void {
    const upstream = this.context.pool.pick(this.tried);
    if (!upstream) return this.fail(502, 'Bad Gateway: no upstream answered\n');
    this.upstream = upstream;
    this.abort = undefined;
    upstream.connections.dispatch(
      {
        method: this.request.method as Dispatcher.HttpMethod,
        path: this.request.url ?? '/',
        headers: this.headers,
        // Read from the client only once connected: a refused connection has consumed none
        // of it, and the request can still go to another upstream intact.
        body: this.withBody ? this.request : null,
      },
      this,
    );
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.response.destroyed) return abort(new ClientGone());
    this.abort = abort;
  }

  onHeaders(status: number, raw: Buffer[], resume: () => void, statusText: string): boolean {
    this.answered = true;
    this.resume = resume;
    this.context.counters.responsesByClass[Math.floor(status / 100)]! += 1;
    const names: string[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) names[i] = (raw[i] as Buffer).toString('latin1');
    this.response.writeHead(status, statusText, clientResponseHeaders(names));
    this.response.on('drain', () => this.resume?.());
    return true;
  }

  /** False pauses the upstream until the client has taken what it was sent ('drain'). */
  onData(chunk: Buffer): boolean {
    return this.response.write(chunk);
  }

  onComplete(): void {
    this.response.end();
  }

  onError(error: Error & { code?: string }): void {
    const { context, response } = this;
    // Cut off mid-body: the client must see a broken response, not a short one.
    if (this.answered || response.destroyed) return void response.destroy();
    const upstream = this.upstream as Upstream;
    if (error.code === 'ECONNREFUSED') {
      context.pool.reportFailure(upstream, error.message);
      this.tried ??= new Set();
      this.tried.add(upstream);
      context.counters.retries++;
      return this.attempt();
    }
    // A kept-alive connection the app closed just as it was reused: nothing was processed,
    // so a request without a body and without side effects may go again, once.
    if (
      CLOSED_UNDER_US.has(error.code ?? '') &&
      !this.withBody &&
      !this.resetRetried &&
      idempotent(this.request.method)
    ) {
      this.resetRetried = true;
      context.counters.retries++;
      return this.attempt();
    }
    if (UPSTREAM_TIMEOUTS.has(error.code ?? ''))
      return this.fail(504, 'Gateway Timeout: the upstream did not answer in time\n');
    this.fail(502, 'Bad Gateway: the upstream failed\n');
  }

  private fail(status: number, body: string): void {
    const { context, response } = this;
    context.counters.upstreamFailures++;
    if (response.headersSent) return void response.destroy();
    context.counters.responsesByClass[5]! += 1;
    response.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }
}

/** Ends the upstream side of an exchange whose client has disconnected. */
class ClientGone extends Error {}

const idempotent = (method: string | undefined) =>
  method === 'GET' || method === 'HEAD' || method === 'OPTIONS';

function withoutHeader(raw: readonly string[], lower: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2)
    if ((raw[i] as string).toLowerCase() !== lower) out.push(raw[i] as string, raw[i + 1] as string);
  return out;
}
