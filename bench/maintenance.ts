// Maintenance benchmark: a database role swap under continuous write load, through
// `vigil proxy`. Clients write through the proxy to an app that INSERTs one row per request
// (each with a unique id) into whichever server is the primary and answers only after the
// commit; `vigil db-swap` pauses the proxy through its control endpoint, swaps the MariaDB
// pair, moves the app with its hook and resumes — then swaps back. Prints progress on stderr,
// one JSON line last: requests, failed, lost_writes, pause_ms (the longer of the two swaps),
// max_request_ms.
//
//   npm run bench -- maintenance [--clients 20] [--before 2] [--after 2]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { ProxyConfig } from '../src/maintenance/proxy/config.ts';
import { runProxy } from '../src/maintenance/proxy/run-proxy.ts';
import { REPL_PASSWORD, ReplicationPair } from '../test/helpers/mariadb-pair.ts';
import {
  createWritesTable,
  dbSwapThroughProxy,
  type LoadResult,
  lostAndDoubled,
  setAppTarget,
  startLoad,
  startWritingApp,
  writesOn,
} from '../test/helpers/write-load.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const say = (line: string) => process.stderr.write(`${line}\n`);
const SECRET = 'bench-maintenance-secret';

/** The proxy as `vigil proxy run --upstream APP` would start it: the file's defaults. */
function proxyConfig(appUrl: string): ProxyConfig {
  return {
    listen: { host: '127.0.0.1', port: 0 },
    upstreams: [appUrl],
    upstreamTimeoutMs: 60_000,
    healthCheck: { path: '/health', intervalMs: 2_000, timeoutMs: 1_000, unhealthyAfter: 2, healthyAfter: 2 },
    pause: {
      maxHoldMs: 15_000,
      maxPauseMs: 30_000,
      maxHeld: 10_000,
      onMaxHold: 'reject',
      releaseConcurrency: 64,
    },
    bypass: { paths: [], userAgents: [] },
    control: { host: '127.0.0.1', port: 0, secret: SECRET },
    shutdownTimeoutMs: 10_000,
    workers: 1,
  };
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string', default: '20' },
      before: { type: 'string', default: '2' },
      after: { type: 'string', default: '2' },
    },
  });
  const clients = Number(values.clients);
  const beforeMs = Number(values.before) * 1000;
  const afterMs = Number(values.after) * 1000;
  if (!(clients >= 1 && beforeMs >= 0 && afterMs >= 0))
    throw new Error('--clients must be at least 1, --before and --after seconds of 0 or more');

  const scratch = await mkdtemp(path.join(tmpdir(), 'vigil-bench-maintenance-'));
  const targetFile = path.join(scratch, 'primary');
  const secretFile = path.join(scratch, 'proxy-secret');
  const replPasswordFile = path.join(scratch, 'repl-password');
  await writeFile(secretFile, `${SECRET}\n`);
  await writeFile(replPasswordFile, `${REPL_PASSWORD}\n`);
  const pair = new ReplicationPair();
  say('starting a MariaDB replication pair');
  await pair.start();
  await createWritesTable(pair);
  await setAppTarget(targetFile, `127.0.0.1:${pair.primaryPort}`);
  const app = await startWritingApp(targetFile);
  const proxy = await runProxy(proxyConfig(app.url), pino({ level: 'silent' }));
  const proxyUrl = `http://127.0.0.1:${proxy.address.port}`;
  const controlUrl = `http://127.0.0.1:${proxy.controlAddress.port}`;
  try {
    const acknowledged: number[] = [];
    const total = { requests: 0, failed: 0, maxRequestMs: 0, pauseMs: 0 };
    const pauses: number[] = [];
    let nextId = 1;
    const swaps: [number, number][] = [
      [pair.primaryPort, pair.replicaPort],
      [pair.replicaPort, pair.primaryPort],
    ];
    for (const [index, [from, to]] of swaps.entries()) {
      say(`swap ${index + 1}/2: ${clients} clients write through the proxy for ${values.before}s`);
      const load = startLoad(proxyUrl, clients, nextId);
      let result: LoadResult;
      let run: Awaited<ReturnType<typeof dbSwapThroughProxy>>;
      try {
        await sleep(beforeMs);
        say(`  swapping 127.0.0.1:${from} -> 127.0.0.1:${to} (${load.answered()} requests so far)`);
        run = await dbSwapThroughProxy({
          from,
          to,
          proxyControl: controlUrl,
          proxySecretFile: secretFile,
          replPasswordFile,
          targetFile,
          store: path.join(scratch, 'vigil.db'),
        });
        await sleep(afterMs);
      } finally {
        result = await load.stop();
      }
      for (const line of run.stderr.trim().split('\n')) say(`    ${line}`);
      if (run.code !== 0 || !run.report?.run)
        throw new Error(`db-swap exited ${run.code}: ${run.stdout.trim().slice(0, 2000)}`);
      nextId += result.requests + clients;
      acknowledged.push(...result.acknowledged);
      total.requests += result.requests;
      total.failed += result.failures.length;
      total.maxRequestMs = Math.max(total.maxRequestMs, result.maxRequestMs);
      pauses.push(run.report.run.pauseMs);
      say(
        `  ${result.requests} requests, ${result.failures.length} failed, pause ${run.report.run.pauseMs} ms, ` +
          `slowest request ${result.maxRequestMs} ms`,
      );
      for (const failure of result.failures.slice(0, 5))
        say(`  failed: request ${failure.id}: ${failure.status} ${failure.body}`);
    }
    // Every acknowledged write must be on the primary now (the original one, after two swaps).
    const rows = await writesOn(pair, pair.primaryPort);
    const { lost, doubled } = lostAndDoubled(acknowledged, rows);
    say(
      `${acknowledged.length} writes acknowledged, ${rows.size} distinct on the primary, ${doubled.length} doubled`,
    );
    process.stdout.write(
      `${JSON.stringify({
        bench: 'maintenance',
        requests: total.requests,
        failed: total.failed,
        lost_writes: lost.length,
        pause_ms: Math.max(...pauses),
        max_request_ms: total.maxRequestMs,
        swaps: pauses.length,
        pauses_ms: pauses,
        doubled_writes: doubled.length,
        clients,
        through: 'vigil proxy',
      })}\n`,
    );
  } finally {
    await proxy.stop();
    await app.close();
    await pair.stop();
    await rm(scratch, { recursive: true, force: true });
  }
}
