// Thousands of native checks, successes and failures alike, must leave nothing behind: a
// daemon that runs 7,000 checks a minute dies within hours from one leaked socket, timer
// or file descriptor per run. This runs every native kind that exists against loopback
// servers, then compares the process's live resources with a baseline taken before.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import tls from 'node:tls';
import dnsPacket from 'dns-packet';
import { z } from 'zod';
import type { CheckKind } from '../../src/checks/check.ts';
import { runCheck } from '../helpers/run-check.ts';

/** Every native kind; one missing from src/checks/ is skipped with a diagnostic. */
const KINDS = ['dummy', 'tcp', 'http', 'tls', 'dns', 'ping', 'mysql', 'redis', 'postgres', 'modules'];
const ROUNDS = 100;
const WARMUP_ROUNDS = 3;
const CONCURRENCY = 32;
/** Database servers are shared with other tests running at the same time: few connections each. */
const PER_KIND_LIMIT: Record<string, number> = { mysql: 6, postgres: 6, redis: 8, ping: 4 };
/** Runs of a kind per round, when one run is slow by nature. */
const RUNS_PER_ROUND: Record<string, number> = { ping: 0.1 };
const FAILURE_TIMEOUT_MS = 50;
/** Allowed growth after settling: the test runner's own reporting may hold a request or two. */
const RESOURCE_MARGIN = 2;
const FD_MARGIN = 3;
const SETTLE_MS = 3000;

type Expect = 'ok' | 'fail';
interface Scenario {
  kind: string;
  name: string;
  /** Params to try in order: the first the kind's schema accepts is used. */
  variants: Array<Record<string, unknown>>;
  expect: Expect;
  timeoutMs?: number;
}

interface Loopback {
  httpPort: number;
  httpsPort: number;
  echoPort: number;
  silentPort: number;
  refusedPort: number;
  dnsPort: number;
  silentDnsPort: number;
  caFile: string;
}

function scenarios(l: Loopback): Scenario[] {
  const fail = (
    kind: string,
    name: string,
    variants: Array<Record<string, unknown>>,
    timeoutMs?: number,
  ): Scenario =>
    timeoutMs === undefined
      ? { kind, name, variants, expect: 'fail' }
      : { kind, name, variants, expect: 'fail', timeoutMs };
  const ok = (kind: string, name: string, variants: Array<Record<string, unknown>>): Scenario => ({
    kind,
    name,
    variants,
    expect: 'ok',
  });
  const silent = FAILURE_TIMEOUT_MS;
  return [
    ok('dummy', 'fixed state', [{ state: 'OK', output: 'fine' }]),
    ok('tcp', 'connect', [{ port: l.echoPort }]),
    ok('tcp', 'send and expect', [{ port: l.echoPort, send: 'PING\\r\\n', expect: 'PING' }]),
    ok('tcp', 'tls', [{ port: l.httpsPort, tls: true, insecure: true }]),
    fail('tcp', 'refused', [{ port: l.refusedPort }]),
    fail('tcp', 'silent server', [{ port: l.silentPort, send: 'PING\\r\\n', expect: 'PONG' }], silent),
    ok('http', 'GET', [{ port: l.httpPort, path: '/health' }]),
    ok('http', 'body and json', [
      { port: l.httpPort, path: '/json', expect_json: { path: '$.status', equals: 'ok' } },
    ]),
    ok('http', 'https', [{ url: `https://127.0.0.1:${l.httpsPort}/`, ca: l.caFile }]),
    fail('http', 'refused', [{ port: l.refusedPort }]),
    fail('http', 'silent server', [{ port: l.silentPort }], silent),
    fail('http', 'slow body', [{ port: l.httpPort, path: '/slow' }], silent),
    ok('tls', 'handshake', [{ port: l.httpsPort, ca: l.caFile, servername: 'localhost' }]),
    fail('tls', 'refused', [{ port: l.refusedPort }]),
    fail('tls', 'silent server', [{ port: l.silentPort }], silent),
    ok('dns', 'lookup', [
      { name: 'www.vigil.test', server: `127.0.0.1:${l.dnsPort}`, expect: ['127.0.0.1'] },
    ]),
    fail(
      'dns',
      'silent server',
      [{ name: 'www.vigil.test', server: `127.0.0.1:${l.silentDnsPort}` }],
      silent,
    ),
    ok('ping', 'loopback', [{ count: 1 }]),
    ok('mysql', 'local server', [{ user: 'root' }]),
    fail('mysql', 'refused', [{ user: 'root', port: l.refusedPort }]),
    fail('mysql', 'silent server', [{ user: 'root', port: l.silentPort }], silent),
    ok('redis', 'local server', [{}]),
    fail('redis', 'refused', [{ port: l.refusedPort }]),
    fail('redis', 'silent server', [{ port: l.silentPort }], silent),
    ok('postgres', 'local server', [{ user: 'postgres', database: 'test' }]),
    fail('postgres', 'refused', [{ user: 'postgres', database: 'test', port: l.refusedPort }]),
    fail('postgres', 'silent server', [{ user: 'postgres', database: 'test', port: l.silentPort }], silent),
    ok('modules', 'process names', [{ forbidden_processes: ['vigil-no-such-process'] }]),
    ok('modules', 'command lines', [{ forbidden_processes: ['/vigil-no-such-process/'] }]),
    ok('modules', 'modules file', [{ forbidden_modules: ['sch_netem'], modules_file: '/dev/null' }]),
    ok('modules', 'qdiscs through tc', [{ forbidden_qdiscs: ['netem'] }]),
    fail('modules', 'missing tc', [{ forbidden_qdiscs: ['netem'], tc_command: ['/nonexistent/tc'] }]),
  ];
}

// --- loopback servers -------------------------------------------------------------------

const servers: Array<{ close(callback: () => void): unknown }> = [];
const serverSockets = new Set<net.Socket>();
let dir: string;
let loopback: Loopback;

function track(socket: net.Socket): void {
  serverSockets.add(socket);
  socket.on('error', () => {});
  socket.on('close', () => serverSockets.delete(socket));
}

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

async function udp(answer: boolean): Promise<number> {
  const socket = dgram.createSocket('udp4');
  servers.push(socket);
  if (answer) {
    socket.on('message', (message, from) => {
      const query = dnsPacket.decode(message);
      const reply = dnsPacket.encode({
        type: 'response',
        id: query.id ?? 0,
        flags: dnsPacket.AUTHORITATIVE_ANSWER,
        questions: query.questions ?? [],
        answers: (query.questions ?? [])
          .filter((q) => q.type === 'A')
          .map((q) => ({ type: 'A' as const, name: q.name, ttl: 60, data: '127.0.0.1' })),
      });
      socket.send(reply, from.port, from.address);
    });
  }
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket.address().port;
}

function selfSignedCertificate(): { key: string; cert: string; caFile: string } {
  const keyFile = join(dir, 'key.pem');
  const caFile = join(dir, 'cert.pem');
  const made = spawnSync('openssl', [
    ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', keyFile, '-out', caFile, '-days', '365', '-subj', '/CN=localhost'],
    ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
  ]);
  assert.equal(made.status, 0, made.stderr.toString());
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(caFile, 'utf8'), caFile };
}

function respond(request: http.IncomingMessage, response: http.ServerResponse): void {
  if (request.url === '/json') {
    response.setHeader('content-type', 'application/json');
    response.end('{"status":"ok"}');
  } else if (request.url === '/slow') {
    // Headers now, the body never: the check must give up on a response it has started reading.
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.write('partial');
  } else {
    response.end('ok');
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-no-leaks-'));
  const { key, cert, caFile } = selfSignedCertificate();

  const httpServer = http.createServer(respond);
  httpServer.on('connection', track);
  const httpsServer = tls.createServer({ key, cert }, (socket) => {
    track(socket);
    // Enough HTTP for the http kind over TLS; the tls and tcp kinds only handshake.
    socket.once('data', () =>
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'),
    );
  });
  httpsServer.on('connection', track);
  const echo = net.createServer((socket) => {
    track(socket);
    socket.on('data', (data) => socket.write(data));
  });
  // Reads and drops what it is sent (so it sees the client's FIN and closes), never answers.
  const silentServer = net.createServer((socket) => {
    track(socket);
    socket.resume();
  });
  const refused = net.createServer();

  loopback = {
    httpPort: await listen(httpServer),
    httpsPort: await listen(httpsServer),
    echoPort: await listen(echo),
    silentPort: await listen(silentServer),
    refusedPort: await listen(refused),
    dnsPort: await udp(true),
    silentDnsPort: await udp(false),
    caFile,
  };
  // Nothing listens there any more: connections are refused.
  await new Promise((resolve) => refused.close(resolve));
  servers.splice(servers.indexOf(refused), 1);
});

after(async () => {
  for (const socket of serverSockets) socket.destroy();
  await Promise.all(
    servers.map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))),
  );
  rmSync(dir, { recursive: true, force: true });
});

// --- measuring ------------------------------------------------------------------------------

interface Snapshot {
  resources: Map<string, number>;
  fds: number;
}

function snapshot(): Snapshot {
  const resources = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) resources.set(type, (resources.get(type) ?? 0) + 1);
  return { resources, fds: readdirSync('/proc/self/fd').length };
}

/** What grew beyond the margins since the baseline, e.g. ["TCPSocketWrap 4 -> 64", "fds 31 -> 91"]. */
function growth(baseline: Snapshot, now: Snapshot): string[] {
  const grown: string[] = [];
  for (const [type, count] of now.resources) {
    const before = baseline.resources.get(type) ?? 0;
    if (count > before + RESOURCE_MARGIN) grown.push(`${type} ${before} -> ${count}`);
  }
  if (now.fds > baseline.fds + FD_MARGIN) grown.push(`fds ${baseline.fds} -> ${now.fds}`);
  return grown;
}

/** Waits up to `settleMs` for closing sockets and finishing requests; returns what is still grown. */
async function settledGrowth(
  baseline: Snapshot,
  settleMs = SETTLE_MS,
  waited?: { ms: number },
): Promise<string[]> {
  const started = performance.now();
  for (;;) {
    const grown = growth(baseline, snapshot());
    if (waited) waited.ms = performance.now() - started;
    if (grown.length === 0 || performance.now() - started >= settleMs) return grown;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// --- running ------------------------------------------------------------------------------

interface Job {
  kind: CheckKind<unknown>;
  scenario: Scenario;
  params: Record<string, unknown>;
}

class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  async enter(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** Runs the jobs `rounds` times, shuffled, CONCURRENCY at once; returns runs whose state was not the expected one. */
async function exercise(jobs: Job[], rounds: number): Promise<{ runs: number; wrong: string[] }> {
  const queue: Job[] = [];
  for (const job of jobs) {
    const runs = Math.max(1, Math.round(rounds * (RUNS_PER_ROUND[job.kind.kind] ?? 1)));
    for (let i = 0; i < runs; i++) queue.push(job);
  }
  for (let i = queue.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [queue[i], queue[j]] = [queue[j] as Job, queue[i] as Job];
  }
  const gates = new Map(Object.entries(PER_KIND_LIMIT).map(([kind, limit]) => [kind, new Gate(limit)]));
  const wrong: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const job = queue[next++] as Job;
      const gate = gates.get(job.kind.kind);
      await gate?.enter();
      try {
        const options = job.scenario.timeoutMs === undefined ? {} : { timeoutMs: job.scenario.timeoutMs };
        const outcome = await runCheck(job.kind, job.params, options);
        const expected = job.scenario.expect === 'ok' ? [0] : [2, 3];
        if (!expected.includes(outcome.exitCode)) {
          wrong.push(`${job.kind.kind} ${job.scenario.name}: state ${outcome.exitCode}: ${outcome.output}`);
        }
      } catch (error) {
        wrong.push(`${job.kind.kind} ${job.scenario.name}: threw ${(error as Error).stack}`);
      } finally {
        gate?.leave();
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { runs: queue.length, wrong };
}

async function loadKind(kind: string): Promise<CheckKind<unknown> | undefined> {
  const file = new URL(`../../src/checks/${kind}.ts`, import.meta.url);
  if (!existsSync(file)) return undefined;
  const module = (await import(file.href)) as Record<string, CheckKind<unknown> | undefined>;
  const check = module[`${kind}Check`];
  assert.ok(check, `src/checks/${kind}.ts exports no ${kind}Check`);
  return check;
}

/** Scenario params the kind accepts; a kind whose every scenario is rejected fails the test. */
async function jobsFor(t: TestContext): Promise<Job[]> {
  const jobs: Job[] = [];
  const all = scenarios(loopback);
  for (const name of KINDS) {
    const kind = await loadKind(name);
    if (kind === undefined) {
      t.diagnostic(`kind ${name}: src/checks/${name}.ts does not exist yet, not exercised`);
      continue;
    }
    const rejected: string[] = [];
    for (const scenario of all.filter((s) => s.kind === name)) {
      const params = scenario.variants.find((v) => kind.params.safeParse(v).success);
      if (params === undefined) {
        const reason = kind.params.safeParse(scenario.variants[0]);
        rejected.push(`${scenario.name}: ${reason.success ? '' : z.prettifyError(reason.error)}`);
        continue;
      }
      jobs.push({ kind, scenario, params });
    }
    for (const reason of rejected) t.diagnostic(`kind ${name}: scenario skipped, params rejected: ${reason}`);
    assert.ok(
      jobs.some((job) => job.kind === kind),
      `kind ${name}: every scenario's params were rejected; update scenarios() in this file:\n${rejected.join('\n')}`,
    );
  }
  return jobs;
}

describe('native checks leak nothing', () => {
  it('leaves no socket, timer, request or file descriptor behind after thousands of runs', async (t) => {
    const jobs = await jobsFor(t);
    // Warm-up: lazily created shared things (the spawner co-process, connection pools at
    // their steady size) belong in the baseline; only growth with the number of runs is a leak.
    const warmup = await exercise(jobs, WARMUP_ROUNDS);
    assert.deepEqual(warmup.wrong.slice(0, 5), [], 'warm-up runs ended in unexpected states');
    await settledGrowth(snapshot(), 500);
    const baseline = snapshot();

    const started = performance.now();
    const { runs, wrong } = await exercise(jobs, ROUNDS);
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(
      `${runs} runs of ${new Set(jobs.map((j) => j.kind.kind)).size} kinds (${jobs.length} scenarios) in ${seconds.toFixed(1)}s`,
    );
    assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} runs ended in unexpected states`);
    assert.ok(runs >= 2000, `only ${runs} runs`);

    const waited = { ms: 0 };
    const grown = await settledGrowth(baseline, SETTLE_MS, waited);
    const after = snapshot();
    t.diagnostic(
      `settled ${waited.ms.toFixed(0)} ms after the runs; baseline ${baseline.fds} fds ${JSON.stringify(Object.fromEntries(baseline.resources))}; ` +
        `after ${after.fds} fds ${JSON.stringify(Object.fromEntries(after.resources))}`,
    );
    if (grown.length > 0) {
      // Name the culprit: each scenario alone, a few rounds, measured the same way.
      for (const job of jobs) {
        const before = snapshot();
        await exercise([job], 10);
        const leak = await settledGrowth(before);
        if (leak.length > 0)
          t.diagnostic(`leak in ${job.kind.kind} ${job.scenario.name}: ${leak.join(', ')}`);
      }
    }
    assert.deepEqual(grown, [], `resources still held ${SETTLE_MS} ms after the runs: ${grown.join(', ')}`);
  });

  it('would catch a kind that leaks a socket or a timer', async () => {
    const leakedSockets: net.Socket[] = [];
    const leakedTimers: NodeJS.Timeout[] = [];
    // Connects and reports OK without ever destroying the socket; arms a timer it never clears.
    const leakyCheck: CheckKind<{ port: number; timer: boolean }> = {
      kind: 'leaky',
      params: z.strictObject({ port: z.number(), timer: z.boolean() }),
      run(p) {
        if (p.timer) {
          leakedTimers.push(setTimeout(() => {}, 600_000));
          return Promise.resolve({ exitCode: 0, output: 'LEAKY OK', longOutput: '', perfdata: [] });
        }
        return new Promise((resolve) => {
          const socket = net.connect(p.port, '127.0.0.1');
          leakedSockets.push(socket);
          socket.once('connect', () =>
            resolve({ exitCode: 0, output: 'LEAKY OK', longOutput: '', perfdata: [] }),
          );
        });
      },
    };
    const scenario: Scenario = { kind: 'leaky', name: 'leak', variants: [], expect: 'ok' };
    try {
      let baseline = snapshot();
      await exercise([{ kind: leakyCheck, scenario, params: { port: loopback.echoPort, timer: false } }], 20);
      const socketLeak = await settledGrowth(baseline, 500);
      assert.ok(
        socketLeak.some((g) => g.startsWith('TCPSocketWrap ')),
        `leaked sockets not flagged: ${socketLeak}`,
      );
      assert.ok(
        socketLeak.some((g) => g.startsWith('fds ')),
        `leaked file descriptors not flagged: ${socketLeak}`,
      );

      for (const socket of leakedSockets) socket.destroy();
      assert.deepEqual(
        await settledGrowth(baseline),
        [],
        'the measure does not return to baseline after cleanup',
      );

      baseline = snapshot();
      await exercise([{ kind: leakyCheck, scenario, params: { port: loopback.echoPort, timer: true } }], 20);
      const timerLeak = await settledGrowth(baseline, 500);
      assert.ok(
        timerLeak.some((g) => g.startsWith('Timeout ')),
        `leaked timers not flagged: ${timerLeak}`,
      );
    } finally {
      for (const socket of leakedSockets) socket.destroy();
      for (const timer of leakedTimers) clearTimeout(timer);
    }
  });
});
