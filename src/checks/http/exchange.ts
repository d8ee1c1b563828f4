// One HTTP request/response on a connection of its own, over node:http with the timed
// connector supplying the socket. node:http's parser is native, which matters at thousands
// of checks a second; the body is cut at `maxBody` without buffering more.
import http, { type IncomingHttpHeaders } from 'node:http';
import type net from 'node:net';
import { ConnectError, errorText, type TimedConnector } from './connector.ts';

export interface ExchangeRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string;
  maxBody: number;
  /** Keep the body bytes (only when a body match needs them). */
  keepBody: boolean;
}

export interface ExchangeResponse {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  /** The body read, up to maxBody, when keepBody was set. */
  body: Buffer | undefined;
  bytes: number;
  /** Reading stopped at maxBody with more to come. */
  truncated: boolean;
  /** performance.now() when the response headers arrived. */
  headersAt: number;
}

export type ExchangeResult = { ok: true; response: ExchangeResponse } | { ok: false; reason: string };

/** What the exchange is waiting for, for the timeout message. */
export interface ExchangeProgress {
  /** While a connection is being opened, the connector's phase says more. */
  stage: 'waiting for the response headers' | 'reading the body';
  bytes: number;
}

export function exchange(
  request: ExchangeRequest,
  progress: ExchangeProgress,
  connector: TimedConnector,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let response: ExchangeResponse | undefined;
    let settled = false;
    const settle = (result: ExchangeResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    const fail = (error: Error) => {
      // A socket that closes under the parser is reported as "socket hang up" or "aborted";
      // the socket's own error (a TLS alert, ECONNRESET) names the cause better. It may
      // arrive a turn of the event loop later than the request's error.
      setImmediate(() => settle({ ok: false, reason: describeError(error, response, connector) }));
    };
    const { url } = request;
    progress.stage = 'waiting for the response headers';
    let outgoing: http.ClientRequest;
    try {
      outgoing = http.request({
        method: request.method,
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        path: `${url.pathname}${url.search}`,
        headers: { connection: 'close', ...request.headers },
        createConnection: (_options, onCreate) => {
          // node:http reads the socket only when there is no error.
          connector.connect(url, (error, socket) => onCreate(error, socket as net.Socket));
          return undefined;
        },
      });
    } catch (error) {
      return settle({ ok: false, reason: `request not sent: ${(error as Error).message}` });
    }
    outgoing.on('error', fail);
    outgoing.on('response', (incoming) => {
      progress.stage = 'reading the body';
      const current: ExchangeResponse = {
        status: incoming.statusCode ?? 0,
        statusText: incoming.statusMessage ?? '',
        headers: incoming.headers,
        body: undefined,
        bytes: 0,
        truncated: false,
        headersAt: performance.now(),
      };
      response = current;
      const finish = () => {
        if (request.keepBody) current.body = Buffer.concat(chunks);
        settle({ ok: true, response: current });
      };
      incoming.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = request.maxBody - current.bytes;
        const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
        current.bytes += kept.length;
        progress.bytes = current.bytes;
        if (request.keepBody) chunks.push(kept);
        if (current.bytes >= request.maxBody) {
          // A body of exactly maxBody declared bytes is complete; anything else may go on
          // forever: stop here, and let the caller decide whether the part read is enough.
          const declared = Number(current.headers['content-length']);
          if (chunk.length === room && declared === current.bytes) return;
          current.truncated = true;
          finish();
          incoming.destroy();
        }
      });
      incoming.on('end', () => {
        if (incoming.complete) finish();
      });
      incoming.on('error', fail);
      incoming.on('aborted', () => fail(new Error('the connection closed before the body ended')));
      incoming.on('close', () => {
        if (!incoming.complete) fail(new Error('the connection closed before the body ended'));
      });
    });
    outgoing.end(request.body);
  });
}

function describeError(
  error: Error,
  response: ExchangeResponse | undefined,
  connector: TimedConnector,
): string {
  if (error instanceof ConnectError) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  const closedUnder = code === 'ECONNRESET' && /socket hang up|aborted/.test(error.message);
  const shown = (closedUnder || !code ? connector.lastSocketError : undefined) ?? error;
  const detail = errorText(shown);
  if (code?.startsWith('HPE_')) return `invalid HTTP response: ${detail}`;
  if (response) return `connection failed after ${response.bytes} bytes of the body: ${detail}`;
  return `connection failed before the response headers: ${detail}`;
}
