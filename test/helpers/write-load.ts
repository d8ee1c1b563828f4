// A role swap under load, the parts the swap-under-load test and the maintenance benchmark
// share: an app server that writes one row per request into whichever server is the primary
// now, clients that keep it busy through the proxy, and the check that every write it
// acknowledged is on a server exactly once.
import { readFile, rename, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mysql from 'mysql2/promise';
import { type CliRun, vigil } from './cli.ts';
import type { ReplicationPair } from './mariadb-pair.ts';

/**
 * The table the app writes: `request_id` is deliberately not unique, so a write that went
 * through twice (a retried request, a replayed transaction) shows up as two rows.
 */
export async function createWritesTable(pair: ReplicationPair): Promise<void> {
  await pair.onPrimary((db) =>
    db.query(
      'CREATE TABLE app.writes (seq BIGINT AUTO_INCREMENT PRIMARY KEY, request_id INT NOT NULL, KEY (request_id))',
    ),
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [rows] = await pair.onReplica((db) =>
      db.query<mysql.RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'app' AND table_name = 'writes'",
      ),
    );
    if (Number(rows[0]?.n) === 1) return;
    if (Date.now() > deadline) throw new Error('app.writes did not reach the replica within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Points the app at `host:port`, as the traffic hook does: written whole, never half. */
export async function setAppTarget(targetFile: string, address: string): Promise<void> {
  await writeFile(`${targetFile}.new`, `${address}\n`);
  await rename(`${targetFile}.new`, targetFile);
}

/** The traffic hook for `vigil db-swap --hook`: the same atomic write, in shell. */
export const appTargetHook = (targetFile: string) =>
  `printf '%s\\n' "$1" > '${targetFile}.new' && mv '${targetFile}.new' '${targetFile}'`;

export interface WritingApp {
  url: string;
  /** Error messages of writes the app could not commit (each answered 500). */
  writeErrors: string[];
  close(): Promise<void>;
}

/**
 * The app: `POST /write/ID` INSERTs ID into the server named in `targetFile` (re-read on every
 * request, so the hook's change applies to the next request) and answers 200 only after the
 * commit; `GET /health` answers 200. It connects as `app`, which read_only stops.
 */
export async function startWritingApp(targetFile: string): Promise<WritingApp> {
  const pools = new Map<string, mysql.Pool>();
  const poolFor = (address: string) => {
    let pool = pools.get(address);
    if (!pool) {
      const at = address.lastIndexOf(':');
      pool = mysql.createPool({
        host: address.slice(0, at),
        port: Number(address.slice(at + 1)),
        user: 'app',
        password: 'app-secret',
        connectionLimit: 32,
      });
      pools.set(address, pool);
    }
    return pool;
  };
  const writeErrors: string[] = [];
  const server = http.createServer({ keepAlive: true }, (request, response) => {
    request.resume();
    if (request.url === '/health') {
      response.writeHead(200).end('ok');
      return;
    }
    const id = Number(/^\/write\/(\d+)$/.exec(request.url ?? '')?.[1]);
    if (request.method !== 'POST' || !Number.isSafeInteger(id)) {
      response.writeHead(404).end('POST /write/ID\n');
      return;
    }
    void (async () => {
      const target = (await readFile(targetFile, 'utf8')).trim();
      await poolFor(target).query('INSERT INTO app.writes (request_id) VALUES (?)', [id]);
    })().then(
      () => response.writeHead(200).end('committed\n'),
      (error: Error) => {
        writeErrors.push(`request ${id}: ${error.message}`);
        response.writeHead(500).end(`${error.message}\n`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    writeErrors,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([...pools.values()].map((pool) => pool.end()));
    },
  };
}

export interface LoadResult {
  requests: number;
  /** Ids the app acknowledged with 200: each must be on the primary exactly once. */
  acknowledged: number[];
  /** Every other outcome: status (0 for a connection error) and what came back. */
  failures: { id: number; status: number; body: string }[];
  maxRequestMs: number;
}

export interface Load {
  /** Requests answered so far. */
  answered(): number;
  /** Lets each client finish its current request, then reports. */
  stop(): Promise<LoadResult>;
}

/** `clients` clients, each sending `POST /write/ID` back to back over a kept-alive connection. */
export function startLoad(url: string, clients: number, firstId: number): Load {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const result: LoadResult = { requests: 0, acknowledged: [], failures: [], maxRequestMs: 0 };
  let nextId = firstId;
  let stopping = false;
  const send = (id: number) =>
    new Promise<{ status: number; body: string }>((resolve) => {
      const outgoing = http.request(
        {
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path: `/write/${id}`,
          agent,
          timeout: 30_000,
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          response.on('error', (error) => resolve({ status: 0, body: error.message }));
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 30 s')));
      outgoing.on('error', (error) => resolve({ status: 0, body: error.message }));
      outgoing.end();
    });
  const client = async () => {
    while (!stopping) {
      const id = nextId++;
      const started = performance.now();
      const { status, body } = await send(id);
      result.maxRequestMs = Math.max(result.maxRequestMs, performance.now() - started);
      result.requests++;
      if (status === 200) result.acknowledged.push(id);
      else result.failures.push({ id, status, body: body.trim().slice(0, 200) });
    }
  };
  const running = Promise.all(Array.from({ length: clients }, client));
  return {
    answered: () => result.requests,
    stop: async () => {
      stopping = true;
      await running;
      agent.destroy();
      result.maxRequestMs = Math.round(result.maxRequestMs);
      return result;
    },
  };
}

/** How many rows each request id has on the server at `port`. */
export async function writesOn(pair: ReplicationPair, port: number): Promise<Map<number, number>> {
  return pair.on(port, async (db) => {
    const [rows] = await db.query<mysql.RowDataPacket[]>(
      'SELECT request_id, COUNT(*) AS n FROM app.writes GROUP BY request_id',
    );
    return new Map(rows.map((row) => [Number(row.request_id), Number(row.n)]));
  });
}

/** Acknowledged writes missing from `rows`, and ids written more than once. */
export function lostAndDoubled(
  acknowledged: readonly number[],
  rows: ReadonlyMap<number, number>,
): { lost: number[]; doubled: number[] } {
  return {
    lost: acknowledged.filter((id) => !rows.has(id)),
    doubled: [...rows].filter(([, n]) => n > 1).map(([id]) => id),
  };
}

/** What `vigil db-swap --json` prints, as far as the test and the benchmark read it. */
export interface SwapReport {
  outcome: string;
  problems: string[];
  run?: {
    pauseMs: number;
    steps: { kind: string; title: string; status: string; ms: number; detail?: string }[];
  };
}

export interface SwapThroughProxy {
  from: number;
  to: number;
  proxyControl: string;
  proxySecretFile: string;
  replPasswordFile: string;
  /** The app's target file: the hook writes the new primary there. */
  targetFile: string;
  /** SQLite file the run is recorded in. */
  store: string;
}

/** Runs `vigil db-swap` as an operator would: root on 127.0.0.1, the proxy paused through its control endpoint. */
export async function dbSwapThroughProxy(
  swap: SwapThroughProxy,
): Promise<CliRun & { report: SwapReport | undefined }> {
  const run = await vigil(
    [
      'db-swap',
      '--primary',
      `127.0.0.1:${swap.from}`,
      '--replica',
      `127.0.0.1:${swap.to}`,
      '--user',
      'root',
      '--repl-password-file',
      swap.replPasswordFile,
      '--proxy-control',
      swap.proxyControl,
      '--proxy-secret-file',
      swap.proxySecretFile,
      '--hook',
      appTargetHook(swap.targetFile),
      '--settle',
      '100ms',
      '--store',
      swap.store,
      '--yes',
      '--json',
    ],
    { VIGIL_DB_PASSWORD: '' },
  );
  let report: SwapReport | undefined;
  try {
    report = JSON.parse(run.stdout) as SwapReport;
  } catch {
    report = undefined;
  }
  return { ...run, report };
}
