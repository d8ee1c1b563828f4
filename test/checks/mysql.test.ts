import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { mysqlCheck } from '../../src/checks/mysql.ts';
import { freePort, silentServer, waitFor } from '../helpers/local-servers.ts';
import { ReplicationPair, replicaThreads } from '../helpers/mariadb-pair.ts';
import { paramErrors, perfDatum, runCheck } from '../helpers/run-check.ts';

describe('mysql check against the machine MariaDB (127.0.0.1:3306)', () => {
  test('connects, queries and reports times and read_only', async () => {
    const result = await runCheck(mysqlCheck, { user: 'root', query: 'SELECT 1' });
    assert.equal(result.exitCode, 0, result.output);
    assert.match(result.output, /^MYSQL OK - .*MariaDB.*, writable, \d+\.\d{3}s$/);
    for (const label of ['time_connect', 'time_query', 'time']) {
      const datum = perfDatum(result, label);
      assert.ok(datum, label);
      assert.equal(datum.unit, 's');
    }
    assert.deepEqual(perfDatum(result, 'read_only'), {
      label: 'read_only',
      value: 0,
      unit: '',
      min: 0,
      max: 1,
    });
    assert.match(result.longOutput, /query returned 1 row/);
  });

  test('a writable server checked as a primary is OK; as a replica it is CRITICAL', async () => {
    const primary = await runCheck(mysqlCheck, { user: 'root', role: 'primary' });
    assert.equal(primary.exitCode, 0, primary.output);
    assert.match(primary.output, /^MYSQL OK - primary, writable/);
    const replica = await runCheck(mysqlCheck, { user: 'root', role: 'replica' });
    assert.equal(replica.exitCode, 2);
    assert.match(replica.output, /not configured as a replica/);
    assert.match(replica.output, /replica is writable/);
  });

  test('total-time thresholds use the range syntax and fill the perfdata', async () => {
    const result = await runCheck(mysqlCheck, {
      user: 'root',
      query: 'SELECT SLEEP(0.2)',
      warn: 0.1,
      crit: '5',
    });
    assert.equal(result.exitCode, 1, result.output);
    assert.match(result.output, /^MYSQL WARNING - took 0\.2\d\ds \(outside 0\.1\)$/);
    assert.equal(perfDatum(result, 'time')?.warn, '0.1');
    assert.equal(perfDatum(result, 'time')?.crit, '5');
    assert.ok((perfDatum(result, 'time_query')?.value ?? 0) >= 0.2);
  });

  test('a failing custom query is CRITICAL with the server message', async () => {
    const result = await runCheck(mysqlCheck, {
      user: 'root',
      query: 'SELECT * FROM no_such_db.no_such_table',
    });
    assert.equal(result.exitCode, 2);
    assert.match(result.output, /query failed: .*no_such_db/);
  });

  test('wrong credentials are CRITICAL "access denied for user ..."', async () => {
    const result = await runCheck(mysqlCheck, { user: 'root', password: 'certainly-wrong' });
    assert.equal(result.exitCode, 2);
    assert.match(
      result.output,
      /^MYSQL CRITICAL - access denied for user 'root'@'[^']+' \(using password: YES\)$/,
    );
  });

  test('password_file is read at run time; a missing file is UNKNOWN', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-mysql-'));
    try {
      const file = path.join(dir, 'password');
      await writeFile(file, 'wrong-secret\n');
      const denied = await runCheck(mysqlCheck, { user: 'root', password_file: file });
      assert.match(denied.output, /access denied .*using password: YES/);
      await writeFile(file, '\n'); // root has an empty password here
      const ok = await runCheck(mysqlCheck, { user: 'root', password_file: file });
      assert.equal(ok.exitCode, 0, ok.output);
      const missing = await runCheck(mysqlCheck, { user: 'root', password_file: path.join(dir, 'nope') });
      assert.equal(missing.exitCode, 3);
      assert.match(missing.output, /cannot read password_file .*nope: ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a refused port is CRITICAL naming ECONNREFUSED', async () => {
    const port = await freePort();
    const result = await runCheck(mysqlCheck, { user: 'root', port });
    assert.equal(result.exitCode, 2);
    assert.equal(result.output, `MYSQL CRITICAL - cannot connect to 127.0.0.1:${port}: ECONNREFUSED`);
  });

  test('a query outliving the timeout is CRITICAL at the timeout, and is killed on the server', async () => {
    const marker = `vigil-${process.pid}-${Date.now()}`;
    const result = await runCheck(
      mysqlCheck,
      { user: 'root', query: `SELECT SLEEP(5) /* ${marker} */` },
      { timeoutMs: 300 },
    );
    assert.equal(result.exitCode, 2);
    assert.equal(
      result.output,
      'MYSQL CRITICAL - no answer from 127.0.0.1:3306 within 0.3s (while running the query)',
    );
    assert.ok(result.elapsedMs < 900, `took ${result.elapsedMs} ms`);
    // MariaDB would run SLEEP(5) to its end with nobody listening, were it not killed.
    const admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root', password: '' });
    try {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        'SELECT COUNT(*) AS n FROM information_schema.processlist WHERE info LIKE ? AND id <> CONNECTION_ID()',
        [`%${marker}%`],
      );
      assert.equal(Number(rows[0]?.n), 0, 'the SLEEP is still running on the server');
    } finally {
      await admin.end();
    }
  });

  test('a server that accepts TCP but never greets is CRITICAL at the timeout', async () => {
    const silent = await silentServer();
    try {
      const result = await runCheck(mysqlCheck, { user: 'root', port: silent.port }, { timeoutMs: 300 });
      assert.equal(result.exitCode, 2);
      assert.match(result.output, /no answer from 127\.0\.0\.1:\d+ within 0\.3s \(while connecting\)/);
      // The check released its socket: the silent server sees no open connection.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await silent.openConnections(), 0);
    } finally {
      silent.close();
    }
  });

  test('params are validated', () => {
    assert.deepEqual(paramErrors(mysqlCheck, { user: 'a', password: 'x', password_file: '/x' }), [
      'password_file: give password or password_file, not both',
    ]);
    assert.match(paramErrors(mysqlCheck, {})[0] ?? '', /user is required/);
    assert.match(
      paramErrors(mysqlCheck, { user: 'a', role: 'master' })[0] ?? '',
      /role must be primary, replica or any/,
    );
    assert.match(paramErrors(mysqlCheck, { user: 'a', lag_warn: '10:5' })[0] ?? '', /starts above its end/);
    assert.match(paramErrors(mysqlCheck, { user: 'a', sever: 'x' })[0] ?? '', /sever/);
  });
});

describe('mysql check against a MariaDB replication pair the test starts', () => {
  const pair = new ReplicationPair();
  let replicaParams: Record<string, unknown> = {};

  before(async () => {
    const started = performance.now();
    await pair.start();
    const seconds = (performance.now() - started) / 1000;
    if (seconds > 20) console.log(`# replication pair took ${seconds.toFixed(1)} s to start`);
    replicaParams = { port: pair.replicaPort, user: 'vigil', password: 'watch', role: 'replica' };
  });
  after(() => pair.stop());

  test('a healthy read-only replica is OK with lag perfdata, using the documented monitoring grants', async () => {
    const result = await runCheck(mysqlCheck, replicaParams);
    assert.equal(result.exitCode, 0, result.output);
    assert.match(
      result.output,
      new RegExp(`^MYSQL OK - replica of 127\\.0\\.0\\.1:${pair.primaryPort}, 0s behind, read-only, `),
    );
    assert.deepEqual(perfDatum(result, 'lag'), {
      label: 'lag',
      value: 0,
      unit: 's',
      warn: '30',
      crit: '120',
      min: 0,
    });
    assert.equal(perfDatum(result, 'read_only')?.value, 1);
    assert.match(result.longOutput, /IO thread Yes, SQL thread Yes, seconds behind 0/);
  });

  test('lag thresholds are applied to Seconds_Behind_Master', async () => {
    // The pair is idle, so lag is 0; an "@0:5" range alerts on exactly that.
    const result = await runCheck(mysqlCheck, { ...replicaParams, lag_warn: '@0:5', lag_crit: 600 });
    assert.equal(result.exitCode, 1, result.output);
    assert.match(result.output, /^MYSQL WARNING - replica 0s behind 127\.0\.0\.1:\d+ \(outside @0:5\)$/);
    assert.equal(perfDatum(result, 'lag')?.warn, '@0:5');
  });

  test('role any still judges replication on a server that turns out to be a replica', async () => {
    const result = await runCheck(mysqlCheck, { ...replicaParams, role: 'any' });
    assert.equal(result.exitCode, 0, result.output);
    assert.ok(perfDatum(result, 'lag'));
  });

  test('a stopped SQL thread is CRITICAL naming the SQL thread', async () => {
    await pair.onReplica((db) => db.query('STOP SLAVE SQL_THREAD'));
    try {
      const result = await runCheck(mysqlCheck, replicaParams);
      assert.equal(result.exitCode, 2);
      assert.equal(result.output, 'MYSQL CRITICAL - replica SQL thread stopped');
      assert.equal(perfDatum(result, 'lag'), undefined);
    } finally {
      await pair.onReplica((db) => db.query('START SLAVE SQL_THREAD'));
    }
  });

  test('a stopped IO thread is CRITICAL naming the IO thread', async () => {
    await pair.onReplica((db) => db.query('STOP SLAVE IO_THREAD'));
    try {
      const result = await runCheck(mysqlCheck, replicaParams);
      assert.equal(result.exitCode, 2);
      assert.equal(result.output, 'MYSQL CRITICAL - replica IO thread stopped');
    } finally {
      await pair.onReplica((db) => db.query('START SLAVE IO_THREAD'));
    }
  });

  test('replication broken by a conflicting row is CRITICAL with the Last_SQL_Error text', async () => {
    // A row written on the replica behind replication's back, then the same key on the primary.
    // (root may write despite read_only: it holds READ_ONLY ADMIN.)
    await pair.onReplica((db) => db.query('INSERT INTO app.orders VALUES (7)'));
    await pair.onPrimary((db) => db.query('INSERT INTO app.orders VALUES (7)'));
    try {
      await pair.onReplica((db) =>
        waitFor(
          async () => (await replicaThreads(db)).sql === 'No',
          'the SQL thread to stop on the conflict',
        ),
      );
      const result = await runCheck(mysqlCheck, replicaParams);
      assert.equal(result.exitCode, 2);
      assert.match(result.output, /^MYSQL CRITICAL - replica SQL thread stopped: .*Duplicate entry '7'/);
      assert.match(result.longOutput, /last SQL error: .*Duplicate entry '7'/);
    } finally {
      await pair.onReplica(async (db) => {
        await db.query('DELETE FROM app.orders WHERE id = 7');
        await db.query('START SLAVE SQL_THREAD');
        await waitFor(async () => (await replicaThreads(db)).sql === 'Yes', 'the SQL thread to resume');
      });
    }
    const healed = await runCheck(mysqlCheck, replicaParams);
    assert.equal(healed.exitCode, 0, healed.output);
  });

  test('a writable replica is CRITICAL in plain words', async () => {
    await pair.onReplica((db) => db.query('SET GLOBAL read_only = 0'));
    try {
      const result = await runCheck(mysqlCheck, replicaParams);
      assert.equal(result.exitCode, 2);
      assert.equal(
        result.output,
        'MYSQL CRITICAL - replica is writable (read_only=OFF): writes to it would diverge from the primary',
      );
    } finally {
      await pair.onReplica((db) => db.query('SET GLOBAL read_only = 1'));
    }
  });

  test('the primary is OK as a primary, and CRITICAL once it is read-only', async () => {
    const params = { port: pair.primaryPort, user: 'vigil', password: 'watch', role: 'primary' };
    const ok = await runCheck(mysqlCheck, params);
    assert.equal(ok.exitCode, 0, ok.output);
    assert.match(ok.output, /^MYSQL OK - primary, writable, /);
    assert.equal(perfDatum(ok, 'lag'), undefined);
    await pair.onPrimary((db) => db.query('SET GLOBAL read_only = 1'));
    try {
      const result = await runCheck(mysqlCheck, params);
      assert.equal(result.exitCode, 2);
      assert.equal(result.output, 'MYSQL CRITICAL - primary is read-only (read_only=ON): writes to it fail');
      assert.equal(perfDatum(result, 'read_only')?.value, 1);
    } finally {
      await pair.onPrimary((db) => db.query('SET GLOBAL read_only = 0'));
    }
  });
});
