// Maintenance benchmark: a database role swap under continuous write load. An app server
// INSERTs one row per request (each with a unique id) into whichever server is the primary;
// `vigil db-swap` swaps the pair while clients keep writing. The app server holds requests
// itself through the ProxySwitch interface (the role `vigil proxy` plays in production) and
// learns the new primary from the traffic hook. Prints progress on stderr, one JSON line last.
//
//   npm run bench -- maintenance [--clients 16] [--before 2] [--after 2]
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import mysql from 'mysql2/promise';
import { dbSwap } from '../src/maintenance/db-swap/swap.ts';
import type { ProxySwitch } from '../src/maintenance/proxy-switch.ts';
import { REPL_PASSWORD, ReplicationPair } from '../test/helpers/mariadb-pair.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The app: POST /write/ID inserts ID into the current primary; 200 only after the commit. */
async function startApp(targetFile: string, firstPort: number) {
  let port = firstPort;
  let pool = mysql.createPool({
    host: '127.0.0.1',
    port,
    user: 'app',
    password: 'app-secret',
    connectionLimit: 16,
  });
  let held: (() => void)[] | null = null;
  const server = http.createServer(async (req, res) => {
    if (held) await new Promise<void>((resolve) => held?.push(resolve));
    const id = Number(req.url?.split('/')[2]);
    try {
      await pool.query('INSERT INTO app.orders VALUES (?)', [id]);
      res.writeHead(200).end('ok');
    } catch (error) {
      res.writeHead(500).end((error as Error).message);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const gate: ProxySwitch = {
    async pause() {
      held = [];
      return [{ proxy: 'app', paused: true, heldRequests: 0 }];
    },
    async resume() {
      const nextPort = Number((await readFile(targetFile, 'utf8')).trim().split(':').at(-1));
      if (nextPort !== port) {
        const old = pool;
        port = nextPort;
        pool = mysql.createPool({
          host: '127.0.0.1',
          port,
          user: 'app',
          password: 'app-secret',
          connectionLimit: 16,
        });
        void old.end();
      }
      const waiting = held ?? [];
      held = null;
      for (const release of waiting) release();
      return [{ proxy: 'app', paused: false, heldRequests: waiting.length }];
    },
    close: async () => {},
  };
  return {
    port: (server.address() as AddressInfo).port,
    gate,
    close: async () => {
      server.close();
      await pool.end();
    },
  };
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string', default: '16' },
      before: { type: 'string', default: '2' },
      after: { type: 'string', default: '2' },
    },
  });
  const clients = Number(values.clients);
  const pair = new ReplicationPair();
  process.stderr.write('starting a MariaDB replication pair\n');
  await pair.start();
  const targetFile = path.join(tmpdir(), `vigil-bench-target-${process.pid}`);
  await writeFile(targetFile, `127.0.0.1:${pair.primaryPort}\n`);
  const app = await startApp(targetFile, pair.primaryPort);
  try {
    let nextId = 1;
    let stop = false;
    const acknowledged: number[] = [];
    let failed = 0;
    let maxRequestMs = 0;
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    const client = async () => {
      while (!stop) {
        const id = nextId++;
        const started = performance.now();
        const status = await new Promise<number>((resolve) => {
          const req = http.request(
            { host: '127.0.0.1', port: app.port, method: 'POST', path: `/write/${id}`, agent },
            (res) => {
              res.resume();
              res.on('end', () => resolve(res.statusCode ?? 0));
            },
          );
          req.on('error', () => resolve(0));
          req.end();
        });
        maxRequestMs = Math.max(maxRequestMs, performance.now() - started);
        if (status === 200) acknowledged.push(id);
        else failed++;
      }
    };
    process.stderr.write(`writing with ${clients} clients for ${values.before}s before the swap\n`);
    const load = Promise.all(Array.from({ length: clients }, client));
    await sleep(Number(values.before) * 1000);
    process.stderr.write(`swapping (${acknowledged.length} writes so far)\n`);
    const result = await dbSwap(
      {
        primary: { host: '127.0.0.1', port: pair.primaryPort },
        replica: { host: '127.0.0.1', port: pair.replicaPort },
        login: { user: 'root', password: '', connectTimeoutMs: 5000 },
        replicationPassword: REPL_PASSWORD,
        maxLagS: 5,
        maxTransactionAgeS: 10,
        waitTimeoutMs: 10_000,
        settleMs: 100,
        verifyTimeoutMs: 10_000,
        hook: `printf '%s\\n' "$1" > ${targetFile}`,
        hookTimeoutMs: 10_000,
        proxies: { proxySwitch: app.gate, description: 'the app server' },
        maxPauseMs: 30_000,
        mode: 'swap',
      },
      {
        log: (line) => process.stderr.write(`  ${line}\n`),
        clock: () => Date.now(),
        sleep,
      },
    );
    if (result.outcome !== 'succeeded')
      throw new Error(`swap ${result.outcome}: ${result.problems.join('; ') || result.run?.failure?.error}`);
    await sleep(Number(values.after) * 1000);
    stop = true;
    await load;
    agent.destroy();
    const newPrimary = await pair.connect(pair.replicaPort);
    const [rows] = await newPrimary.query<mysql.RowDataPacket[]>('SELECT id FROM app.orders');
    await newPrimary.end();
    const present = new Set(rows.map((row) => Number(row.id)));
    const lost = acknowledged.filter((id) => !present.has(id)).length;
    process.stderr.write(
      `${acknowledged.length} writes acknowledged, ${present.size} rows on the new primary\n`,
    );
    process.stdout.write(
      `${JSON.stringify({
        bench: 'maintenance',
        requests: acknowledged.length + failed,
        failed,
        lost_writes: lost,
        pause_ms: result.run?.pauseMs ?? 0,
        max_request_ms: Math.round(maxRequestMs),
        through: 'app-server pause (ProxySwitch), not vigil proxy',
      })}\n`,
    );
  } finally {
    await app.close();
    await pair.stop();
  }
}
