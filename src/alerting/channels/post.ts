// One HTTP POST for the HTTP channels, and the one way they all judge the answer:
// 2xx delivered; 408, 429, 5xx and network failures retryable (with the server's Retry-After);
// any other status a permanent failure that names the status and the start of the body.
// Error messages name the receiver's host only: webhook URLs and bot paths carry secrets.
import { request } from 'undici';
import { z } from 'zod';
import { DeliveryError, type SendContext } from './channel.ts';

const MAX_BODY = 64 * 1024;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An `http://` or `https://` URL setting. */
export const httpUrl = (what: string) =>
  z.url({ protocol: /^https?$/, error: `${what} must be a full http:// or https:// URL` });

/** Extra request headers: names must be HTTP tokens, values one line. */
export const headersSchema = z.record(
  z.string().regex(TOKEN, 'header names must be HTTP tokens such as X-Api-Key'),
  z.string().regex(/^[^\r\n\0]*$/, 'header values must not contain line breaks'),
);

export const USER_AGENT = 'Vigil-Alerting/0.1';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text, cut at 64 KiB. */
  body: string;
}

/**
 * Sends `body` and reads the answer. Throws a retryable DeliveryError when no answer comes
 * (refused, reset, DNS, timeout); any answer, whatever its status, is returned.
 */
export async function post(
  url: string | URL,
  body: string,
  headers: Record<string, string>,
  context: SendContext,
): Promise<HttpReply> {
  const where = hostOf(url);
  if (context.signal.aborted) throw timeoutError(where, context);
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { 'user-agent': USER_AGENT, ...headers },
      body,
      signal: context.signal,
      ...(context.dispatcher ? { dispatcher: context.dispatcher } : {}),
      headersTimeout: context.timeoutMs,
      bodyTimeout: context.timeoutMs,
    });
    let text = '';
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      if (size < MAX_BODY) text += chunk.toString('utf8', 0, Math.min(chunk.length, MAX_BODY - size));
      size += chunk.length;
    }
    return { status: response.statusCode, headers: response.headers, body: text };
  } catch (error) {
    if (context.signal.aborted) throw timeoutError(where, context);
    const e = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const code = e.cause?.code ?? e.code;
    const detail = e.cause?.message ?? e.message;
    throw new DeliveryError(`${where}: ${code ? `${code} ` : ''}${detail}`.trim(), true);
  }
}

/** `post` of a JSON value. */
export function postJson(
  url: string | URL,
  value: unknown,
  context: SendContext,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  return post(url, JSON.stringify(value), { 'content-type': 'application/json', ...headers }, context);
}

/**
 * Throws unless the reply is a 2xx. `retryAfterMs` overrides the Retry-After header (for
 * services that say it in the body: Telegram, Discord).
 */
export function expectSuccess(reply: HttpReply, url: string | URL, retryAfterMs?: number): void {
  if (reply.status >= 200 && reply.status < 300) return;
  const where = hostOf(url);
  const excerpt = reply.body.trim().replace(/\s+/g, ' ').slice(0, 200);
  const message = `${where} answered HTTP ${reply.status}${excerpt ? `: ${excerpt}` : ''}`;
  if (reply.status === 408 || reply.status === 429 || reply.status >= 500) {
    throw new DeliveryError(message, true, retryAfterMs ?? parseRetryAfter(header(reply, 'retry-after')));
  }
  if (reply.status >= 300 && reply.status < 400) {
    throw new DeliveryError(`${message} (a redirect: configure the final URL)`, false);
  }
  throw new DeliveryError(message, false);
}

export function header(reply: HttpReply, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After as milliseconds: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Parses a JSON reply body, or undefined when it is not JSON. */
export function jsonBody(reply: HttpReply): unknown {
  try {
    return JSON.parse(reply.body);
  } catch {
    return undefined;
  }
}

function hostOf(url: string | URL): string {
  try {
    return new URL(url).host;
  } catch {
    return 'receiver';
  }
}

function timeoutError(where: string, context: SendContext): DeliveryError {
  const seconds = Number((context.timeoutMs / 1000).toFixed(3));
  return new DeliveryError(`${where}: no answer within ${seconds}s`, true);
}
