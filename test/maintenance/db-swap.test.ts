// `vigil db-swap` against a MariaDB replication pair the test starts: a clean swap and back,
// every preflight refusal (with nothing changed), a failing traffic hook (rolled back), and a
// primary killed mid-swap (a clear report, never two writable servers).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type mysql from 'mysql2/promise';
import { type DbSwapOptions, dbSwap } from '../../src/maintenance/db-swap/swap.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { vigil } from '../helpers/cli.ts';
import { freePort, waitFor } from '../helpers/local-servers.ts';
import { REPL_PASSWORD, ReplicationPair } from '../helpers/mariadb-pair.ts';

const pair = new ReplicationPair();
let scratch = '';

const endpoint = (port: number) => ({ host: '127.0.0.1', port });

function options(
  primaryPort: number,
  replicaPort: number,
  extra: Partial<DbSwapOptions> = {},
): DbSwapOptions {
  return {
    primary: endpoint(primaryPort),
    replica: endpoint(replicaPort),
    login: { user: 'root', password: '', connectTimeoutMs: 2000 },
    replicationPassword: REPL_PASSWORD,
    maxLagS: 5,
    maxTransactionAgeS: 10,
    waitTimeoutMs: 3000,
    settleMs: 100,
    verifyTimeoutMs: 5000,
    hook: null,
    hookTimeoutMs: 5000,
    proxies: null,
    maxPauseMs: 30_000,
    mode: 'swap',
    ...extra,
  };
}

const quiet = {
  log: () => {},
  clock: () => Date.now(),
  sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
};

interface Snapshot {
  readOnly: number;
  source: string;
  io: string;
  sql: string;
}

async function snapshot(port: number): Promise<Snapshot> {
  return pair.on(port, async (db) => {
    const [[row]] = await db.query<mysql.RowDataPacket[]>('SELECT @@read_only AS read_only');
    const [status] = await db.query<mysql.RowDataPacket[]>('SHOW SLAVE STATUS');
    const s = status[0];
    return {
      readOnly: Number(row?.read_only),
      source: s ? `${s.Master_Host}:${s.Master_Port}` : '',
      io: String(s?.Slave_IO_Running ?? ''),
      sql: String(s?.Slave_SQL_Running ?? ''),
    };
  });
}

async function bothStates() {
  return { primary: await snapshot(pair.primaryPort), replica: await snapshot(pair.replicaPort) };
}

async function rowCount(port: number, id: number): Promise<number> {
  return pair.on(port, async (db) => {
    const [[row]] = await db.query<mysql.RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM app.orders WHERE id = ?',
      [id],
    );
    return Number(row?.n);
  });
}

/** A row written on `from` shows up on `to`: replication flows that way. */
async function assertReplicates(from: number, to: number, id: number): Promise<void> {
  await pair.on(from, (db) => db.query('INSERT INTO app.orders VALUES (?)', [id]));
  await waitFor(async () => (await rowCount(to, id)) === 1, `row ${id} to replicate from ${from} to ${to}`);
}

const healthy = () => ({
  primary: { readOnly: 0, source: '', io: '', sql: '' },
  replica: { readOnly: 1, source: `127.0.0.1:${pair.primaryPort}`, io: 'Yes', sql: 'Yes' },
});

before(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'vigil-db-swap-'));
  await pair.start();
});
after(async () => {
  await pair.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe('vigil db-swap against a MariaDB pair', () => {
  test('a clean swap: the replica becomes the primary, the old primary replicates from it; recorded; then back', async () => {
    const store = path.join(scratch, 'vigil.db');
    const hookOut = path.join(scratch, 'hook.txt');
    const replPassword = path.join(scratch, 'repl-password');
    await writeFile(replPassword, `${REPL_PASSWORD}\n`);
    await pair.onPrimary((db) => db.query('INSERT INTO app.orders VALUES (1)'));
    const run = await vigil(
      [
        'db-swap',
        '--primary',
        `127.0.0.1:${pair.primaryPort}`,
        '--replica',
        `localhost:${pair.replicaPort}`,
        '--user',
        'root',
        '--repl-password-file',
        replPassword,
        '--hook',
        `echo "$1 $VIGIL_NEW_PRIMARY_PORT $VIGIL_SWAP_PHASE" > ${hookOut}`,
        '--settle',
        '100ms',
        '--store',
        store,
        '--yes',
      ],
      { VIGIL_DB_PASSWORD: '' },
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /SWAPPED in .*traffic held/);
    // Every step on stderr with its duration.
    assert.match(run.stderr, /make the primary 127\.0\.0\.1:\d+ read-only: done in \d+ ms/);
    assert.match(run.stderr, /wait until the replica .* done in \d+ ms — executed up to binlog\.\d+:\d+/);
    assert.match(run.stderr, /pause the proxies: skipped \(no proxies configured/);
    assert.equal(
      (await readFile(hookOut, 'utf8')).trim(),
      `localhost:${pair.replicaPort} ${pair.replicaPort} swap`,
    );

    assert.deepEqual(await bothStates(), {
      primary: { readOnly: 1, source: `localhost:${pair.replicaPort}`, io: 'Yes', sql: 'Yes' },
      replica: { readOnly: 0, source: '', io: '', sql: '' },
    });
    assert.equal(await rowCount(pair.replicaPort, 1), 1);
    await assertReplicates(pair.replicaPort, pair.primaryPort, 2);

    const recorded = await openSqliteStore(store);
    try {
      await recorded.migrate();
      const [entry, ...others] = await recorded.maintenance.between(0, Date.now() + 1000);
      assert.equal(others.length, 0);
      assert.equal(entry?.kind, 'db-swap');
      assert.equal(entry?.outcome, 'succeeded');
      assert.ok((entry?.pauseMs ?? -1) >= 0 && (entry?.pauseMs ?? 0) < 10_000);
      assert.equal((entry?.details.steps as unknown[]).length, 11);
    } finally {
      await recorded.close();
    }

    // And back: the old primary (now a replica replicating by file and position) is promoted again.
    const back = await dbSwap(options(pair.replicaPort, pair.primaryPort), quiet);
    assert.equal(back.outcome, 'succeeded', JSON.stringify(back.run?.failure ?? back.problems));
    assert.deepEqual(await bothStates(), {
      primary: { readOnly: 0, source: '', io: '', sql: '' },
      replica: { readOnly: 1, source: `127.0.0.1:${pair.primaryPort}`, io: 'Yes', sql: 'Yes' },
    });
    await assertReplicates(pair.primaryPort, pair.replicaPort, 3);
  });

  test('a dry run prints the plan with the real coordinates and changes nothing', async () => {
    const before = await bothStates();
    const run = await vigil(
      [
        'db-swap',
        '--primary',
        `127.0.0.1:${pair.primaryPort}`,
        '--replica',
        `127.0.0.1:${pair.replicaPort}`,
        '--user',
        'root',
        '--dry-run',
      ],
      { VIGIL_REPL_PASSWORD: REPL_PASSWORD },
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const [[status]] = await pair.onPrimary((db) => db.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS'));
    assert.ok(run.stdout.includes(`MASTER_POS_WAIT('${status?.File}', ${status?.Position}, 10)`), run.stdout);
    assert.match(
      run.stdout,
      /CHANGE MASTER TO MASTER_HOST='127\.0\.0\.1', .*MASTER_PASSWORD='<replication password>', MASTER_LOG_FILE='binlog\.\d+', MASTER_LOG_POS=\d+/,
    );
    assert.deepEqual(await bothStates(), before);
  });

  const refusals: {
    name: string;
    reason: RegExp;
    breakIt: () => Promise<void>;
    mendIt: () => Promise<void>;
    opts?: () => Partial<DbSwapOptions>;
  }[] = [
    {
      name: 'replica SQL thread stopped',
      reason: /the SQL thread is stopped/,
      breakIt: () => pair.onReplica((db) => db.query('STOP SLAVE SQL_THREAD')).then(() => {}),
      mendIt: () => pair.onReplica((db) => db.query('START SLAVE SQL_THREAD')).then(() => {}),
    },
    {
      name: 'primary already read-only',
      reason: /primary 127\.0\.0\.1:\d+ is already read-only/,
      breakIt: () => pair.onPrimary((db) => db.query('SET GLOBAL read_only = 1')).then(() => {}),
      mendIt: () => pair.onPrimary((db) => db.query('SET GLOBAL read_only = 0')).then(() => {}),
    },
    {
      name: 'both writable',
      reason: /both servers are writable/,
      breakIt: () => pair.onReplica((db) => db.query('SET GLOBAL read_only = 0')).then(() => {}),
      mendIt: () => pair.onReplica((db) => db.query('SET GLOBAL read_only = 1')).then(() => {}),
    },
    {
      name: 'wrong credentials',
      reason: /primary 127\.0\.0\.1:\d+: cannot log in as root: Access denied/,
      breakIt: async () => {},
      mendIt: async () => {},
      opts: () => ({ login: { user: 'root', password: 'wrong', connectTimeoutMs: 2000 } }),
    },
  ];
  for (const refusal of refusals) {
    test(`refused, nothing changed: ${refusal.name}`, async () => {
      await refusal.breakIt();
      try {
        const before = await bothStates();
        const result = await dbSwap(
          options(pair.primaryPort, pair.replicaPort, refusal.opts?.() ?? {}),
          quiet,
        );
        assert.equal(result.exitCode, 1);
        assert.ok(
          result.problems.some((p) => refusal.reason.test(p)),
          result.problems.join('\n'),
        );
        assert.equal(result.run, undefined);
        assert.deepEqual(await bothStates(), before);
      } finally {
        await refusal.mendIt();
      }
    });
  }

  test('refused: an unreachable server, and a "replica" that replicates from somewhere else', async () => {
    const nowhere = await freePort();
    const unreachable = await dbSwap(options(nowhere, pair.replicaPort), quiet);
    assert.equal(unreachable.exitCode, 1);
    assert.match(
      unreachable.problems.join('\n'),
      new RegExp(`primary 127\\.0\\.0\\.1:${nowhere}: cannot connect: connection refused`),
    );

    await pair.onReplica(async (db) => {
      await db.query('STOP SLAVE');
      await db.query(`CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${nowhere}`);
      await db.query('START SLAVE');
    });
    try {
      const before = await bothStates();
      const elsewhere = await dbSwap(options(pair.primaryPort, pair.replicaPort), quiet);
      assert.equal(elsewhere.exitCode, 1);
      assert.match(
        elsewhere.problems.join('\n'),
        new RegExp(`replicates from 127\\.0\\.0\\.1:${nowhere}, not from the primary`),
      );
      assert.deepEqual(await bothStates(), before);
    } finally {
      await pair.replicate(pair.replicaPort, pair.primaryPort);
    }
    assert.deepEqual(await bothStates(), healthy());
  });

  test('refused: a replica lagging beyond --max-lag', async () => {
    // A row lock on the replica holds its SQL thread on the primary's next event, and the lag grows.
    const blocker = await pair.connect(pair.replicaPort);
    try {
      await blocker.query('INSERT INTO app.orders VALUES (50)');
      await blocker.query('BEGIN');
      await blocker.query('SELECT * FROM app.orders WHERE id = 50 FOR UPDATE');
      await pair.onPrimary(async (db) => {
        await db.query('INSERT INTO app.orders VALUES (50)');
      });
      await pair.onReplica((db) =>
        waitFor(async () => {
          const [[s]] = await db.query<mysql.RowDataPacket[]>('SHOW SLAVE STATUS');
          return Number(s?.Seconds_Behind_Master) > 1;
        }, 'the replica to lag'),
      );
      const result = await dbSwap(options(pair.primaryPort, pair.replicaPort, { maxLagS: 1 }), quiet);
      assert.equal(result.exitCode, 1);
      assert.match(
        result.problems.join('\n'),
        /replica 127\.0\.0\.1:\d+ is \d+s behind, more than the 1s allowed \(--max-lag\)/,
      );
    } finally {
      // The replica's own row goes, so the primary's identical one applies once the lock is gone.
      await blocker.query('DELETE FROM app.orders WHERE id = 50');
      await blocker.query('COMMIT');
      await blocker.end();
    }
    await waitFor(
      async () =>
        (await snapshot(pair.replicaPort)).sql === 'Yes' && (await rowCount(pair.replicaPort, 50)) === 1,
      'the replica to apply row 50',
    );
  });

  test('a failing traffic hook rolls the swap back: primary writable again, replication as before', async () => {
    const result = await dbSwap(
      options(pair.primaryPort, pair.replicaPort, {
        // Fails to move traffic, but moves it back fine: a rollback is then complete.
        hook: '[ "$VIGIL_SWAP_PHASE" = rollback ] || { echo "DNS API said no" >&2; exit 3; }',
      }),
      quiet,
    );
    assert.equal(result.exitCode, 2, JSON.stringify(result.run));
    assert.equal(result.run?.failure?.step, 'move-traffic');
    assert.match(result.run?.failure?.error ?? '', /the hook exited with status 3: DNS API said no/);
    assert.deepEqual(
      result.run?.undone.map((u) => `${u.kind}:${u.status}`),
      [
        'confirm-new-primary-unwritten:done',
        'make-new-primary-read-only:done',
        'stop-old-primary-replication:done',
        'restore-replica-replication:done',
        'make-primary-writable:done',
        'move-traffic-back:done',
      ],
    );
    await waitFor(async () => (await snapshot(pair.replicaPort)).io === 'Yes', 'replication to reconnect');
    assert.deepEqual(await bothStates(), healthy());
    await assertReplicates(pair.primaryPort, pair.replicaPort, 60);
  });

  test('the primary killed mid-swap (after read_only): a clear report, never two writable servers', async () => {
    const lines: string[] = [];
    const result = await dbSwap(options(pair.primaryPort, pair.replicaPort), {
      ...quiet,
      log: (line) => lines.push(line),
      beforeStep: async (step) => {
        if (step.kind === 'confirm-binlog-stopped') await pair.kill(pair.primaryPort);
      },
    });
    assert.equal(result.run?.failure?.step, 'confirm-binlog-stopped');
    assert.equal(result.exitCode, 3, lines.join('\n'));
    assert.match(result.run?.failure?.error ?? '', /connection refused|connection to the server was lost/);
    const undo = result.run?.undone.find((u) => u.kind === 'make-primary-writable');
    assert.equal(undo?.status, 'failed');
    assert.match(result.report.join('\n'), /unreachable/);
    assert.match(result.report.join('\n'), /To finish the rollback by hand/);
    // The replica was never promoted: still read-only, still a replica.
    const replica = await snapshot(pair.replicaPort);
    assert.equal(replica.readOnly, 1);
    assert.equal(replica.source, `127.0.0.1:${pair.primaryPort}`);
  });
});
