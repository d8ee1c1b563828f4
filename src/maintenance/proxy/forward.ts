import type http from 'node:http';
import { clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers.ts';
import type { ProxyCounters } from './metrics.ts';
import { UpstreamProtocolError } from './response-parser.ts';
import type { Exchanger, UpstreamConnection, UpstreamFailure } from './upstream-connections.ts';
import type { Upstream, UpstreamPool } from './upstream-pool.ts';

export interface ForwardContext {
  pool: UpstreamPool;
  counters: ProxyCounters;
  upstreamTimeoutMs: number;
}

export interface RequestFraming {
  /** unsupported: a transfer coding other than chunked (answered 501, never forwarded). */
  body: 'none' | 'sized' | 'chunked' | 'unsupported';
  /** The Content-Length the client sent, as a plain number (Node's parser has checked it is one). */
  length: string | undefined;
  /** `Expect: 100-continue`, which Node's server has already answered. */
  expect: boolean;
  /** Whether the client named a Host (an HTTP/1.0 client may not). */
  host: boolean;
}

/**
 * How the client framed its request, read off the raw header list (no header object is
 * built per request). Node's parser has refused Content-Length together with
 * Transfer-Encoding, and a coding list that does not end in chunked.
 */
export function requestFraming(raw: readonly string[]): RequestFraming {
  let length: string | undefined;
  let coding: string | undefined;
  let codings = 0;
  let expect = false;
  let host = false;
  for (let i = 0; i < raw.length; i += 2) {
    const size = (raw[i] as string).length;
    if (size !== 14 && size !== 17 && size !== 6 && size !== 4) continue;
    const name = (raw[i] as string).toLowerCase();
    if (name === 'content-length') length = String(Number(raw[i + 1]));
    else if (name === 'transfer-encoding') {
      coding = raw[i + 1];
      codings++;
    } else if (name === 'expect') expect = true;
    else if (name === 'host') host = true;
  }
  let body: RequestFraming['body'] = length !== undefined && length !== '0' ? 'sized' : 'none';
  // Only chunked alone is passed on: the proxy removes it, and could not say what else was applied.
  if (coding !== undefined)
    body = codings === 1 && coding.trim().toLowerCase() === 'chunked' ? 'chunked' : 'unsupported';
  return { body, length, expect, host };
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
  private readonly framing: RequestFraming;
  private upstream: Upstream | undefined;
  private connection: UpstreamConnection | undefined;
  private tried: Set<Upstream> | undefined;
  private staleRetried = false;
  private answered = false;
  /** Reading from the app is paused until the client takes what it was sent. */
  private waitingForClient = false;
  private finished = false;

  constructor(
    private readonly context: ForwardContext,
    private readonly request: http.IncomingMessage,
    private readonly response: http.ServerResponse,
    private readonly done: (() => void) | undefined,
  ) {
    const framing = requestFraming(request.rawHeaders);
    this.framing = framing;
    if (framing.body === 'sized' || framing.body === 'chunked')
      this.body = new RequestBody(request, framing.body === 'chunked');
    this.head = requestHead(request, framing);
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
    if (this.framing.body === 'unsupported')
      return this.fail(501, 'Not Implemented: only the chunked transfer coding is accepted\n', false);
    const upstream = this.context.pool.pick(this.tried);
    if (!upstream) return this.fail(502, 'Bad Gateway: no upstream answered\n');
    this.upstream = upstream;
    const connection = upstream.connections.acquire();
    this.connection = connection;
    // The body is read from the client only once connected: a refused connection has
    // consumed none of it, and the request can still go to another upstream intact.
    const { body } = this;
    // An HTTP/1.0 client may name no Host; HTTP/1.1 to the app needs one: the app's own.
    const head = this.framing.host
      ? this.head
      : `${this.head.slice(0, -2)}Host: ${upstream.host.includes(':') ? `[${upstream.host}]` : upstream.host}:${upstream.port}\r\n\r\n`;
    connection.start(this, this.request.method ?? 'GET', head, body && (() => body.start(connection)));
  }

  onHead(status: number, statusText: string, rawHeaders: string[]): void {
    try {
      this.response.writeHead(status, statusText, clientResponseHeaders(rawHeaders));
    } catch (error) {
      // Node refused the head: the app's answer cannot be passed on (a 502, not a cut-off).
      throw new UpstreamProtocolError(
        `upstream sent a response Node cannot pass on: ${(error as Error).message}`,
      );
    }
    this.answered = true;
    this.context.counters.responsesByClass[Math.floor(status / 100)]! += 1;
  }

  onBody(chunk: Buffer): void {
    // The client is slower than the app: stop reading from the app until it catches up.
    if (!this.response.write(chunk) && !this.waitingForClient) {
      const connection = this.connection as UpstreamConnection;
      this.waitingForClient = true;
      connection.pauseReading();
      this.response.once('drain', () => {
        this.waitingForClient = false;
        // Once the answer is complete the connection resumed itself and may serve another.
        if (!this.finished) connection.resumeReading();
      });
    }
  }

  onComplete(): void {
    this.finished = true;
    this.endBody();
    this.response.end();
  }

  onFailure(failure: UpstreamFailure, error: Error): void {
    const { context, response } = this;
    if (this.finished) return;
    // Cut off mid-body: the client must see a broken response, not a short one.
    if (this.answered || response.destroyed) {
      this.finished = true;
      this.endBody();
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

  /**
   * Stops sending the request body. If the app answered (or failed) before all of it came,
   * the rest is read and dropped, so the client's connection does not stall and its next
   * request is read in turn.
   */
  private endBody(): void {
    const { body, request } = this;
    if (!body) return;
    body.stop();
    if (!request.complete) request.resume();
  }

  /** Answers the client itself; `appAtFault` false when the request, not an app, is why. */
  private fail(status: number, body: string, appAtFault = true): void {
    const { context, response } = this;
    this.finished = true;
    this.endBody();
    if (appAtFault) context.counters.upstreamFailures++;
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
 * target and header values come from Node's strict parser: they hold no CR or LF. The
 * framing is the proxy's own, written from what Node read: the body's length, or chunked.
 */
export function requestHead(request: http.IncomingMessage, framing: RequestFraming): string {
  let headers = upstreamRequestHeaders(request.rawHeaders, {
    address: request.socket.remoteAddress ?? '',
    protocol: 'encrypted' in request.socket ? 'https' : 'http',
  });
  // Node's server has already answered `Expect: 100-continue`; the body follows by itself.
  if (framing.length !== undefined || framing.expect) headers = withoutFraming(headers);
  let head = `${request.method} ${request.url} HTTP/1.1\r\n`;
  for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
  if (framing.body === 'chunked') return `${head}Transfer-Encoding: chunked\r\n\r\n`;
  return framing.length !== undefined ? `${head}Content-Length: ${framing.length}\r\n\r\n` : `${head}\r\n`;
}

/** The header list without Content-Length and Expect (the head writes its own framing). */
function withoutFraming(raw: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = (raw[i] as string).toLowerCase();
    if (lower !== 'content-length' && lower !== 'expect') out.push(raw[i] as string, raw[i + 1] as string);
  }
  return out;
}
