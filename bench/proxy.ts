// Proxy benchmark: small responses through `vigil proxy` and, in the same run, through
// Debian's nginx configured as a plain reverse proxy to the same upstream. The upstream,
// each proxy and the load generator (wrk, --latency) run as separate processes. Like for
// like: the same wrk connections, `--workers` Node processes against nginx's
// worker_processes, kept-alive upstream connections on both sides, no per-request logging
// on either (nginx: access_log off; Vigil logs nothing per request). After a warm-up that
// lets V8 compile the hot path, the two are loaded in alternating windows (the order flips
// every round) and the medians are reported. One window straight at the upstream shows
// whether the upstream, not a proxy, limits the numbers. Prints progress on stderr and
// one JSON line last.
//
//   npm run bench -- proxy [--duration 5] [--connections 50] [--workers 1] [--warmup 10] [--rounds 5]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/local-servers.ts';
import { runWrk, type WrkResult } from './wrk.ts';

const NGINX = '/usr/sbin/nginx';
const VIGIL = fileURLToPath(new URL('../bin/vigil.js', import.meta.url));

// Plain JavaScript, run with `node -e`: the upstream every proxy forwards to.
const UPSTREAM_SOURCE = `
const http = require('node:http');
const body = Buffer.from('<html><body>vigil proxy benchmark OK</body></html>');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 65000;
server.listen(Number(process.argv[1]), '127.0.0.1');
`;

type LoadResult = WrkResult;

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      workers: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '5' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'npm run bench -- proxy [--duration S] [--connections N] [--workers N] [--warmup S] [--rounds N]\n' +
        'Loads vigil proxy and nginx (same worker count) in front of one upstream with wrk, in alternating\n' +
        'windows of --duration seconds; and reports the medians.\n',
    );
    return;
  }
  const durationS = Number(values.duration);
  const connections = Number(values.connections);
  const workers = Number(values.workers);
  const warmupS = Number(values.warmup);
  const rounds = Math.max(1, Number(values.rounds));
  const children: ChildProcess[] = [];
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-bench-proxy-'));
  // nginx's master passes SIGTERM on to its workers; SIGKILL would leave them running.
  const cleanup = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('exit', cleanup);
  try {
    const upstreamPort = await freePort();
    children.push(
      spawn(process.execPath, ['-e', UPSTREAM_SOURCE, String(upstreamPort)], { stdio: ['ignore', 2, 2] }),
    );
    await waitForPort(upstreamPort);
    progress(`upstream on 127.0.0.1:${upstreamPort}`);

    const vigilPort = await freePort();
    const controlPort = await freePort();
    const vigilArgs = [
      VIGIL,
      'proxy',
      'run',
      '--listen',
      `127.0.0.1:${vigilPort}`,
      '--upstream',
      `http://127.0.0.1:${upstreamPort}`,
      '--control-listen',
      `127.0.0.1:${controlPort}`,
      '--workers',
      String(workers),
      '--log-level',
      'warn',
    ];
    children.push(
      // The children's output goes to stderr: stdout ends with the one JSON line.
      spawn(process.execPath, vigilArgs, {
        stdio: ['ignore', 2, 2],
        env: { ...process.env, VIGIL_PROXY_SECRET: 'bench-secret-0123456789' },
      }),
    );
    await waitForPort(vigilPort);
    progress(`vigil proxy on 127.0.0.1:${vigilPort} (${workers} worker${workers === 1 ? '' : 's'})`);

    const nginxPort = await freePort();
    const conf = path.join(dir, 'nginx.conf');
    await writeFile(conf, nginxConfig(dir, nginxPort, upstreamPort, workers));
    children.push(spawn(NGINX, ['-p', dir, '-c', conf], { stdio: ['ignore', 2, 2] }));
    await waitForPort(nginxPort);
    progress(`nginx on 127.0.0.1:${nginxPort} (worker_processes ${workers})`);

    // V8 compiles the proxy's hot path only after many requests (slowly, on a busy
    // machine); nginx needs no warm-up but gets the same, so the upstream warms up too.
    await load(vigilPort, warmupS, connections);
    await load(nginxPort, warmupS, connections);
    const direct = await load(upstreamPort, durationS, connections);
    progress(`upstream alone: ${direct.reqPerS} req/s, p99 ${direct.p99Ms} ms`);
    // Alternating windows, the order flipped each round, medians reported: on a shared
    // machine a burst of someone else's work then hurts neither side more than the other.
    const vigilRounds: LoadResult[] = [];
    const nginxRounds: LoadResult[] = [];
    const window = async (name: 'vigil' | 'nginx', round: number) => {
      const result = await load(name === 'vigil' ? vigilPort : nginxPort, durationS, connections);
      progress(
        `round ${round} ${name}: ${result.reqPerS} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms`,
      );
      (name === 'vigil' ? vigilRounds : nginxRounds).push(result);
    };
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? (['vigil', 'nginx'] as const) : (['nginx', 'vigil'] as const);
      for (const name of order) await window(name, round);
    }
    const vigil = medianOf(vigilRounds);
    const nginx = medianOf(nginxRounds);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'proxy',
        workers,
        connections,
        duration_s: durationS,
        rounds,
        vigil_req_per_s: vigil.reqPerS,
        nginx_req_per_s: nginx.reqPerS,
        ratio: Math.round((vigil.reqPerS / nginx.reqPerS) * 100) / 100,
        vigil_p99_ms: vigil.p99Ms,
        nginx_p99_ms: nginx.p99Ms,
        vigil_p50_ms: vigil.p50Ms,
        nginx_p50_ms: nginx.p50Ms,
        vigil_errors: vigil.errors,
        nginx_errors: nginx.errors,
        upstream_alone_req_per_s: direct.reqPerS,
        vigil_rounds_req_per_s: vigilRounds.map((r) => r.reqPerS),
        nginx_rounds_req_per_s: nginxRounds.map((r) => r.reqPerS),
      })}\n`,
    );
  } finally {
    cleanup();
    process.removeListener('exit', cleanup);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The median of each figure over the rounds; errors are summed over all of them. */
function medianOf(results: LoadResult[]): LoadResult {
  const median = (pick: (r: LoadResult) => number) => {
    const sorted = results.map(pick).sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : Math.round((((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2) * 100) / 100;
  };
  return {
    reqPerS: Math.round(median((r) => r.reqPerS)),
    p50Ms: median((r) => r.p50Ms),
    p99Ms: median((r) => r.p99Ms),
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
}

function nginxConfig(dir: string, port: number, upstreamPort: number, workers: number): string {
  return `daemon off;
master_process on;
worker_processes ${workers};
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`;
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 1200; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after 60 s`);
}

function progress(line: string): void {
  process.stderr.write(`[proxy] ${line}\n`);
}

function load(port: number, seconds: number, connections: number): Promise<LoadResult> {
  return runWrk(`http://127.0.0.1:${port}/`, seconds, connections);
}
