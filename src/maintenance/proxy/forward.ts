import type http from 'node:http';
import { clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers.ts';
import type { ProxyCounters } from './metrics.ts';
import type { Exchanger, UpstreamConnection, UpstreamFailure } from './upstream-connections.ts';
import type { Upstream, UpstreamPool } from './upstream-pool.ts';

export interface ForwardContext {
  pool: UpstreamPool;
  counters: ProxyCounters;
  upstreamTimeoutMs: number;
}

/**
 * How the client framed its request: whether a body follows and how, and whether it asked
 * `Expect: 100-continue` (which Node's server has already answered). Read off the raw
 * header list: no header object is built per request.
 */
export function requestFraming(raw: readonly string[]): {
  body: 'none' | 'sized' | 'chunked';
  expect: boolean;
} {
  let length: string | undefined;
  let coded = false;
  let expect = false;
  for (let i = 0; i < raw.length; i += 2) {
    const size = (raw[i] as string).length;
    if (size !== 14 && size !== 17 && size !== 6) continue;
    const name = (raw[i] as string).toLowerCase();
    if (name === 'content-length') length = raw[i + 1];
    else if (name === 'transfer-encoding') coded = true;
    else if (name === 'expect') expect = true;
  }
  // Node's parser has refused a request with both, or with a coding other than chunked.
  const body = coded ? 'chunked' : length !== undefined && length !== '0' ? 'sized' : 'none';
  return { body, expect };
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

/**
 * One request on its way through: the head written to an upstream connection in one go,
 * the body (if any) streamed after it once the connection stands, the answer streamed back
 * as the connection parses it.
 */
class Exchange implements Exchanger {
  private readonly body: RequestBody | undefined;
  private readonly head: string;
  private upstream: Upstream | undefined;
  private connection: UpstreamConnection | undefined;
  private tried: Set<Upstream> | undefined;
  private staleRetried = false;
  private answered = false;
  private finished = false;

  constructor(
    private readonly context: ForwardContext,
    private readonly request: http.IncomingMessage,
    private readonly response: http.ServerResponse,
    private readonly done: (() => void) | undefined,
  ) {
    const framing = requestFraming(request.rawHeaders);
    if (framing.body !== 'none') this.body = new RequestBody(request, framing.body === 'chunked');
    this.head = requestHead(request, framing.body === 'chunked', framing.expect);
    response.on('close', () => {
      // The client left before its response was complete: stop the upstream side too.
      if (!this.finished) {
        this.finished = true;
        this.body?.stop();
        this.connection?.abort();
      }
      this.done?.();
    });
  }

  attempt(): void {
    const upstream = this.context.pool.pick(this.tried);
    if (!upstream) return this.fail(502, 'Bad Gateway: no upstream answered\n');
    this.upstream = upstream;
    const connection = upstream.connections.acquire();
    this.connection = connection;
    // The body is read from the client only once connected: a refused connection has
    // consumed none of it, and the request can still go to another upstream intact.
    const { body } = this;
    connection.start(this, this.request.method ?? 'GET', this.head, body && (() => body.start(connection)));
  }

  onHead(status: number, statusText: string, rawHeaders: string[]): void {
    this.answered = true;
    this.context.counters.responsesByClass[Math.floor(status / 100)]! += 1;
    this.response.writeHead(status, statusText, clientResponseHeaders(rawHeaders));
  }

  onBody(chunk: Buffer): void {
    // The client is slower than the app: stop reading from the app until it catches up.
    if (!this.response.write(chunk)) {
      const connection = this.connection as UpstreamConnection;
      connection.pauseReading();
      this.response.once('drain', () => connection.resumeReading());
    }
  }

  onComplete(): void {
    this.finished = true;
    this.body?.stop();
    this.response.end();
  }

  onFailure(failure: UpstreamFailure, error: Error): void {
    const { context, response } = this;
    this.body?.stop();
    if (this.finished) return;
    // Cut off mid-body: the client must see a broken response, not a short one.
    if (this.answered || response.destroyed) {
      this.finished = true;
      context.counters.upstreamFailures++;
      return void response.destroy();
    }
    if (failure === 'unreached') {
      const upstream = this.upstream as Upstream;
      context.pool.reportFailure(upstream, error.message);
      this.tried ??= new Set();
      this.tried.add(upstream);
      context.counters.retries++;
      return this.attempt();
    }
    // A kept-alive connection the app closed just as it was reused: nothing was processed,
    // so a request without a body and without side effects may go again, once.
    if (failure === 'closed_idle' && !this.body && !this.staleRetried && idempotent(this.request.method)) {
      this.staleRetried = true;
      context.counters.retries++;
      return this.attempt();
    }
    if (failure === 'timeout')
      return this.fail(504, 'Gateway Timeout: the upstream did not answer in time\n');
    this.fail(502, 'Bad Gateway: the upstream failed\n');
  }

  private fail(status: number, body: string): void {
    const { context, response } = this;
    this.finished = true;
    context.counters.upstreamFailures++;
    if (response.headersSent) return void response.destroy();
    context.counters.responsesByClass[5]! += 1;
    response.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }
}

/**
 * A request body on its way upstream, read from the client only as fast as the app takes
 * it. Node has removed the client's transfer coding; a body without a length is re-chunked.
 */
class RequestBody {
  private connection: UpstreamConnection | undefined;

  constructor(
    private readonly request: http.IncomingMessage,
    private readonly chunked: boolean,
  ) {}

  start(connection: UpstreamConnection): void {
    this.connection = connection;
    this.request.on('data', this.onData);
    this.request.once('end', this.onEnd);
    connection.socket.on('drain', this.onDrain);
    this.request.resume();
  }

  stop(): void {
    this.request.off('data', this.onData);
    this.request.off('end', this.onEnd);
    this.connection?.socket.off('drain', this.onDrain);
  }

  private readonly onData = (chunk: Buffer) => {
    const connection = this.connection as UpstreamConnection;
    let more: boolean;
    if (this.chunked) {
      connection.socket.cork();
      connection.write(`${chunk.length.toString(16)}\r\n`);
      connection.write(chunk);
      more = connection.write('\r\n');
      connection.socket.uncork();
    } else more = connection.write(chunk);
    if (!more) this.request.pause();
  };

  private readonly onEnd = () => {
    const connection = this.connection as UpstreamConnection;
    if (this.chunked) connection.write('0\r\n\r\n');
    connection.sent();
    this.stop();
  };

  private readonly onDrain = () => this.request.resume();
}

const idempotent = (method: string | undefined) =>
  method === 'GET' || method === 'HEAD' || method === 'OPTIONS';

/**
 * The request line and headers as sent upstream, one string for one socket write. Method,
 * target and header values come from Node's strict parser: they hold no CR or LF.
 */
export function requestHead(request: http.IncomingMessage, chunkedBody: boolean, expect: boolean): string {
  let headers = upstreamRequestHeaders(request.rawHeaders, {
    address: request.socket.remoteAddress ?? '',
    protocol: 'encrypted' in request.socket ? 'https' : 'http',
  });
  // Node's server has already answered `Expect: 100-continue`; the body follows by itself.
  if (expect) headers = withoutHeader(headers, 'expect');
  let head = `${request.method} ${request.url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return chunkedBody ? `${head}Transfer-Encoding: chunked\r\n\r\n` : `${head}\r\n`;
}

function withoutHeader(raw: readonly string[], lower: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2)
    if ((raw[i] as string).toLowerCase() !== lower) out.push(raw[i] as string, raw[i + 1] as string);
  return out;
}
