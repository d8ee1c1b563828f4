// Check-kind benchmark: the native `http` check against the `check_http` plugin run through
// the plugin kind and the shared Spawner, each for a fixed window with bounded concurrency,
// against one loopback HTTP server that runs in a worker thread (so serving does not share
// the event loop with the checks). Prints progress on stderr and one JSON line last.
//
//   npm run bench -- checks [--duration 10] [--concurrency 50] [--plugin-concurrency 50]
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { CheckEnv, CheckOutcome, CheckTarget } from '../src/checks/check.ts';
import { httpCheck } from '../src/checks/http.ts';
import { Spawner } from '../src/checks/plugin/spawner.ts';
import { pluginCheck } from '../src/checks/plugin.ts';
import type { Host } from '../src/model/types.ts';

const CHECK_HTTP = '/usr/lib/nagios/plugins/check_http';
const TIMEOUT_MS = 10_000;

// Plain JavaScript: the worker is evaluated without the TypeScript loader.
const SERVER_SOURCE = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const body = Buffer.from('<html><body>vigil benchmark OK</body></html>');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html', 'content-length': body.length });
  res.end(body);
});
server.on('clientError', (error, socket) => socket.destroy());
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => server.close(() => process.exit(0)));
server.on('connection', (socket) => socket.on('error', () => {}));
`;

interface WindowResult {
  checksPerS: number;
  p50Ms: number;
  p99Ms: number;
  checks: number;
  failures: number;
  firstFailure?: string;
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '50' },
      'plugin-concurrency': { type: 'string', default: '50' },
      warmup: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run bench -- checks [--duration S] [--concurrency N] [--plugin-concurrency N] [--warmup S]\n' +
        'Runs the native http check, then check_http through the plugin kind, for --duration seconds each.\n',
    );
    return;
  }
  const durationMs = Number(values.duration) * 1000;
  const concurrency = Number(values.concurrency);
  const pluginConcurrency = Number(values['plugin-concurrency']);
  const warmupMs = Number(values.warmup) * 1000;

  const server = new Worker(SERVER_SOURCE, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('message', resolve);
    server.once('error', reject);
  });
  progress(`loopback HTTP server on 127.0.0.1:${port} in a worker thread`);

  const spawner = new Spawner();
  const target: CheckTarget = { host: benchHost() };
  try {
    const nativeParams = httpCheck.params.parse({ port, path: '/' });
    const native = (checkEnv: CheckEnv) => httpCheck.run(nativeParams, target, checkEnv);
    await measure('native http (warm-up)', spawner, native, concurrency, warmupMs);
    const nativeResult = await measure('native http', spawner, native, concurrency, durationMs);

    const pluginParams = pluginCheck.params.parse({ command: `${CHECK_HTTP} -H 127.0.0.1 -p ${port} -u /` });
    const plugin = (checkEnv: CheckEnv) => pluginCheck.run(pluginParams, target, checkEnv);
    await measure('check_http plugin (warm-up)', spawner, plugin, pluginConcurrency, warmupMs);
    const pluginResult = await measure('check_http plugin', spawner, plugin, pluginConcurrency, durationMs);

    const figures = {
      bench: 'checks',
      native_http_per_s: round(nativeResult.checksPerS),
      plugin_http_per_s: round(pluginResult.checksPerS),
      ratio: round(nativeResult.checksPerS / pluginResult.checksPerS),
      native_p99_ms: round(nativeResult.p99Ms),
      plugin_p99_ms: round(pluginResult.p99Ms),
      native_p50_ms: round(nativeResult.p50Ms),
      plugin_p50_ms: round(pluginResult.p50Ms),
      concurrency,
      plugin_concurrency: pluginConcurrency,
      window_s: durationMs / 1000,
      native_failures: nativeResult.failures,
      plugin_failures: pluginResult.failures,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await spawner.close();
    server.postMessage('stop');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

/** Runs `check` with `concurrency` in flight until `windowMs` has passed. */
async function measure(
  name: string,
  spawner: Spawner,
  check: (env: CheckEnv) => Promise<CheckOutcome>,
  concurrency: number,
  windowMs: number,
): Promise<WindowResult> {
  const latencies: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  const started = performance.now();
  const deadline = started + windowMs;
  const ticker = setInterval(() => {
    const s = (performance.now() - started) / 1000;
    progress(`${name}: ${s.toFixed(0)}s, ${(latencies.length / s).toFixed(0)} checks/s`);
  }, 2_000);
  const lane = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      // As the engine does: a timeout signal per run, its timer cleared when the run settles.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
      const outcome = await check({
        signal: controller.signal,
        timeoutMs: TIMEOUT_MS,
        maxOutputBytes: 64 * 1024,
        userMacros: {},
        spawner,
      });
      clearTimeout(timer);
      latencies.push(performance.now() - t0);
      if (outcome.exitCode !== 0) {
        failures++;
        firstFailure ??= outcome.output;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  clearInterval(ticker);
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const result: WindowResult = {
    checksPerS: latencies.length / elapsedS,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    checks: latencies.length,
    failures,
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
  progress(
    `${name}: ${result.checks} checks in ${elapsedS.toFixed(1)} s = ${result.checksPerS.toFixed(0)}/s, ` +
      `p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ${failures} not OK` +
      (firstFailure ? ` (first: ${firstFailure})` : ''),
  );
  return result;
}

function benchHost(): Host {
  return {
    id: 'bench',
    name: 'bench',
    displayName: 'bench',
    address: '127.0.0.1',
    parents: [],
    parentsMinUp: 1,
    groups: [],
    tags: [],
    location: {},
    vars: {},
    source: { file: 'bench', line: 0 },
  } as Host;
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function progress(line: string): void {
  process.stderr.write(`[checks] ${line}\n`);
}
