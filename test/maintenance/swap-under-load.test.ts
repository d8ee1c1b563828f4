// The promise of invisible maintenance, end to end: 20 clients keep writing through
// `vigil proxy` to an app that commits one row per request on the current primary, while
// `vigil db-swap` swaps the MariaDB pair (pausing the proxy through its control endpoint and
// moving the app with its hook) — and then swaps it back. No request may fail, no
// acknowledged write may be lost or doubled, and the pause must stay under 2 seconds.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import type mysql from 'mysql2/promise';
import type { ProxyStatusReply } from '../../src/maintenance/proxy/control-server.ts';
import { waitFor } from '../helpers/local-servers.ts';
import { REPL_PASSWORD, ReplicationPair } from '../helpers/mariadb-pair.ts';
import {
  createWritesTable,
  dbSwapThroughProxy,
  type LoadResult,
  lostAndDoubled,
  setAppTarget,
  startLoad,
  startWritingApp,
  type WritingApp,
  writesOn,
} from '../helpers/write-load.ts';
import { proxyConfig, SECRET, startProxy, type TestProxy } from './proxy-helpers.ts';

const MARIADBD = '/usr/sbin/mariadbd';
const skip = existsSync(MARIADBD)
  ? false
  : `${MARIADBD} is not installed (apt-get install mariadb-server): no replication pair to swap`;

const CLIENTS = 20;

describe('vigil db-swap through vigil proxy under continuous writes', { skip }, () => {
  const pair = new ReplicationPair();
  let scratch = '';
  let targetFile = '';
  let secretFile = '';
  let replPasswordFile = '';
  let app: WritingApp;
  let proxy: TestProxy;
  const acknowledged: number[] = [];
  let nextId = 1;

  before(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'vigil-swap-load-'));
    targetFile = path.join(scratch, 'primary');
    secretFile = path.join(scratch, 'proxy-secret');
    replPasswordFile = path.join(scratch, 'repl-password');
    await writeFile(secretFile, `${SECRET}\n`);
    await writeFile(replPasswordFile, `${REPL_PASSWORD}\n`);
    await pair.start();
    await createWritesTable(pair);
    await setAppTarget(targetFile, `127.0.0.1:${pair.primaryPort}`);
    app = await startWritingApp(targetFile);
    proxy = await startProxy(
      // The product's default release concurrency (the proxy tests' helper uses 4).
      proxyConfig([app.url], (config) => {
        config.pause.releaseConcurrency = 64;
      }),
    );
  });

  after(async () => {
    await proxy?.stop();
    await app?.close();
    await pair.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  /** Writes through the proxy before, during and after `vigil db-swap from -> to`. */
  async function swapUnderLoad(from: number, to: number) {
    const load = startLoad(proxy.url, CLIENTS, nextId);
    let run: Awaited<ReturnType<typeof dbSwapThroughProxy>>;
    let result: LoadResult;
    try {
      await waitFor(async () => load.answered() >= 300, 'the load to get going', 300);
      run = await dbSwapThroughProxy({
        from,
        to,
        proxyControl: proxy.controlUrl,
        proxySecretFile: secretFile,
        replPasswordFile,
        targetFile,
        store: path.join(scratch, 'vigil.db'),
      });
      const afterSwap = load.answered();
      await waitFor(async () => load.answered() >= afterSwap + 300, 'writes after the swap', 300);
    } finally {
      result = await load.stop();
      nextId += result.requests + CLIENTS;
      acknowledged.push(...result.acknowledged);
    }
    assert.equal(run.code, 0, `db-swap exited ${run.code}:\n${run.stdout}\n${run.stderr}`);
    assert.ok(run.report, `db-swap printed no JSON report:\n${run.stdout}`);
    return { report: run.report, stderr: run.stderr, result };
  }

  async function proxyStatus(): Promise<ProxyStatusReply> {
    return (await (await proxy.control('GET', '/status')).json()) as ProxyStatusReply;
  }

  /** `newPrimary` is writable with every acknowledged write once; `oldPrimary` replicates it all. */
  async function assertSwapped(newPrimary: number, oldPrimary: number) {
    const onNew = await writesOn(pair, newPrimary);
    const { lost, doubled } = lostAndDoubled(acknowledged, onNew);
    assert.deepEqual(lost, [], `${lost.length} acknowledged writes are not on the new primary`);
    assert.deepEqual(doubled, [], `${doubled.length} writes are on the new primary more than once`);

    const replication = await pair.on(oldPrimary, async (db) => {
      const [[row]] = await db.query<mysql.RowDataPacket[]>('SELECT @@read_only AS read_only');
      const [status] = await db.query<mysql.RowDataPacket[]>('SHOW SLAVE STATUS');
      const s = status[0];
      return {
        readOnly: Number(row?.read_only),
        source: `${s?.Master_Host}:${s?.Master_Port}`,
        io: s?.Slave_IO_Running,
        sql: s?.Slave_SQL_Running,
      };
    });
    assert.deepEqual(replication, {
      readOnly: 1,
      source: `127.0.0.1:${newPrimary}`,
      io: 'Yes',
      sql: 'Yes',
    });
    await waitFor(async () => {
      const onOld = await writesOn(pair, oldPrimary);
      return onOld.size === onNew.size && [...onNew].every(([id, n]) => onOld.get(id) === n);
    }, `the old primary (${oldPrimary}) to catch up with the new one (${newPrimary})`);
    const writable = await pair.on(newPrimary, async (db) => {
      const [[row]] = await db.query<mysql.RowDataPacket[]>('SELECT @@read_only AS read_only');
      return Number(row?.read_only);
    });
    assert.equal(writable, 0, 'the new primary is writable');
  }

  function assertInvisible(
    t: TestContext,
    { report, stderr, result }: Awaited<ReturnType<typeof swapUnderLoad>>,
  ) {
    const paused = report.run?.steps.find((step) => step.kind === 'pause-proxies');
    t.diagnostic(
      `${result.requests} requests, ${result.failures.length} failed, pause ${report.run?.pauseMs} ms, ` +
        `slowest request ${result.maxRequestMs} ms; ${paused?.detail}`,
    );
    assert.equal(report.outcome, 'succeeded', stderr);
    assert.match(stderr, /pause the proxies: done in \d+ ms — 1 proxy paused/);
    assert.match(stderr, /resume the proxies: done in \d+ ms — 1 proxy resumed/);
    assert.deepEqual(result.failures, [], `failed requests: ${JSON.stringify(result.failures.slice(0, 5))}`);
    assert.deepEqual(app.writeErrors, []);
    assert.ok(result.acknowledged.length >= 600, `only ${result.acknowledged.length} writes`);
    const pauseMs = report.run?.pauseMs ?? Number.NaN;
    assert.ok(pauseMs < 2000, `the pause lasted ${pauseMs} ms`);
    // The clients kept sending through the pause: the ones that arrived then were held, not refused.
    assert.ok(
      result.maxRequestMs >= pauseMs / 2,
      `slowest request ${result.maxRequestMs} ms in a ${pauseMs} ms pause`,
    );
  }

  test('the replica becomes the primary: no request fails, no write is lost, pause < 2 s', async (t) => {
    const swap = await swapUnderLoad(pair.primaryPort, pair.replicaPort);
    assertInvisible(t, swap);
    await assertSwapped(pair.replicaPort, pair.primaryPort);
    const status = await proxyStatus();
    assert.equal(status.paused, false);
    assert.equal(status.pauses_total, 1);
    assert.deepEqual(status.refused, { max_hold: 0, max_held: 0 });
    assert.equal(status.responses_by_class['5xx'], 0);
  });

  test('and back again, under the same load and with the same guarantees', async (t) => {
    const swap = await swapUnderLoad(pair.replicaPort, pair.primaryPort);
    assertInvisible(t, swap);
    await assertSwapped(pair.primaryPort, pair.replicaPort);
    const status = await proxyStatus();
    assert.equal(status.pauses_total, 2);
    assert.equal(status.responses_by_class['5xx'], 0);
  });
});
