// Shared setup for the proxy tests: app servers on loopback that record what reached them,
// and a proxy started in this process on free ports.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { ProxyConfig } from '../../src/maintenance/proxy/config.ts';
import { type RunningProxy, runProxy } from '../../src/maintenance/proxy/run-proxy.ts';

export const SECRET = 'test-secret-0123456789';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface TestApp {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Delay before answering, per request (ms). */
  delayMs: number;
  server: http.Server;
  close(): Promise<void>;
}

/** An app server: answers `NAME <url>` after reading the whole body, or echoes /echo. */
export async function startApp(name: string, port = 0): Promise<TestApp> {
  const app: TestApp = {
    url: '',
    port: 0,
    seen: [],
    delayMs: 0,
    server: http.createServer(),
    close: async () => {
      app.server.closeAllConnections();
      await new Promise((resolve) => app.server.close(resolve));
    },
  };
  app.server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (request.url === '/echo') {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      request.pipe(response);
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (request.url !== '/health')
        app.seen.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body,
        });
      setTimeout(() => {
        response.writeHead(200, { 'content-type': 'text/plain', 'x-app': name });
        response.end(`${name} ${request.url}`);
      }, app.delayMs);
    });
  });
  await new Promise<void>((resolve) => app.server.listen(port, '127.0.0.1', resolve));
  app.port = (app.server.address() as AddressInfo).port;
  app.url = `http://127.0.0.1:${app.port}`;
  return app;
}

export function proxyConfig(upstreams: string[], change: (c: ProxyConfig) => void = () => {}): ProxyConfig {
  const config: ProxyConfig = {
    listen: { host: '127.0.0.1', port: 0 },
    upstreams,
    upstreamTimeoutMs: 10_000,
    healthCheck: { path: '/health', intervalMs: 200, timeoutMs: 500, unhealthyAfter: 2, healthyAfter: 2 },
    pause: {
      maxHoldMs: 10_000,
      maxPauseMs: 20_000,
      maxHeld: 1000,
      onMaxHold: 'reject',
      releaseConcurrency: 4,
    },
    bypass: { paths: ['/health'], userAgents: ['kube-probe'] },
    control: { host: '127.0.0.1', port: 0, secret: SECRET },
    shutdownTimeoutMs: 10_000,
    workers: 1,
  };
  change(config);
  return config;
}

export interface TestProxy extends RunningProxy {
  url: string;
  controlUrl: string;
  control(method: 'GET' | 'POST', path: string, body?: object, secret?: string): Promise<Response>;
}

export async function startProxy(config: ProxyConfig): Promise<TestProxy> {
  const running = await runProxy(config, pino({ level: process.env.VIGIL_TEST_LOG ?? 'silent' }));
  const controlUrl = `http://127.0.0.1:${running.controlAddress.port}`;
  return {
    ...running,
    url: `http://127.0.0.1:${running.address.port}`,
    controlUrl,
    control: (method, path, body, secret = SECRET) =>
      fetch(`${controlUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      }),
  };
}

/** One request over a fresh connection (node:http, so nothing is pooled behind the test's back). */
export function request(
  url: string,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    agent?: http.Agent;
  } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(options.path ?? '/', url);
    const outgoing = http.request(
      target,
      { method: options.method ?? 'GET', headers: options.headers, agent: options.agent ?? false },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
