import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { ConfigError } from '../../config/errors.ts';
import { parseYamlWithPositions, YamlSyntaxError } from '../../config/yaml-positions.ts';
import { parseDuration } from '../../model/duration.ts';

// The proxy's own small configuration (proxy.yml). Every setting has a default, so
// `vigil proxy run --upstream URL` alone is a working proxy; the file is for the rest.

const durationMs = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'is not a duration (examples: 500ms, 15s, 2m)' });
    return z.NEVER;
  }
  return ms;
});
const positiveMs = durationMs.refine((ms) => ms > 0, { message: 'must be longer than 0' });

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, 'is not HOST:PORT (example: 0.0.0.0:8080)');

const upstreamUrl = z.string().refine(
  (text) => {
    try {
      const url = new URL(text);
      return url.protocol === 'http:' && url.hostname !== '' && url.pathname === '/' && !url.search;
    } catch {
      return false;
    }
  },
  { message: 'is not an upstream address like http://10.0.0.5:3000 (http, no path)' },
);

const positiveCount = z.number().int().min(1, 'must be at least 1');

export const proxyConfigSchema = z.strictObject({
  listen: hostPort.default('0.0.0.0:8080'),
  upstreams: z.array(upstreamUrl).min(1, 'needs at least one upstream').optional(),
  /** Gives up on an upstream that has not answered within this long (504). */
  upstream_timeout: positiveMs.default(60_000),
  health_check: z
    .strictObject({
      path: z.string().startsWith('/', 'must start with "/"').default('/'),
      interval: positiveMs.default(2_000),
      timeout: positiveMs.default(1_000),
      unhealthy_after: positiveCount.default(2),
      healthy_after: positiveCount.default(2),
    })
    .prefault({}),
  pause: z
    .strictObject({
      max_hold: positiveMs.default(15_000),
      max_pause: positiveMs.default(30_000),
      max_held: positiveCount.default(10_000),
      /** What a request that waited max_hold gets: a 503, or sent upstream although still paused. */
      on_max_hold: z.enum(['reject', 'forward']).default('reject'),
      release_concurrency: positiveCount.default(64),
    })
    .prefault({}),
  bypass: z
    .strictObject({
      paths: z.array(z.string().startsWith('/', 'must start with "/"')).default([]),
      user_agents: z.array(z.string().min(1, 'must not be empty')).default([]),
    })
    .prefault({}),
  control: z
    .strictObject({
      listen: hostPort.default('127.0.0.1:8471'),
      secret: z.string().min(16, 'must be at least 16 characters').optional(),
      secret_file: z.string().min(1).optional(),
    })
    .prefault({}),
  group: z
    .strictObject({
      name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'is letters, digits, "_" and "-" only'),
      nats: z.array(z.string().min(1)).min(1).default(['nats://127.0.0.1:4222']),
      proxy_id: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, 'is letters, digits, "_" and "-" only')
        .optional(),
      heartbeat: positiveMs.default(2_000),
    })
    .optional(),
  shutdown_timeout: positiveMs.default(30_000),
  workers: positiveCount.max(64, 'must be at most 64').default(1),
});

export type ProxyFileConfig = z.infer<typeof proxyConfigSchema>;

/** Everything the running proxy needs, in milliseconds and plain values. */
export interface ProxyConfig {
  listen: { host: string; port: number };
  upstreams: string[];
  upstreamTimeoutMs: number;
  healthCheck: {
    path: string;
    intervalMs: number;
    timeoutMs: number;
    unhealthyAfter: number;
    healthyAfter: number;
  };
  pause: {
    maxHoldMs: number;
    maxPauseMs: number;
    maxHeld: number;
    onMaxHold: 'reject' | 'forward';
    releaseConcurrency: number;
  };
  bypass: { paths: string[]; userAgents: string[] };
  control: { host: string; port: number; secret?: string };
  group?: { name: string; nats: string[]; proxyId: string; heartbeatMs: number };
  shutdownTimeoutMs: number;
  workers: number;
}

export type Loaded<T> = { ok: true; value: T } | { ok: false; errors: ConfigError[] };

/** Validates proxy.yml text; every problem comes back with its line. */
export function parseProxyConfig(file: string, text: string): Loaded<ProxyFileConfig> {
  let parsed: ReturnType<typeof parseYamlWithPositions>;
  try {
    parsed = parseYamlWithPositions(text);
  } catch (error) {
    if (error instanceof YamlSyntaxError)
      return { ok: false, errors: [{ file, line: error.line, message: `YAML: ${error.message}` }] };
    throw error;
  }
  const validated = proxyConfigSchema.safeParse(parsed.data ?? {});
  if (validated.success) return { ok: true, value: validated.data };
  return {
    ok: false,
    errors: validated.error.issues.map((issue) => {
      const place = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      const where = place.length > 0 ? `${place.join('.')}: ` : '';
      const message =
        issue.code === 'unrecognized_keys'
          ? `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
          : issue.message;
      return { file, line: parsed.lineOf(place), message: `${where}${message}` };
    }),
  };
}

/** What the command line may override in the file. */
export interface ProxyOverrides {
  listen?: string;
  upstreams?: string[];
  controlListen?: string;
  workers?: number;
  group?: string;
}

/**
 * Reads proxy.yml (if given), applies command-line overrides and the secret (file, or env
 * VIGIL_PROXY_SECRET), and returns the running configuration or every error with its place.
 */
export async function loadProxyConfig(
  file: string | undefined,
  overrides: ProxyOverrides,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Loaded<ProxyConfig>> {
  const source = file ?? 'command line';
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      return { ok: false, errors: [{ file, line: 0, message: (error as Error).message }] };
    }
    const parsed = parseProxyConfig(file, text);
    if (!parsed.ok) return parsed;
    raw = parsed.value;
  }
  // Overrides are validated by the same schema, so `--listen nonsense` fails like the file would.
  const merged: Record<string, unknown> = { ...raw };
  if (overrides.listen) merged.listen = overrides.listen;
  if (overrides.upstreams?.length) merged.upstreams = overrides.upstreams;
  if (overrides.workers !== undefined) merged.workers = overrides.workers;
  if (overrides.controlListen)
    merged.control = { ...(raw.control as object | undefined), listen: overrides.controlListen };
  if (overrides.group) merged.group = { ...(raw.group as object | undefined), name: overrides.group };
  const checked = proxyConfigSchema.safeParse(merged);
  if (!checked.success) {
    return {
      ok: false,
      errors: checked.error.issues.map((issue) => ({
        file: source,
        line: 0,
        message: `${issue.path.join('.')}: ${issue.message}`,
      })),
    };
  }
  const c = checked.data;
  if (!c.upstreams) {
    return {
      ok: false,
      errors: [{ file: source, line: 0, message: 'upstreams: none given (--upstream URL or upstreams:)' }],
    };
  }
  const secret = await readSecret(c.control, env);
  if (typeof secret === 'object') return { ok: false, errors: [{ file: source, line: 0, ...secret }] };
  return {
    ok: true,
    value: {
      listen: splitHostPort(c.listen),
      upstreams: c.upstreams,
      upstreamTimeoutMs: c.upstream_timeout,
      healthCheck: {
        path: c.health_check.path,
        intervalMs: c.health_check.interval,
        timeoutMs: c.health_check.timeout,
        unhealthyAfter: c.health_check.unhealthy_after,
        healthyAfter: c.health_check.healthy_after,
      },
      pause: {
        maxHoldMs: c.pause.max_hold,
        maxPauseMs: c.pause.max_pause,
        maxHeld: c.pause.max_held,
        onMaxHold: c.pause.on_max_hold,
        releaseConcurrency: c.pause.release_concurrency,
      },
      bypass: { paths: c.bypass.paths, userAgents: c.bypass.user_agents },
      control: { ...splitHostPort(c.control.listen), ...(secret ? { secret } : {}) },
      ...(c.group
        ? {
            group: {
              name: c.group.name,
              nats: c.group.nats,
              proxyId: c.group.proxy_id ?? `${hostname().replace(/[^A-Za-z0-9_-]/g, '_')}-${process.pid}`,
              heartbeatMs: c.group.heartbeat,
            },
          }
        : {}),
      shutdownTimeoutMs: c.shutdown_timeout,
      workers: c.workers,
    },
  };
}

/** The control secret: control.secret, else control.secret_file, else VIGIL_PROXY_SECRET. */
export async function readSecret(
  control: { secret?: string | undefined; secret_file?: string | undefined },
  env: NodeJS.ProcessEnv,
): Promise<string | undefined | { message: string }> {
  if (control.secret) return control.secret;
  if (control.secret_file) {
    try {
      const text = (await readFile(control.secret_file, 'utf8')).trim();
      if (text.length < 16)
        return { message: `control.secret_file: ${control.secret_file} holds fewer than 16 characters` };
      return text;
    } catch (error) {
      return { message: `control.secret_file: ${(error as Error).message}` };
    }
  }
  const fromEnv = env.VIGIL_PROXY_SECRET?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < 16) return { message: 'VIGIL_PROXY_SECRET holds fewer than 16 characters' };
    return fromEnv;
  }
  return undefined;
}

export function splitHostPort(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  const host = text.slice(0, at).replace(/^\[|\]$/g, '');
  return { host, port: Number(text.slice(at + 1)) };
}
