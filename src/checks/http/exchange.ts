// One HTTP request/response over an undici Client, read through the low-level dispatch
// handler so the first response byte is timed and the body is cut at `maxBody` without
// buffering more.
import type { IncomingHttpHeaders } from 'node:http';
import type { Client, Dispatcher } from 'undici';
import { ConnectError, errorText, type TimedConnector } from './connector.ts';

export interface ExchangeRequest {
  path: string;
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

class BodyCapReached extends Error {}

export function exchange(
  client: Client,
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
    const finish = () => {
      if (!response) return settle({ ok: false, reason: 'connection ended without a response' });
      if (request.keepBody) response.body = Buffer.concat(chunks);
      settle({ ok: true, response });
    };
    const handler: Dispatcher.DispatchHandler = {
      // undici recognises a handler of this API by this method.
      onRequestStart() {},
      onResponseStart(_controller, status, headers, statusText) {
        // 1xx interim responses do not end the wait for the real one.
        if (status < 200) return;
        progress.stage = 'reading the body';
        response = {
          status,
          statusText: statusText ?? '',
          headers,
          body: undefined,
          bytes: 0,
          truncated: false,
          headersAt: performance.now(),
        };
      },
      onResponseData(controller, chunk) {
        if (!response || settled) return;
        const room = request.maxBody - response.bytes;
        const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
        response.bytes += kept.length;
        progress.bytes = response.bytes;
        if (request.keepBody) chunks.push(kept);
        if (response.bytes >= request.maxBody) {
          // A body of exactly maxBody declared bytes is complete; anything else may go on
          // forever: stop here, and let the caller decide whether the part read is enough.
          const declared = Number(response.headers['content-length']);
          if (chunk.length === room && declared === response.bytes) return;
          response.truncated = true;
          finish();
          controller.abort(new BodyCapReached('max_body reached'));
        }
      },
      onResponseEnd() {
        finish();
      },
      onResponseError(_controller, error) {
        if (error instanceof BodyCapReached) return;
        const describe = () =>
          settle({ ok: false, reason: describeError(error, response, progress, connector) });
        // undici acts on the end of the stream before the TLS layer reports the alert that
        // came with it: give the socket's error one turn of the event loop to arrive.
        if ((error as NodeJS.ErrnoException).code === 'UND_ERR_SOCKET') setImmediate(describe);
        else describe();
      },
    };
    progress.stage = 'waiting for the response headers';
    try {
      client.dispatch(
        {
          path: request.path,
          method: request.method as Dispatcher.HttpMethod,
          headers: request.headers,
          ...(request.body === undefined ? {} : { body: request.body }),
        },
        handler,
      );
    } catch (error) {
      settle({ ok: false, reason: `request not sent: ${(error as Error).message}` });
    }
  });
}

function describeError(
  error: Error,
  response: ExchangeResponse | undefined,
  progress: ExchangeProgress,
  connector: TimedConnector,
): string {
  if (error instanceof ConnectError) return error.message;
  // undici reports a socket that closed under it as UND_ERR_SOCKET "other side closed";
  // the socket's own error (a TLS alert, ECONNRESET) names the cause better.
  const cause =
    (error as NodeJS.ErrnoException).code === 'UND_ERR_SOCKET' ? connector.lastSocketError : undefined;
  const shown = cause ?? error;
  const code = (shown as NodeJS.ErrnoException).code;
  const detail = errorText(shown);
  if (code?.startsWith('HPE_') || error.name === 'HTTPParserError') return `invalid HTTP response: ${detail}`;
  if (response) return `connection failed after ${response.bytes} bytes of the body: ${detail}`;
  return `connection failed before the response headers: ${detail}`;
}
