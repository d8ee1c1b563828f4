import http from 'node:http';
import { clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers.ts';
import type { ProxyCounters } from './metrics.ts';
import type { Upstream, UpstreamPool } from './upstream-pool.ts';

export interface ForwardContext {
  pool: UpstreamPool;
  counters: ProxyCounters;
  upstreamTimeoutMs: number;
}

const IDEMPOTENT_WITHOUT_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

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
  const withBody = hasRequestBody(request);
  const headers = upstreamRequestHeaders(request.rawHeaders, {
    address: request.socket.remoteAddress ?? '',
    protocol: 'encrypted' in request.socket ? 'https' : 'http',
  });
  if (request.headers['transfer-encoding'] !== undefined) headers.push('Transfer-Encoding', 'chunked');
  const hasHost = request.headers.host !== undefined;
  let tried: Set<Upstream> | undefined;
  let resetRetried = false;
  let finished = false;
  const finish = () => {
    if (finished) return;
    finished = true;
    done?.();
  };
  response.once('close', finish);

  const attempt = () => {
    const upstream = context.pool.pick(tried);
    if (!upstream) return fail(502, 'Bad Gateway: no upstream answered\n');
    const outgoing = http.request({
      host: upstream.host,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers: hasHost ? headers : [...headers, 'Host', `${upstream.host}:${upstream.port}`],
      agent: upstream.agent,
      timeout: context.upstreamTimeoutMs,
    });
    let answered = false;
    outgoing.on('response', (upstreamResponse) => {
      answered = true;
      const status = upstreamResponse.statusCode ?? 502;
      context.counters.responsesByClass[Math.floor(status / 100)]! += 1;
      response.writeHead(
        status,
        upstreamResponse.statusMessage,
        clientResponseHeaders(upstreamResponse.rawHeaders),
      );
      upstreamResponse.pipe(response);
      upstreamResponse.once('aborted', () => response.destroy());
      upstreamResponse.once('error', () => response.destroy());
    });
    outgoing.on('timeout', () => outgoing.destroy(new UpstreamTimeout()));
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (answered || response.destroyed) return response.destroy();
      if (error.code === 'ECONNREFUSED') {
        context.pool.reportFailure(upstream, error.message);
        tried ??= new Set();
        tried.add(upstream);
        context.counters.retries++;
        return attempt();
      }
      // A kept-alive socket the app closed just as we reused it: nothing was processed,
      // so a request without a body and without side effects may go again, once.
      if (
        outgoing.reusedSocket &&
        !withBody &&
        !resetRetried &&
        IDEMPOTENT_WITHOUT_BODY.has(request.method ?? '')
      ) {
        resetRetried = true;
        context.counters.retries++;
        return attempt();
      }
      if (error instanceof UpstreamTimeout)
        return fail(504, 'Gateway Timeout: the upstream did not answer in time\n');
      fail(502, 'Bad Gateway: the upstream failed\n');
    });
    response.once('close', () => {
      if (!response.writableFinished) outgoing.destroy();
    });
    if (!withBody) {
      outgoing.end();
      return;
    }
    // The body starts flowing only once connected: a refused connection has then consumed
    // none of it, and the request can still go to another upstream intact.
    outgoing.once('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => request.pipe(outgoing));
      else request.pipe(outgoing);
    });
  };

  const fail = (status: number, body: string) => {
    context.counters.upstreamFailures++;
    if (response.headersSent) return response.destroy();
    context.counters.responsesByClass[5]! += 1;
    response.writeHead(status, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
    response.end(body);
  };

  attempt();
}

class UpstreamTimeout extends Error {}
