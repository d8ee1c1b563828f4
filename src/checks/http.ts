// The `http` check kind: one HTTP(S) request (plus any redirects it is told to follow),
// judged on status, body, response time and certificate expiry, with every phase timed.
// Each request opens its own connection and closes it, so the timings always include a
// real connect, as check_http's do.
import net from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { type PerfDatum, SERVICE_STATE_NAMES, ServiceState } from '../model/types.ts';
import type { CheckEnv, CheckKind, CheckOutcome, CheckTarget } from './check.ts';
import { TimedConnector, type TlsSettings } from './http/connector.ts';
import { type ExchangeProgress, type ExchangeResponse, exchange } from './http/exchange.ts';
import { evaluateJsonPath, parseJsonPath } from './http/json-path.ts';
import { stateFor, type ThresholdRange, thresholdSchema, worstState } from './thresholds.ts';
import {
  certificateLines,
  daysLeft,
  describeExpiry,
  readPemFile,
  seconds,
  summarizeCertificate,
  timeoutText,
} from './tls/certificate.ts';

const MIB = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

const jsonPathSchema = z.string().transform((text, ctx) => {
  const path = parseJsonPath(text);
  if (typeof path === 'string') {
    ctx.addIssue({ code: 'custom', message: path });
    return z.NEVER;
  }
  return path;
});

const regexSchema = z.string().transform((text, ctx) => {
  try {
    return new RegExp(text);
  } catch (error) {
    ctx.addIssue({
      code: 'custom',
      message: `expect_regex is not a valid regular expression: ${(error as Error).message}`,
    });
    return z.NEVER;
  }
});

const params = z
  .strictObject({
    /** Full URL; without it the request goes to the host's address. */
    url: z.url({ protocol: /^https?$/, error: 'url must be a full http:// or https:// URL' }).optional(),
    path: z.string().startsWith('/', 'path must start with "/"').optional(),
    port: z.number().int().min(1).max(65535).optional(),
    tls: z.boolean().optional(),
    method: z
      .string()
      .regex(TOKEN, 'method must be a single word such as GET or POST')
      .transform((m) => m.toUpperCase())
      .default('GET'),
    headers: z
      .record(
        z.string().regex(TOKEN, 'header names must be HTTP tokens'),
        z.string().regex(/^[^\r\n\0]*$/, 'header values must not contain line breaks'),
      )
      .default({}),
    body: z.string().optional(),
    /** Accepted status codes; by default any 2xx or 3xx. */
    expect_status: z.array(z.number().int().min(100).max(599)).min(1, 'expect_status is empty').optional(),
    expect_body: z.string().min(1, 'expect_body is empty').optional(),
    expect_regex: regexSchema.optional(),
    expect_json: z.strictObject({ path: jsonPathSchema, equals: z.json().optional() }).optional(),
    follow_redirects: z.number().int().min(0).max(20, 'follow_redirects is at most 20').default(0),
    max_body: z
      .number()
      .int()
      .min(1)
      .max(64 * MIB, 'max_body is at most 64 MiB')
      .default(MIB),
    basic: z.strictObject({ user: z.string(), password: z.string() }).optional(),
    bearer: z.string().min(1, 'bearer token is empty').optional(),
    client_cert: z.string().min(1).optional(),
    /** Defaults to client_cert (one PEM file holding both). */
    client_key: z.string().min(1).optional(),
    ca: z.string().min(1).optional(),
    insecure: z.boolean().default(false),
    /** Total response time, seconds. */
    warn: thresholdSchema.optional(),
    crit: thresholdSchema.optional(),
    cert_warn_days: z.number().min(0).optional(),
    cert_crit_days: z.number().min(0).optional(),
  })
  .superRefine((p, ctx) => {
    const issue = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (p.url !== undefined && (p.path !== undefined || p.port !== undefined || p.tls !== undefined))
      issue('give either url, or path/port/tls against the host address, not both');
    if (p.basic && p.bearer) issue('give either basic or bearer authentication, not both');
    if (p.client_key && !p.client_cert) issue('client_key needs client_cert');
  });

export type HttpParams = z.output<typeof params>;

export const httpCheck: CheckKind<HttpParams> = {
  kind: 'http',
  params,
  async run(p, target, env) {
    try {
      return await runHttp(p, target, env);
    } catch (error) {
      // Nothing above should throw; if it does, it is a bug to report, not a crash.
      return outcome(ServiceState.UNKNOWN, `internal error: ${(error as Error).message}`);
    }
  },
};

interface Hop {
  url: URL;
  response: ExchangeResponse;
  startedAt: number;
}

async function runHttp(p: HttpParams, target: CheckTarget, env: CheckEnv): Promise<CheckOutcome> {
  let url: URL;
  try {
    url = new URL(p.url ?? defaultUrl(p, target.host.address));
  } catch {
    return outcome(ServiceState.UNKNOWN, `cannot build a URL from host address "${target.host.address}"`);
  }
  const tlsSettings = await readTlsFiles(p);
  if (typeof tlsSettings === 'string') return outcome(ServiceState.UNKNOWN, tlsSettings);
  if (env.signal.aborted)
    return outcome(ServiceState.CRITICAL, `no answer from ${url} within ${timeoutText(env.timeoutMs)}`);

  const connector = new TimedConnector(tlsSettings);
  const progress: ExchangeProgress = { stage: 'waiting for the response headers', bytes: 0 };
  const started = performance.now();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    env.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const result = await Promise.race([fetchFollowingRedirects(p, url, connector, progress), aborted]);
    if (result === 'aborted') {
      const stage = connector.phase ?? progress.stage;
      const detail =
        stage === 'reading the body' ? `reading the body, ${progress.bytes} bytes so far` : stage;
      return outcome(
        ServiceState.CRITICAL,
        `no answer from ${url} within ${timeoutText(env.timeoutMs)} (${detail})`,
      );
    }
    if (!result.ok) {
      const lines = [`URL: ${url}`, ...redirectLines(result.hops), ...tlsLines(connector, Date.now())];
      return outcome(ServiceState.CRITICAL, result.reason, lines.join('\n'));
    }
    return judge(p, result.hops, performance.now() - started, connector);
  } finally {
    if (onAbort) env.signal.removeEventListener('abort', onAbort);
    // Plainly, without an error: a socket destroyed with one formats its stack, which is
    // costly at thousands of checks a second.
    connector.destroyAll();
  }
}

type FetchResult = { ok: true; hops: Hop[] } | { ok: false; reason: string; hops: Hop[] };

async function fetchFollowingRedirects(
  p: HttpParams,
  firstUrl: URL,
  connector: TimedConnector,
  progress: ExchangeProgress,
): Promise<FetchResult> {
  const hops: Hop[] = [];
  const visited = new Set<string>();
  let url = firstUrl;
  let method = p.method;
  let body = p.body;
  const keepBody = p.expect_body !== undefined || p.expect_regex !== undefined || p.expect_json !== undefined;
  for (;;) {
    visited.add(url.href);
    const startedAt = performance.now();
    const result = await exchange(
      {
        url,
        method,
        headers: requestHeaders(p, url, firstUrl),
        ...(body === undefined ? {} : { body }),
        maxBody: p.max_body,
        keepBody,
      },
      progress,
      connector,
    );
    if (!result.ok) return { ok: false, reason: result.reason, hops };
    const response = result.response;
    hops.push({ url, response, startedAt });
    const location = response.headers.location;
    if (p.follow_redirects === 0 || !REDIRECT_STATUSES.has(response.status) || typeof location !== 'string')
      return { ok: true, hops };
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      return { ok: false, reason: `redirect to an invalid Location "${location}"`, hops };
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:')
      return { ok: false, reason: `redirect to unsupported URL ${next}`, hops };
    if (visited.has(next.href))
      return {
        ok: false,
        reason: `redirect loop: ${[...hops.map((h) => h.url.href), next.href].join(' -> ')}`,
        hops,
      };
    if (hops.length > p.follow_redirects)
      return { ok: false, reason: `more than ${p.follow_redirects} redirects (next: ${next})`, hops };
    // As browsers do: 303, and 301/302 after a POST, continue with a GET and no body.
    if (
      response.status === 303 ||
      ((response.status === 301 || response.status === 302) && method === 'POST')
    ) {
      if (method !== 'HEAD') method = 'GET';
      body = undefined;
    }
    url = next;
  }
}

function requestHeaders(p: HttpParams, url: URL, firstUrl: URL): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': 'vigil-check-http', ...p.headers };
  // Credentials go only to the origin they were configured for, not to a redirect target elsewhere.
  if (url.origin !== firstUrl.origin) {
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
    return headers;
  }
  if (p.basic)
    headers.authorization = `Basic ${Buffer.from(`${p.basic.user}:${p.basic.password}`).toString('base64')}`;
  if (p.bearer) headers.authorization = `Bearer ${p.bearer}`;
  return headers;
}

interface Finding {
  state: ServiceState;
  text: string;
}

function judge(p: HttpParams, hops: Hop[], totalMs: number, connector: TimedConnector): CheckOutcome {
  const last = hops[hops.length - 1] as Hop;
  const response = last.response;
  const now = Date.now();
  const findings: Finding[] = [];

  const accepted = p.expect_status
    ? p.expect_status.includes(response.status)
    : response.status >= 200 && response.status < 400;
  if (!accepted) {
    const expected = p.expect_status ? p.expect_status.join(', ') : '2xx or 3xx';
    findings.push({
      state: ServiceState.CRITICAL,
      text: `unexpected status ${response.status} (expected ${expected})`,
    });
  }
  findings.push(...bodyFindings(p, response));

  const totalS = totalMs / 1000;
  const timeState = stateFor(totalS, { warn: p.warn, crit: p.crit });
  if (timeState !== ServiceState.OK) {
    const range = (timeState === ServiceState.CRITICAL ? p.crit : p.warn) as ThresholdRange;
    findings.push({
      state: timeState,
      text: `response time ${seconds(totalMs)} s outside ${timeState === ServiceState.CRITICAL ? 'crit' : 'warn'} ${range.text}`,
    });
  }

  const https = last.url.protocol === 'https:';
  const cert = https ? summarizeCertificate(connector.tlsPeer?.certificate) : undefined;
  let certDays: number | undefined;
  if (cert) {
    certDays = daysLeft(cert, now);
    const certState =
      p.cert_crit_days !== undefined && certDays < p.cert_crit_days
        ? ServiceState.CRITICAL
        : p.cert_warn_days !== undefined && certDays < p.cert_warn_days
          ? ServiceState.WARNING
          : ServiceState.OK;
    if (certState !== ServiceState.OK)
      findings.push({ state: certState, text: `certificate ${describeExpiry(cert, now)}` });
  }

  const state = worstState(findings.map((f) => f.state));
  const t = connector.timings;
  const firstByteMs = Math.max(0, response.headersAt - Math.max(last.startedAt, t.readyAt));
  const size = response.truncated
    ? `${response.bytes} bytes (stopped at max_body)`
    : `${response.bytes} bytes`;
  const problems = findings.filter((f) => f.state !== ServiceState.OK).map((f) => f.text);
  const statusLine = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  const output = `${statusLine} - ${size} in ${seconds(totalMs)} s${problems.length ? ` - ${problems.join('; ')}` : ''}`;

  const perfdata: PerfDatum[] = [
    {
      label: 'time',
      value: round(totalS),
      unit: 's',
      ...(p.warn ? { warn: p.warn.text } : {}),
      ...(p.crit ? { crit: p.crit.text } : {}),
      min: 0,
    },
    { label: 'time_dns', value: round(t.dnsMs / 1000), unit: 's', min: 0 },
    { label: 'time_connect', value: round(t.connectMs / 1000), unit: 's', min: 0 },
    { label: 'time_tls', value: round(t.tlsMs / 1000), unit: 's', min: 0 },
    { label: 'time_firstbyte', value: round(firstByteMs / 1000), unit: 's', min: 0 },
    { label: 'size', value: response.bytes, unit: 'B', min: 0 },
  ];
  if (certDays !== undefined) {
    perfdata.push({
      label: 'cert_days',
      value: Number(certDays.toFixed(2)),
      unit: '',
      ...(p.cert_warn_days !== undefined ? { warn: `${p.cert_warn_days}:` } : {}),
      ...(p.cert_crit_days !== undefined ? { crit: `${p.cert_crit_days}:` } : {}),
    });
  }

  const lines = [
    `URL: ${last.url}`,
    ...redirectLines(hops),
    `timings: dns ${seconds(t.dnsMs)} s, connect ${seconds(t.connectMs)} s, tls ${seconds(t.tlsMs)} s, first byte ${seconds(firstByteMs)} s, total ${seconds(totalMs)} s (${t.connections} connection${t.connections === 1 ? '' : 's'})`,
    ...(response.truncated ? [`body: stopped reading at max_body (${p.max_body} bytes)`] : []),
    ...(https ? tlsLines(connector, now) : []),
  ];
  return outcome(state, output, lines.join('\n'), perfdata);
}

function bodyFindings(p: HttpParams, response: ExchangeResponse): Finding[] {
  const findings: Finding[] = [];
  const text = response.body?.toString('utf8') ?? '';
  // A match that fails on a cut-off body may be a false alarm: say that the body was cut.
  const within = response.truncated
    ? ` in the first ${response.bytes} bytes (body longer than max_body)`
    : '';
  if (p.expect_body !== undefined && !text.includes(p.expect_body))
    findings.push({
      state: ServiceState.CRITICAL,
      text: `body does not contain ${JSON.stringify(p.expect_body)}${within}`,
    });
  if (p.expect_regex !== undefined && !p.expect_regex.test(text))
    findings.push({
      state: ServiceState.CRITICAL,
      text: `body does not match /${p.expect_regex.source}/${within}`,
    });
  if (p.expect_json !== undefined) {
    const expectation = p.expect_json;
    const fail = (reason: string) => findings.push({ state: ServiceState.CRITICAL, text: reason });
    if (response.truncated) {
      fail(`body is longer than max_body (${response.bytes} bytes), cannot check ${expectation.path.text}`);
      return findings;
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      fail(`body is not JSON: ${(error as Error).message}`);
      return findings;
    }
    const found = evaluateJsonPath(document, expectation.path);
    if (!found.found) fail(`${expectation.path.text} not found: ${found.reason}`);
    else if (Object.hasOwn(expectation, 'equals') && !isDeepStrictEqual(found.value, expectation.equals))
      fail(`${expectation.path.text} is ${brief(found.value)}, expected ${brief(expectation.equals)}`);
  }
  return findings;
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function redirectLines(hops: Hop[]): string[] {
  if (hops.length < 2) return [];
  return [`redirects: ${hops.map((h) => `${h.url} (${h.response.status})`).join(' -> ')}`];
}

function tlsLines(connector: TimedConnector, now: number): string[] {
  const peer = connector.tlsPeer;
  const cert = summarizeCertificate(peer?.certificate);
  if (!peer || !cert) return [];
  return [
    `TLS: ${peer.protocol ?? '?'} ${peer.cipher}${peer.authorized ? ', certificate verified' : `, certificate not verified: ${peer.authorizationError ?? 'unknown reason'}`}`,
    ...certificateLines(cert, now).map((line) => `certificate ${line}`),
  ];
}

async function readTlsFiles(p: HttpParams): Promise<TlsSettings | string> {
  const settings: TlsSettings = { verify: !p.insecure };
  const files: [param: string, path: string | undefined, key: 'ca' | 'cert' | 'key'][] = [
    ['ca', p.ca, 'ca'],
    ['client_cert', p.client_cert, 'cert'],
    ['client_key', p.client_key ?? p.client_cert, 'key'],
  ];
  for (const [param, path, key] of files) {
    if (path === undefined) continue;
    const content = await readPemFile(param, path);
    if (typeof content === 'string') return content;
    settings[key] = content;
  }
  return settings;
}

function defaultUrl(p: HttpParams, address: string): string {
  const host = net.isIPv6(address) ? `[${address}]` : address;
  return `${p.tls ? 'https' : 'http'}://${host}${p.port ? `:${p.port}` : ''}${p.path ?? '/'}`;
}

function round(value: number): number {
  return Number(value.toFixed(6));
}

function outcome(
  exitCode: ServiceState,
  text: string,
  longOutput = '',
  perfdata: PerfDatum[] = [],
): CheckOutcome {
  return { exitCode, output: `HTTP ${SERVICE_STATE_NAMES[exitCode]} - ${text}`, longOutput, perfdata };
}
