import pino from 'pino';
import { formatConfigError } from '../../config/errors.ts';
import { loadProxyConfig, readSecret } from '../../maintenance/proxy/config.ts';
import { callControl } from '../../maintenance/proxy/http-switch.ts';
import { natsProxySwitch, readGroup } from '../../maintenance/proxy/nats-switch.ts';
import { runProxyWorkers } from '../../maintenance/proxy/workers.ts';
import type { ProxyReport } from '../../maintenance/proxy-switch.ts';
import { formatDuration, parseDuration } from '../../model/duration.ts';
import { CliError } from '../fail.ts';

export interface ProxyRunOptions {
  config?: string;
  listen?: string;
  upstream?: string[];
  controlListen?: string;
  workers?: string;
  group?: string;
  logLevel: string;
}

export async function proxyRunCommand(options: ProxyRunOptions): Promise<void> {
  const workers = options.workers === undefined ? undefined : Number(options.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1))
    throw new CliError(`--workers: "${options.workers}" is not a whole number of at least 1`);
  const loaded = await loadProxyConfig(options.config, {
    ...(options.listen ? { listen: options.listen } : {}),
    ...(options.upstream ? { upstreams: options.upstream } : {}),
    ...(options.controlListen ? { controlListen: options.controlListen } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(options.group ? { group: options.group } : {}),
  });
  if (!loaded.ok) {
    for (const error of loaded.errors) process.stderr.write(`${formatConfigError(error)}\n`);
    throw new CliError(
      `proxy configuration has ${loaded.errors.length} error${loaded.errors.length === 1 ? '' : 's'}`,
    );
  }
  const log = pino({ name: 'vigil-proxy', level: options.logLevel });
  await runProxyWorkers(loaded.value, log);
}

export interface ProxyTargetOptions {
  config?: string;
  control?: string[];
  group?: string;
  nats?: string[];
  secretFile?: string;
  json?: boolean;
  timeout?: string;
}

interface Target {
  kind: 'group' | 'controls';
  group?: string;
  nats: string[];
  controls: string[];
  secret?: string;
  timeoutMs: number;
}

/** Which proxies a pause/resume/status command acts on: a group, control URLs, or the config's. */
async function resolveTarget(options: ProxyTargetOptions): Promise<Target> {
  const timeoutMs = options.timeout === undefined ? 10_000 : parseDuration(options.timeout);
  if (timeoutMs === undefined || timeoutMs <= 0)
    throw new CliError(`--timeout: "${options.timeout}" is not a duration (examples: 500ms, 15s, 2m)`);
  let fromConfig: Awaited<ReturnType<typeof loadProxyConfig>> | undefined;
  if (options.config) {
    // Only where to reach the proxy is needed here; upstreams may be absent.
    fromConfig = await loadProxyConfig(options.config, { upstreams: ['http://127.0.0.1:1'] });
    if (!fromConfig.ok) {
      for (const error of fromConfig.errors) process.stderr.write(`${formatConfigError(error)}\n`);
      throw new CliError(`proxy configuration ${options.config} has errors`);
    }
  }
  const config = fromConfig?.ok ? fromConfig.value : undefined;
  const group = options.group ?? (options.control?.length ? undefined : config?.group?.name);
  const nats = options.nats?.length ? options.nats : (config?.group?.nats ?? ['nats://127.0.0.1:4222']);
  if (group) return { kind: 'group', group, nats, controls: [], timeoutMs };
  const secret =
    (await readSecret({ secret_file: options.secretFile }, process.env)) ?? config?.control.secret;
  if (typeof secret === 'object') throw new CliError(secret.message);
  const controls = options.control?.length
    ? options.control
    : [`http://${config ? hostForUrl(config.control.host) : '127.0.0.1'}:${config?.control.port ?? 8471}`];
  for (const control of controls) {
    try {
      new URL(control);
    } catch {
      throw new CliError(`--control: "${control}" is not a URL (example: http://10.0.0.5:8471)`);
    }
  }
  return { kind: 'controls', nats, controls, timeoutMs, ...(secret ? { secret } : {}) };
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function requireSecret(target: Target): string {
  if (!target.secret)
    throw new CliError(
      'no control secret: use --secret-file, VIGIL_PROXY_SECRET or --config with control.secret',
    );
  return target.secret;
}

function printReports(action: string, reports: ProxyReport[], json?: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
    return;
  }
  for (const r of reports)
    process.stdout.write(`${r.proxy}  ${r.paused ? 'paused' : 'open'}  held ${r.heldRequests}\n`);
  process.stderr.write(`${action}: ${reports.length} prox${reports.length === 1 ? 'y' : 'ies'} confirmed\n`);
}

export async function proxyPauseCommand(
  options: ProxyTargetOptions & { maxHold?: string; maxPause?: string; reason?: string },
) {
  const maxHoldMs = options.maxHold === undefined ? undefined : parseDuration(options.maxHold);
  const maxPauseMs = options.maxPause === undefined ? undefined : parseDuration(options.maxPause);
  if (options.maxHold !== undefined && !maxHoldMs)
    throw new CliError(`--max-hold: "${options.maxHold}" is not a duration (examples: 500ms, 15s, 2m)`);
  if (options.maxPause !== undefined && !maxPauseMs)
    throw new CliError(`--max-pause: "${options.maxPause}" is not a duration (examples: 500ms, 15s, 2m)`);
  const reason = options.reason ?? `paused by ${process.env.USER ?? 'operator'} from the command line`;
  const target = await resolveTarget(options);
  const request = {
    reason,
    ...(maxHoldMs !== undefined ? { maxHoldMs } : {}),
    ...(maxPauseMs !== undefined ? { maxPauseMs } : {}),
  };
  process.stderr.write(`pausing ${describe(target)}...\n`);
  if (target.kind === 'group') {
    const reports = await withGroupSwitch(target, (s) => s.pause(request));
    return printReports('paused', reports, options.json);
  }
  const secret = requireSecret(target);
  const body = {
    reason,
    ...(maxHoldMs !== undefined ? { max_hold: `${maxHoldMs}ms` } : {}),
    ...(maxPauseMs !== undefined ? { max_pause: `${maxPauseMs}ms` } : {}),
  };
  const replies = await everyControl(target, (c) =>
    callControl(c, secret, 'POST', 'pause', body, target.timeoutMs),
  );
  printReports(
    'paused',
    replies.map((r) => ({ proxy: r.proxy, paused: r.paused, heldRequests: r.held_now })),
    options.json,
  );
}

export async function proxyResumeCommand(options: ProxyTargetOptions): Promise<void> {
  const target = await resolveTarget(options);
  process.stderr.write(`resuming ${describe(target)}...\n`);
  if (target.kind === 'group') {
    const reports = await withGroupSwitch(target, (s) => s.resume());
    return printReports('resumed', reports, options.json);
  }
  const secret = requireSecret(target);
  const replies = await everyControl(target, (c) =>
    callControl(c, secret, 'POST', 'resume', undefined, target.timeoutMs),
  );
  printReports(
    'resumed',
    replies.map((r) => ({ proxy: r.proxy, paused: r.paused, heldRequests: r.held_now })),
    options.json,
  );
}

export async function proxyStatusCommand(options: ProxyTargetOptions): Promise<void> {
  const target = await resolveTarget(options);
  if (target.kind === 'group') {
    const overview = await readGroup(target.nats, target.group as string);
    if (options.json) return void process.stdout.write(`${JSON.stringify(overview, null, 2)}\n`);
    const s = overview.state;
    process.stdout.write(
      s?.paused
        ? `group ${target.group}: PAUSED (${s.reason}), ends by itself in ${formatDuration(Math.max(0, s.until - Date.now()))}, epoch ${s.epoch}\n`
        : `group ${target.group}: open${s ? `, epoch ${s.epoch}` : ' (never paused)'}\n`,
    );
    for (const m of overview.members)
      process.stdout.write(
        `  ${m.proxy}  ${m.report.paused ? 'paused' : 'open'}  epoch ${m.report.epoch}  held ${m.report.held}  last heard ${formatDuration(m.ageMs)} ago\n`,
      );
    if (overview.members.length === 0) process.stdout.write('  no proxy has joined this group\n');
    return;
  }
  const secret = requireSecret(target);
  const replies = await everyControl(target, (c) =>
    callControl(c, secret, 'GET', 'status', undefined, target.timeoutMs),
  );
  if (options.json) return void process.stdout.write(`${JSON.stringify(replies, null, 2)}\n`);
  for (const r of replies) {
    const state = r.paused ? `PAUSED since ${r.since} (${r.reason}), ends by itself at ${r.until}` : 'open';
    process.stdout.write(
      `${r.proxy}: ${state}\n  held now ${r.held_now}, longest hold ${formatDuration(r.longest_hold_ms)}, in flight ${r.in_flight}\n` +
        `  pauses ${r.pauses_total} (${r.auto_resumes_total} ended by max pause), 503 max_hold ${r.refused.max_hold}, max_held ${r.refused.max_held}, upstream failures ${r.upstream_failures}\n` +
        `  upstreams: ${r.upstreams.map((u) => `${u.url} ${u.healthy ? 'healthy' : 'UNHEALTHY'}`).join(', ')}\n`,
    );
  }
}

function describe(target: Target): string {
  return target.kind === 'group'
    ? `group ${target.group} over ${target.nats.join(', ')}`
    : target.controls.join(', ');
}

async function withGroupSwitch<T>(
  target: Target,
  act: (s: Awaited<ReturnType<typeof natsProxySwitch>>) => Promise<T>,
): Promise<T> {
  const proxySwitch = await natsProxySwitch({
    servers: target.nats,
    group: target.group as string,
    timeoutMs: target.timeoutMs,
    onStale: (stale) =>
      process.stderr.write(`not waiting for stale proxies (no recent heartbeat): ${stale.join(', ')}\n`),
  });
  try {
    return await act(proxySwitch);
  } finally {
    await proxySwitch.close();
  }
}

async function everyControl<T>(target: Target, call: (control: string) => Promise<T>): Promise<T[]> {
  const settled = await Promise.allSettled(target.controls.map(call));
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
  if (failures.length > 0) throw new CliError(failures.join('\n'));
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}
