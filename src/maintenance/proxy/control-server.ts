import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { parseDuration } from '../../model/duration.ts';
import type { PauseAsk } from './proxy-server.ts';

/** What the control endpoint reports about a proxy (or about all workers of one). */
export interface ProxyStatusReply {
  proxy: string;
  paused: boolean;
  reason: string;
  since: string | null;
  until: string | null;
  epoch: number;
  held_now: number;
  longest_hold_ms: number;
  in_flight: number;
  pauses_total: number;
  auto_resumes_total: number;
  responses_by_class: Record<string, number>;
  refused: { max_hold: number; max_held: number };
  upstream_failures: number;
  upstreams: { url: string; healthy: boolean }[];
  group?: string;
}

/** What the control endpoint drives: one proxy, its workers, or its whole group. */
export interface ProxyControl {
  pause(ask: PauseAsk): Promise<ProxyStatusReply>;
  resume(): Promise<ProxyStatusReply>;
  status(): Promise<ProxyStatusReply>;
  metrics(): Promise<string>;
}

const durationField = z
  .union([z.string(), z.number()])
  .optional()
  .transform((value, ctx) => {
    if (value === undefined) return undefined;
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: 'is not a positive duration (examples: 500ms, 15s, 2m)' });
      return z.NEVER;
    }
    return ms;
  });

const pauseBody = z.strictObject({
  reason: z.string().max(500, 'is longer than 500 characters').default('paused by operator'),
  max_hold: durationField,
  max_pause: durationField,
});

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Constant-time check of `Authorization: Bearer SECRET` (hashing first hides the length too). */
export function bearerMatches(header: string | undefined, secret: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice(7).trim()), digest(secret));
}

const MAX_BODY = 16 * 1024;

/** The authenticated control endpoint: POST /pause, POST /resume, GET /status, GET /metrics. */
export class ControlServer {
  private readonly server: http.Server;

  constructor(
    private readonly control: ProxyControl,
    private readonly secret: string | undefined,
    private readonly onError: (error: Error) => void = () => {},
  ) {
    this.server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: Error) => {
        this.onError(error);
        reply(response, 500, { error: error.message });
      });
    });
  }

  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (!this.secret) {
      request.resume();
      return reply(response, 403, {
        error:
          'control is disabled: no secret configured (control.secret, control.secret_file or VIGIL_PROXY_SECRET)',
      });
    }
    if (!bearerMatches(request.headers.authorization, this.secret)) {
      request.resume();
      response.setHeader('www-authenticate', 'Bearer');
      return reply(response, 401, { error: 'missing or wrong bearer secret' });
    }
    const path = (request.url ?? '/').split('?')[0];
    const route = `${request.method} ${path}`;
    switch (route) {
      case 'GET /status':
        return reply(response, 200, await this.control.status());
      case 'GET /metrics': {
        const text = await this.control.metrics();
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        response.end(text);
        return;
      }
      case 'POST /resume':
        request.resume();
        return reply(response, 200, await this.control.resume());
      case 'POST /pause': {
        const text = await readBody(request);
        if (text === undefined) return reply(response, 413, { error: `body: larger than ${MAX_BODY} bytes` });
        let json: unknown = {};
        if (text.trim() !== '') {
          try {
            json = JSON.parse(text);
          } catch (error) {
            return reply(response, 400, { error: `body: not JSON (${(error as Error).message})` });
          }
        }
        const parsed = pauseBody.safeParse(json);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const where = issue?.path.length ? `body.${issue.path.join('.')}` : 'body';
          return reply(response, 400, { error: `${where}: ${issue?.message ?? 'invalid'}` });
        }
        return reply(
          response,
          200,
          await this.control.pause({
            reason: parsed.data.reason,
            maxHoldMs: parsed.data.max_hold,
            maxPauseMs: parsed.data.max_pause,
          }),
        );
      }
      default:
        request.resume();
        return reply(response, 404, {
          error: `no ${route}: try POST /pause, POST /resume, GET /status, GET /metrics`,
        });
    }
  }
}

function reply(response: http.ServerResponse, status: number, body: object): void {
  if (response.headersSent) return;
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function readBody(request: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
