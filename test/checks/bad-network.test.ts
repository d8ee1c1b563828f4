// Checks on a bad network: added latency shows in the timings, a peer that swallows
// everything times out at the per-check timeout, and the engine keeps every other check on
// time meanwhile. Kernel impairment (tc netem in a namespace) is used when the kernel has
// sch_netem; a userspace proxy on loopback provides the same impairments always.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import type { CheckOutcome } from '../../src/checks/check.ts';
import { httpCheck } from '../../src/checks/http.ts';
import { Spawner } from '../../src/checks/plugin/spawner.ts';
import { tcpCheck } from '../../src/checks/tcp.ts';
import { Engine } from '../../src/engine/engine.ts';
import { openStore } from '../../src/store/index.ts';
import { modelFromYaml, sleep, tempDir } from '../helpers/model.ts';
import { createTestNamespace, namespacesUnavailable, type TestNamespace } from '../helpers/netns.ts';
import { runCheck } from '../helpers/run-check.ts';

const DELAY_MS = 200;
const TIMEOUT_MS = 600;

const cleanups: (() => void | Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch {}
  }
});

function listen(server: net.Server): Promise<number> {
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );
}

/** Tracks accepted sockets so cleanup can destroy them (a black hole never closes its own). */
function track(server: net.Server): net.Server {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  cleanups.push(() => {
    for (const socket of sockets) socket.destroy();
  });
  return server;
}

/** Forwards both directions, holding every chunk back `delayMs` (order kept: equal delays fire in order). */
function delayProxy(targetPort: number, delayMs: number): net.Server {
  return track(
    net.createServer((client) => {
      const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      const pipe = (from: net.Socket, to: net.Socket) => {
        from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), delayMs));
        from.on('end', () => setTimeout(() => to.end(), delayMs));
      };
      pipe(client, upstream);
      pipe(upstream, client);
    }),
  );
}

/** Accepts connections and then never sends, forwards or closes anything. */
function blackHole(): net.Server {
  return track(net.createServer(() => {}));
}

let httpPort = 0;
let pingPongPort = 0;
let bannerPort = 0;

before(async () => {
  const web = http.createServer((_request, response) => response.end('ok\n'));
  web.keepAliveTimeout = 100;
  httpPort = await listen(track(web));
  pingPongPort = await listen(
    track(
      net.createServer((socket) => {
        socket.on('data', (chunk) => {
          if (chunk.toString().includes('PING')) socket.write('+PONG\r\n');
        });
      }),
    ),
  );
  bannerPort = await listen(track(net.createServer((socket) => socket.write('220 ready\r\n'))));
});

function seconds(outcome: CheckOutcome, label = 'time'): number {
  const datum = outcome.perfdata.find((d) => d.label === label);
  assert.ok(datum, `perfdata has ${label}: ${JSON.stringify(outcome.perfdata)}`);
  assert.equal(datum.unit, 's');
  return datum.value;
}

test('kernel impairment with tc netem in a namespace (skipped, saying why, when the kernel lacks sch_netem)', async (t) => {
  const why = namespacesUnavailable();
  if (why) {
    t.skip(`netem not tried: ${why}; the userspace proxy tests below cover delay and black holes`);
    return;
  }
  const ns = createTestNamespace();
  cleanups.push(() => ns.remove());
  try {
    ns.exec(['tc', 'qdisc', 'add', 'dev', ns.namespaceInterface, 'root', 'netem', 'delay', `${DELAY_MS}ms`]);
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
    const reason = /qdisc kind is unknown/i.test(stderr)
      ? 'this kernel has no sch_netem (tc: "Specified qdisc kind is unknown")'
      : `tc netem failed: ${stderr}`;
    t.skip(`netem not available: ${reason}; the userspace proxy tests below cover delay and black holes`);
    return;
  }
  const ports = await serveInNamespace(ns);
  const base = { address: ns.namespaceAddress, timeoutMs: TIMEOUT_MS * 3 };

  const tcp = await runCheck(tcpCheck, { port: ports.tcp, expect: '220' }, base);
  assert.equal(tcp.exitCode, 0, tcp.output);
  assert.ok(seconds(tcp, 'time_connect') >= DELAY_MS / 1000, 'the SYN-ACK was delayed');
  assert.ok(seconds(tcp) >= DELAY_MS / 1000);
  const web = await runCheck(
    httpCheck,
    { url: `http://${ns.namespaceAddress}:${ports.http}/`, expect_status: [200] },
    base,
  );
  assert.equal(web.exitCode, 0, web.output);
  assert.ok(seconds(web) >= DELAY_MS / 1000);

  ns.exec(['tc', 'qdisc', 'change', 'dev', ns.namespaceInterface, 'root', 'netem', 'loss', '100%']);
  const lost = await runCheck(
    tcpCheck,
    { port: ports.tcp, expect: '220' },
    { ...base, timeoutMs: TIMEOUT_MS },
  );
  assert.equal(lost.exitCode, 2);
  assert.match(lost.output, /no connection to .* within 0\.6s/);
  assert.ok(Math.abs(lost.elapsedMs - TIMEOUT_MS) < 150, `took ${lost.elapsedMs} ms`);
});

/** Runs a banner server and an HTTP server inside the namespace, on its veth address. */
async function serveInNamespace(ns: TestNamespace): Promise<{ tcp: number; http: number }> {
  const script = `
    const net = require('node:net'), http = require('node:http');
    const address = process.argv[1];
    const banner = net.createServer((s) => s.end('220 ready\\r\\n')).listen(0, address, () => {
      const web = http.createServer((q, r) => r.end('ok')).listen(0, address, () =>
        console.log(JSON.stringify({ tcp: banner.address().port, http: web.address().port })));
    });`;
  const child: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', ns.name, process.execPath, '-e', script, ns.namespaceAddress],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  cleanups.push(() => {
    child.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server in ${ns.name} exited with ${code}`)));
    child.stdout?.once('data', (line: Buffer) => resolve(JSON.parse(line.toString())));
  });
}

test('userspace delay: TCP and HTTP timings include the added latency', async () => {
  const pingPong = await listen(delayProxy(pingPongPort, DELAY_MS));
  const banner = await listen(delayProxy(bannerPort, DELAY_MS));
  const web = await listen(delayProxy(httpPort, DELAY_MS));

  const bannerCheck = await runCheck(tcpCheck, { port: banner, expect: '220' });
  assert.equal(bannerCheck.exitCode, 0, bannerCheck.output);
  assert.ok(seconds(bannerCheck) >= DELAY_MS / 1000, `banner after ${seconds(bannerCheck)}s`);

  // A request and its reply each cross the proxy once: two delays.
  const exchange = await runCheck(tcpCheck, { port: pingPong, send: 'PING\\r\\n', expect: '+PONG' });
  assert.equal(exchange.exitCode, 0, exchange.output);
  assert.ok(seconds(exchange) >= (2 * DELAY_MS) / 1000, `exchange took ${seconds(exchange)}s`);

  const slowWarn = await runCheck(tcpCheck, {
    port: pingPong,
    send: 'PING\\r\\n',
    expect: '+PONG',
    warn: 0.3,
  });
  assert.equal(slowWarn.exitCode, 1, `the delay crosses a 0.3 s threshold: ${slowWarn.output}`);

  const page = await runCheck(httpCheck, { url: `http://127.0.0.1:${web}/`, expect_status: [200] });
  assert.equal(page.exitCode, 0, page.output);
  assert.ok(seconds(page) >= (2 * DELAY_MS) / 1000, `HTTP took ${seconds(page)}s`);
});

test('userspace black hole: TCP and HTTP time out at the per-check timeout with a clear message', async () => {
  const hole = await listen(blackHole());

  const tcp = await runCheck(tcpCheck, { port: hole, expect: '220' }, { timeoutMs: TIMEOUT_MS });
  assert.equal(tcp.exitCode, 2);
  assert.equal(
    tcp.output,
    `TCP CRITICAL - "220" not seen from 127.0.0.1:${hole} within 0.6s (nothing received)`,
  );
  assert.ok(Math.abs(tcp.elapsedMs - TIMEOUT_MS) < 150, `TCP took ${tcp.elapsedMs} ms`);

  const web = await runCheck(
    httpCheck,
    { url: `http://127.0.0.1:${hole}/`, expect_status: [200] },
    { timeoutMs: TIMEOUT_MS },
  );
  assert.equal(web.exitCode, 2);
  assert.match(web.output, /0\.6\s?s|timed? ?out|timeout/i, `HTTP says it timed out: ${web.output}`);
  assert.ok(Math.abs(web.elapsedMs - TIMEOUT_MS) < 150, `HTTP took ${web.elapsedMs} ms`);
});

test('an engine with 50 fast checks and 10 black-holed ones keeps the fast ones on time', async () => {
  const hole = await listen(blackHole());
  const spawner = new Spawner();
  cleanups.push(() => spawner.close());
  const dir = await tempDir('vigil-bad-network-');
  const store = await openStore({
    kind: 'sqlite',
    path: path.join(dir, 'vigil.db'),
    url: '',
    resultRetentionMs: 86_400_000,
    downsampledRetentionMs: 86_400_000,
    historyRetentionMs: 86_400_000,
  });
  await store.migrate();
  const fast = Array.from(
    { length: 50 },
    (_, i) => `      - { name: fast${i}, interval: 200ms, check: { kind: dummy } }`,
  );
  const stuck = Array.from(
    { length: 10 },
    (_, i) =>
      `      - { name: hole${i}, interval: 1s, retry_interval: 1s, timeout: 500ms, check: { kind: tcp, port: ${hole}, expect: "220" } }`,
  );
  const model = modelFromYaml(`
hosts:
  - name: h
    address: 127.0.0.1
    services:
${[...fast, ...stuck].join('\n')}
`);
  const engine = new Engine(model, await store.loadStates(), {
    store,
    spawner,
    log: pino({ level: 'silent' }),
    flushIntervalMs: 50,
  });
  const started = Date.now();
  engine.start();
  await sleep(2_500);
  await engine.stop();

  const lateness: number[] = [];
  for (let i = 0; i < 50; i++) {
    const results = await store.results({
      objectId: `h/fast${i}`,
      since: started - 1,
      until: Date.now() + 1,
    });
    assert.ok(results.length >= 10, `h/fast${i} ran ${results.length} times in 2.5 s at 200 ms`);
    for (const result of results) lateness.push(result.startedAt - result.plannedAt);
  }
  lateness.sort((a, b) => a - b);
  const p99 = lateness[Math.ceil(lateness.length * 0.99) - 1] as number;
  assert.ok(p99 < 50, `fast checks' schedule latency p99 ${p99} ms`);

  for (let i = 0; i < 10; i++) {
    const results = await store.results({
      objectId: `h/hole${i}`,
      since: started - 1,
      until: Date.now() + 1,
    });
    assert.ok(results.length >= 1, `h/hole${i} ran`);
    for (const result of results) {
      assert.equal(result.exitCode, 2);
      assert.match(result.output, /"220" not seen from 127\.0\.0\.1:\d+ within 0\.5s/);
      assert.ok(
        result.durationMs >= 480 && result.durationMs < 650,
        `h/hole${i} took ${result.durationMs} ms`,
      );
    }
  }
  console.log(`# bad-network engine: ${lateness.length} fast results, schedule latency p99 ${p99} ms`);
  await store.close();
});
