// Engine benchmark: the real scheduler, state machine, plugin spawner and store, run for a
// fixed window against N services. Prints progress on stderr and one JSON line last.
//
//   npm run bench -- engine --services 100000 --interval 60 --kind dummy
//   npm run bench -- engine --services 20000 --interval 5 --kind plugin
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Spawner } from '../src/checks/plugin/spawner.ts';
import { DEFAULTS } from '../src/config/resolve.ts';
import { Engine } from '../src/engine/engine.ts';
import type { CheckSpec, Host, Model, Service } from '../src/model/types.ts';
import { openStore } from '../src/store/index.ts';

const CHECK_DUMMY = '/usr/lib/nagios/plugins/check_dummy';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      services: { type: 'string', default: '100000' },
      interval: { type: 'string', default: '60' },
      kind: { type: 'string', default: 'dummy' },
      duration: { type: 'string' },
      warmup: { type: 'string', default: '5' },
      concurrency: { type: 'string', default: String(DEFAULTS.concurrency) },
      store: { type: 'string', default: 'sqlite' },
      'postgres-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run bench -- engine [--services N] [--interval S] [--kind dummy|plugin] [--duration S]\n' +
        '                       [--warmup S] [--concurrency N] [--store sqlite|postgres] [--postgres-url URL]\n' +
        'Measures over --duration seconds (default: one interval, at least 20 s) after --warmup seconds.\n',
    );
    return;
  }
  const services = Number(values.services);
  const intervalS = Number(values.interval);
  const kind = values.kind as 'dummy' | 'plugin';
  if (kind !== 'dummy' && kind !== 'plugin') throw new Error('--kind must be dummy or plugin');
  const durationS = Number(values.duration ?? Math.max(intervalS, 20));
  const warmupS = Number(values.warmup);
  const storeKind = values.store as 'sqlite' | 'postgres';

  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-'));
  const model = buildModel(services, intervalS * 1000, kind, Number(values.concurrency));
  const store = await openStore({
    ...DEFAULT_STORE,
    kind: storeKind,
    path: path.join(dir, 'bench.db'),
    url: values['postgres-url'] as string,
  });
  await store.migrate();
  if (storeKind === 'postgres') await resetPostgres(values['postgres-url'] as string);
  const spawner = new Spawner();
  const log = pino({ level: 'warn' });
  const engine = new Engine(model, [], { store, spawner, log });

  const setupStart = performance.now();
  engine.start();
  const startupMs = performance.now() - setupStart;
  progress(
    `scheduled ${services} ${kind} services at a ${intervalS}s interval in ${startupMs.toFixed(0)} ms`,
  );

  await sleep(warmupS * 1000);
  const before = snapshot(engine, spawner);
  engine.latency.reset();
  // How long the event loop is blocked: spawning and storing must not stall the scheduler.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const ticker = setInterval(() => {
    const now = snapshot(engine, spawner);
    const seconds = (now.at - before.at) / 1000;
    progress(
      `${seconds.toFixed(0)}s: ${((now.completed - before.completed) / seconds).toFixed(0)} checks/s, ` +
        `latency p99 ${engine.latency.percentile(0.99).toFixed(0)} ms, waiting ${engine.metrics().waiting}, ` +
        `stored ${now.stored}`,
    );
  }, 5_000);
  await sleep(durationS * 1000);
  clearInterval(ticker);
  loopDelay.disable();
  const after = snapshot(engine, spawner);
  const latency = engine.latency;
  const windowS = (after.at - before.at) / 1000;
  const expected = services / intervalS;
  const checksPerS = (after.completed - before.completed) / windowS;
  const stats = engine.metrics();
  await engine.stop(5_000);
  await spawner.close();
  const stateEvents = (await store.history({ objectId: 'h0', includeServices: true, limit: 1_000_000 }))
    .length;
  await store.close();
  await rm(dir, { recursive: true, force: true });

  const cpu = (a: number, b: number) => Math.round(((b - a) / 1000 / (windowS * 1000)) * 1000) / 10;
  const figures = {
    bench: 'engine',
    kind,
    services,
    interval_s: intervalS,
    window_s: Math.round(windowS),
    expected_checks_per_s: Math.round(expected),
    checks_per_s: Math.round(checksPerS),
    achieved_pct: Math.round((checksPerS / expected) * 1000) / 10,
    latency_p50_ms: Math.round(latency.percentile(0.5)),
    latency_p99_ms: Math.round(latency.percentile(0.99)),
    latency_max_ms: Math.round(latency.max),
    event_loop_delay_p99_ms: Math.round(loopDelay.percentile(99) / 1e5) / 10,
    cpu_pct: cpu(before.cpuUs, after.cpuUs),
    ...(kind === 'plugin'
      ? {
          spawner_cpu_pct: cpu(before.spawnerUs, after.spawnerUs),
          plugins_cpu_pct: cpu(before.pluginsUs, after.pluginsUs),
        }
      : {}),
    machine_cpu_pct:
      Math.round(
        ((after.busyTicks - before.busyTicks) / Math.max(1, after.totalTicks - before.totalTicks)) * 2000,
      ) / 10,
    rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    startup_ms: Math.round(startupMs),
    results_stored: stats.store.resultsWritten,
    store_write_failures: stats.store.writeFailures,
    state_events_h0: stateEvents,
    store: storeKind,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

const DEFAULT_STORE = {
  resultRetentionMs: DEFAULTS.resultRetentionMs,
  downsampledRetentionMs: DEFAULTS.downsampledRetentionMs,
  historyRetentionMs: DEFAULTS.historyRetentionMs,
};

/** 100 services per host; hosts have no check (UP), like a large plugin-only setup. */
function buildModel(
  services: number,
  intervalMs: number,
  kind: 'dummy' | 'plugin',
  concurrency: number,
): Model {
  const hosts = new Map<string, Host>();
  const serviceMap = new Map<string, Service>();
  const place = { file: 'bench', line: 0 };
  const spec: CheckSpec =
    kind === 'dummy'
      ? {
          kind: 'dummy',
          // Mostly OK with a three-result outage per ten runs: soft, soft, hard, recovery.
          params: { state: 0, output: 'bench', cycle: [0, 0, 0, 0, 0, 0, 0, 2, 2, 2] },
          intervalMs,
          retryIntervalMs: intervalMs,
          maxAttempts: 3,
          timeoutMs: 10_000,
        }
      : {
          kind: 'plugin',
          params: { command: [CHECK_DUMMY, '0', 'bench $SERVICEDESC$'], shell: false },
          intervalMs,
          retryIntervalMs: intervalMs,
          maxAttempts: 3,
          timeoutMs: 10_000,
        };
  for (let i = 0; i < services; i++) {
    const hostName = `h${Math.floor(i / 100)}`;
    if (!hosts.has(hostName)) {
      hosts.set(hostName, {
        id: hostName,
        name: hostName,
        displayName: hostName,
        address: '127.0.0.1',
        parents: [],
        parentsMinUp: 1,
        groups: [],
        tags: [],
        location: {},
        vars: {},
        source: place,
      });
    }
    const name = `s${i % 100}`;
    const id = `${hostName}/${name}`;
    serviceMap.set(id, {
      id,
      host: hostName,
      name,
      displayName: name,
      check: spec,
      tags: [],
      vars: {},
      source: place,
    });
  }
  return {
    settings: {
      publicUrl: '',
      concurrency,
      maxOutputBytes: DEFAULTS.maxOutputBytes,
      listen: '',
      flapLowThreshold: DEFAULTS.flapLow,
      flapHighThreshold: DEFAULTS.flapHigh,
      store: { ...DEFAULT_STORE, kind: 'sqlite', path: '', url: '' },
    },
    userMacros: {},
    hosts,
    services: serviceMap,
    hostGroups: new Map(),
    dependencies: [],
    receivers: new Map(),
    routes: [],
    timePeriods: new Map(),
    schedules: new Map(),
    contacts: new Map(),
    contactGroups: new Map(),
    escalationPolicies: new Map(),
    components: new Map(),
  };
}

interface Snapshot {
  at: number;
  completed: number;
  stored: number;
  cpuUs: number;
  spawnerUs: number;
  pluginsUs: number;
  busyTicks: number;
  totalTicks: number;
}

function snapshot(engine: Engine, spawner: Spawner): Snapshot {
  const usage = process.cpuUsage();
  const m = engine.metrics();
  const [spawnerUs, pluginsUs] = spawner.pid ? processCpuUs(spawner.pid) : [0, 0];
  const [busyTicks, totalTicks] = machineTicks();
  return {
    at: performance.now(),
    completed: m.checksCompleted,
    stored: m.store.resultsWritten,
    cpuUs: usage.user + usage.system,
    spawnerUs,
    pluginsUs,
    busyTicks,
    totalTicks,
  };
}

/** [own CPU, CPU of reaped children] of a process, in microseconds, from /proc. */
function processCpuUs(pid: number): [number, number] {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const tick = 1_000_000 / 100;
    const own = (Number(fields[11]) + Number(fields[12])) * tick;
    const children = (Number(fields[13]) + Number(fields[14])) * tick;
    return [own, children];
  } catch {
    return [0, 0];
  }
}

/** [busy, total] jiffies of the whole machine, from /proc/stat. */
function machineTicks(): [number, number] {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return [total - idle, total];
}

async function resetPostgres(url: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('TRUNCATE object_states, state_events, check_results, perfdata_hourly');
  await client.end();
}

function progress(text: string): void {
  process.stderr.write(`[engine bench] ${text}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
