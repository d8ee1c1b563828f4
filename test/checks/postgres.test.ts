import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { postgresCheck } from '../../src/checks/postgres.ts';
import { freePort, silentServer } from '../helpers/local-servers.ts';
import { paramErrors, perfDatum, runCheck } from '../helpers/run-check.ts';

const server = { user: 'postgres', database: 'test' };

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: '127.0.0.1', port: 5432, ...server });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('postgres check against the machine PostgreSQL (127.0.0.1:5432)', () => {
  test('connects and queries: OK with connect, query and total times', async () => {
    const result = await runCheck(postgresCheck, { ...server, query: 'SELECT 1', expect_recovery: false });
    assert.equal(result.exitCode, 0, result.output);
    assert.match(result.output, /^POSTGRES OK - primary, \d+\.\d{3}s$/);
    for (const label of ['time_connect', 'time_query', 'time'])
      assert.equal(perfDatum(result, label)?.unit, 's', label);
    assert.equal(perfDatum(result, 'lag'), undefined);
    assert.match(
      result.longOutput,
      /^PostgreSQL \d+\.\d+.*not in recovery \(primary\)\nquery returned 1 row/,
    );
  });

  test('expecting recovery from a primary is CRITICAL', async () => {
    const result = await runCheck(postgresCheck, { ...server, expect_recovery: true });
    assert.equal(result.exitCode, 2);
    assert.equal(
      result.output,
      'POSTGRES CRITICAL - expected a standby, but it is not in recovery: it was promoted or is a primary',
    );
  });

  test('total-time thresholds apply to the whole check', async () => {
    const result = await runCheck(postgresCheck, {
      ...server,
      query: 'SELECT pg_sleep(0.2)',
      warn: '0.1',
      crit: 3,
    });
    assert.equal(result.exitCode, 1, result.output);
    assert.match(result.output, /^POSTGRES WARNING - took 0\.2\d\ds \(outside 0\.1\)$/);
    assert.deepEqual(
      { warn: perfDatum(result, 'time')?.warn, crit: perfDatum(result, 'time')?.crit },
      { warn: '0.1', crit: '3' },
    );
  });

  test('a wrong database is CRITICAL with the server message', async () => {
    const result = await runCheck(postgresCheck, { ...server, database: 'no_such_database' });
    assert.equal(result.exitCode, 2);
    assert.equal(
      result.output,
      'POSTGRES CRITICAL - 127.0.0.1:5432: database "no_such_database" does not exist',
    );
  });

  test('a failing custom query is CRITICAL with the server message', async () => {
    const result = await runCheck(postgresCheck, { ...server, query: 'SELECT * FROM no_such_table' });
    assert.equal(result.exitCode, 2);
    assert.equal(result.output, 'POSTGRES CRITICAL - query failed: relation "no_such_table" does not exist');
  });

  test('a refused port is CRITICAL naming ECONNREFUSED', async () => {
    const port = await freePort();
    const result = await runCheck(postgresCheck, { ...server, port });
    assert.equal(result.exitCode, 2);
    assert.equal(result.output, `POSTGRES CRITICAL - 127.0.0.1:${port}: ECONNREFUSED`);
  });

  test('a query outliving the timeout is CRITICAL at the timeout and its backend stops', async () => {
    const marker = `vigil-${randomUUID()}`;
    const result = await runCheck(
      postgresCheck,
      { ...server, query: `SELECT pg_sleep(5) /* ${marker} */` },
      { timeoutMs: 300 },
    );
    assert.equal(result.exitCode, 2);
    assert.equal(
      result.output,
      'POSTGRES CRITICAL - no answer from 127.0.0.1:5432 within 0.3s (while running the query)',
    );
    assert.ok(result.elapsedMs < 900, `took ${result.elapsedMs} ms`);
    // Without a cancel the backend would sleep on for 5 s with nobody listening.
    const sleeping = await withAdmin(async (admin) => {
      for (let attempt = 0; attempt < 20; attempt++) {
        const { rows } = await admin.query(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()',
          [`%${marker}%`],
        );
        if (rows[0].n === 0) return 0;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return -1;
    });
    assert.equal(sleeping, 0, 'the pg_sleep backend is still there a second after the timeout');
  });

  test('a server that accepts TCP but never answers is CRITICAL at the timeout, with the socket closed', async () => {
    const silent = await silentServer();
    try {
      const result = await runCheck(postgresCheck, { ...server, port: silent.port }, { timeoutMs: 300 });
      assert.equal(result.exitCode, 2);
      assert.equal(
        result.output,
        `POSTGRES CRITICAL - no answer from 127.0.0.1:${silent.port} within 0.3s (while connecting)`,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await silent.openConnections(), 0);
    } finally {
      silent.close();
    }
  });

  test('params are validated', () => {
    assert.match(paramErrors(postgresCheck, {})[0] ?? '', /user is required/);
    assert.match(
      paramErrors(postgresCheck, { user: 'a', tls: 'prefer' })[0] ?? '',
      /tls must be disable, require or verify-full/,
    );
    assert.match(
      paramErrors(postgresCheck, { user: 'a', expect_recovery: 'yes' })[0] ?? '',
      /expect_recovery/,
    );
    assert.deepEqual(paramErrors(postgresCheck, { user: 'a', password: 'x', password_file: '/y' }), [
      'password_file: give password or password_file, not both',
    ]);
  });
});
