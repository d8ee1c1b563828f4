// One suite, run against both backends: SQLite in a temporary file and PostgreSQL in a
// freshly created database per test (dropped afterwards).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openPostgresStore } from '../../src/store/postgres/index.ts';
import { DEFAULT_RETENTION } from '../../src/store/retention.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import type { StoreBatch } from '../../src/store/store.ts';
import {
  adminQuery,
  cleanUpLater,
  lastPostgresDatabase,
  POSTGRES_URL,
  postgres,
  sqlite,
  storeDir,
} from './backends.ts';
import {
  CRASH_EVENTS_PER_BATCH,
  CRASH_FIRST_AT,
  checkResult,
  engineBatch,
  loadDatum,
  objectState,
  stateEvent,
  T0,
} from './fixtures.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

for (const backend of [sqlite, postgres]) {
  describe(`${backend.name} store`, () => {
    it('migrates twice without harm', async () => {
      const store = await backend.open();
      await store.migrate();
      await store.migrate();
      assert.deepEqual(await store.loadStates(), []);
    });

    it('round-trips every state field and keeps the latest state per object', async () => {
      const store = await backend.open();
      const web = objectState('web1/http');
      const db = objectState('db1', { state: 0, stateType: 'HARD', recentStates: [], flapping: false });
      await store.write({ results: [], states: [web, db], events: [] });
      assert.deepEqual(await store.loadStates(), [db, web]);

      const recovered = objectState('web1/http', {
        state: 0,
        attempt: 1,
        recentStates: [2, 0],
        flapping: false,
      });
      const later = objectState('web1/http', { state: 1, output: 'later' });
      await store.write({ results: [], states: [recovered, later], events: [] });
      assert.deepEqual(await store.loadStates(), [db, later]);
    });

    it('answers history newest first, by object or with a host services, within since/until/limit', async () => {
      const store = await backend.open();
      const events = [
        stateEvent('web1', T0 + 1),
        stateEvent('web1/http', T0 + 2, { kind: 'soft-change', stateType: 'SOFT', attempt: 1 }),
        stateEvent('web1/disk', T0 + 3, { kind: 'recovery', state: 0, previousState: 2 }),
        stateEvent('web10/http', T0 + 4),
        stateEvent('web1', T0 + 5, { kind: 'flapping-start' }),
        stateEvent('web1', T0 + 5, { kind: 'flapping-stop' }),
      ];
      await store.write({ results: [], states: [], events });

      const [e0, e1, e2, , e4, e5] = events;
      assert.deepEqual(await store.history({ objectId: 'web1' }), [e5, e4, e0]);
      assert.deepEqual(await store.history({ objectId: 'web1', includeServices: true }), [
        e5,
        e4,
        e2,
        e1,
        e0,
      ]);
      assert.deepEqual(await store.history({ objectId: 'web1', includeServices: true, limit: 2 }), [e5, e4]);
      assert.deepEqual(
        await store.history({ objectId: 'web1', includeServices: true, since: T0 + 2, until: T0 + 3 }),
        [e2, e1],
      );
      assert.deepEqual(await store.history({ objectId: 'web1/http' }), [e1]);
      assert.deepEqual(await store.history({ objectId: 'nosuch' }), []);
    });

    it('answers check results newest first within a time range', async () => {
      const store = await backend.open();
      const results = [0, 1, 2, 3].map((i) => checkResult('web1/http', T0 + i * 60_000, [loadDatum(i)]));
      results.push(checkResult('web1/disk', T0, []));
      await store.write({ results, states: [], events: [] });

      const [r0, r1, r2, r3] = results;
      assert.deepEqual(await store.results({ objectId: 'web1/http', since: T0, until: T0 + 10 * 60_000 }), [
        r3,
        r2,
        r1,
        r0,
      ]);
      assert.deepEqual(
        await store.results({ objectId: 'web1/http', since: T0 + 60_000, until: T0 + 120_000, limit: 1 }),
        [r2],
      );
    });

    it('downsamples expired results into hourly buckets and serves both from perfdata()', async () => {
      const store = await backend.open({ ...DEFAULT_RETENTION, resultRetentionMs: DAY });
      const hour0 = T0; // T0 is on the hour
      const old = [0, 10, 20, 30, 40, 50, 60, 70].map((minute, i) =>
        checkResult('db1/load', hour0 + minute * 60_000, [
          loadDatum(i + 1),
          { label: 'procs', value: 100, unit: '' },
        ]),
      );
      const recent = [checkResult('db1/load', hour0 + 2 * DAY, [loadDatum(9)])];
      await store.write({ results: [...old, ...recent], states: [], events: [] });

      const now = hour0 + DAY + 2 * HOUR;
      const report = await store.maintain(now);
      assert.equal(report.resultsDownsampled, old.length);
      assert.equal(report.resultsDeleted, old.length);
      assert.deepEqual(await store.results({ objectId: 'db1/load', since: 0, until: now }), []);

      const samples = await store.perfdata('db1/load', hour0, hour0 + 3 * DAY);
      assert.deepEqual(samples, [
        { objectId: 'db1/load', label: 'load1', at: hour0, min: 1, max: 6, avg: 3.5, count: 6, unit: '' },
        { objectId: 'db1/load', label: 'procs', at: hour0, min: 100, max: 100, avg: 100, count: 6, unit: '' },
        {
          objectId: 'db1/load',
          label: 'load1',
          at: hour0 + HOUR,
          min: 7,
          max: 8,
          avg: 7.5,
          count: 2,
          unit: '',
        },
        {
          objectId: 'db1/load',
          label: 'procs',
          at: hour0 + HOUR,
          min: 100,
          max: 100,
          avg: 100,
          count: 2,
          unit: '',
        },
        {
          objectId: 'db1/load',
          label: 'load1',
          at: hour0 + 2 * DAY,
          min: 9,
          max: 9,
          avg: 9,
          count: 1,
          unit: '',
        },
      ]);
      // A bucket that started before `since` still overlaps the range.
      assert.equal((await store.perfdata('db1/load', hour0 + 30 * 60_000, hour0 + HOUR - 1)).length, 2);

      // A late result in an already downsampled hour merges into its bucket.
      await store.write({
        results: [checkResult('db1/load', hour0 + 59 * 60_000, [loadDatum(0)])],
        states: [],
        events: [],
      });
      assert.equal((await store.maintain(now)).resultsDownsampled, 1);
      const [merged] = await store.perfdata('db1/load', hour0, hour0);
      assert.deepEqual(merged, {
        objectId: 'db1/load',
        label: 'load1',
        at: hour0,
        min: 0,
        max: 6,
        avg: 3,
        count: 7,
        unit: '',
      });

      assert.deepEqual(await store.maintain(now), {
        resultsDownsampled: 0,
        resultsDeleted: 0,
        samplesDeleted: 0,
        eventsDeleted: 0,
      });
    });

    it('deletes hourly perfdata and history past their retention', async () => {
      const retention = {
        resultRetentionMs: HOUR,
        downsampledRetentionMs: 10 * DAY,
        historyRetentionMs: 5 * DAY,
      };
      const store = await backend.open(retention);
      await store.write({
        results: [
          checkResult('db1/load', T0, [loadDatum(1)]),
          checkResult('db1/load', T0 + 8 * DAY, [loadDatum(2)]),
        ],
        states: [],
        events: [stateEvent('db1', T0), stateEvent('db1', T0 + 8 * DAY)],
      });
      const report = await store.maintain(T0 + 11 * DAY);
      assert.deepEqual(report, {
        resultsDownsampled: 2,
        resultsDeleted: 2,
        samplesDeleted: 1,
        eventsDeleted: 1,
      });
      assert.deepEqual(
        (await store.perfdata('db1/load', 0, T0 + 20 * DAY)).map((sample) => sample.at),
        [T0 + 8 * DAY],
      );
      assert.deepEqual(
        (await store.history({ objectId: 'db1' })).map((event) => event.at),
        [T0 + 8 * DAY],
      );
    });

    it('ignores a retried batch', async () => {
      const store = await backend.open();
      const batch: StoreBatch = {
        results: [checkResult('web1/http', T0, [loadDatum(1)]), checkResult('web1/http', T0 + 60_000)],
        states: [objectState('web1/http')],
        events: [stateEvent('web1/http', T0), stateEvent('web1/http', T0, { kind: 'flapping-start' })],
      };
      await store.write(batch);
      await store.write(batch);
      assert.equal((await store.results({ objectId: 'web1/http', since: 0, until: T0 * 2 })).length, 2);
      assert.equal((await store.history({ objectId: 'web1/http' })).length, 2);
      assert.equal((await store.loadStates()).length, 1);
    });

    it('drops states of objects no longer configured and keeps their history', async () => {
      const store = await backend.open();
      await store.write({
        results: [],
        states: ['a', 'b', 'c/x'].map((id) => objectState(id)),
        events: [stateEvent('b', T0)],
      });
      await store.dropStates(['b', 'c/x', 'never-existed']);
      await store.dropStates([]);
      assert.deepEqual(
        (await store.loadStates()).map((state) => state.objectId),
        ['a'],
      );
      assert.equal((await store.history({ objectId: 'b' })).length, 1);
    });

    it('measures write throughput at 1,667 results per batch', async (t) => {
      const store = await backend.open({ ...DEFAULT_RETENTION, resultRetentionMs: 0 });
      const batches = 100;
      const size = 1667;
      const prepared = Array.from({ length: batches }, (_, i) => engineBatch(i, size));
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      for (const batch of prepared) await store.write(batch);
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      t.diagnostic(
        `${backend.name}: ${batches} batches x ${size} results+states in ${seconds.toFixed(2)} s = ` +
          `${Math.round((batches * size) / seconds)} results/s, ${((seconds * 1000) / batches).toFixed(1)} ms/batch, ` +
          `node cpu ${((cpu.user + cpu.system) / 1000 / batches).toFixed(1)} ms/batch`,
      );

      // The same data then exercises maintenance over many chunks.
      const maintainStarted = performance.now();
      const report = await store.maintain(T0 + DAY);
      t.diagnostic(
        `${backend.name}: maintain downsampled ${report.resultsDownsampled} results in ` +
          `${((performance.now() - maintainStarted) / 1000).toFixed(2)} s`,
      );
      assert.equal(report.resultsDownsampled, batches * size);
      const [sample] = await store.perfdata('host0/svc0', T0, T0 + DAY);
      assert.equal(sample?.count, batches);
    });
  });
}

describe('postgres store failures', () => {
  it('rejects a write with a clear error when the server cannot be reached', async () => {
    const store = await openPostgresStore('postgres://postgres:secret@127.0.0.1:1/test');
    cleanUpLater(() => store.close());
    await assert.rejects(
      store.write({ results: [checkResult('web1/http', T0)], states: [], events: [] }),
      (error: Error) => {
        assert.match(
          error.message,
          /^postgres store postgres:\/\/postgres@127\.0\.0\.1:1\/test: write of 1 results failed/,
        );
        assert.doesNotMatch(error.message, /secret/);
        return true;
      },
    );
  });

  it('survives its connections being killed and writes again afterwards', async () => {
    const failedWrites: Error[] = [];
    const store = await postgres.open();
    await store.write({ results: [], states: [objectState('a')], events: [] });
    await adminQuery(
      `select pg_terminate_backend(pid) from pg_stat_activity
       where datname = '${lastPostgresDatabase}' and pid <> pg_backend_pid()`,
    );
    // The terminated idle connection is discarded; at most one write may fail with it.
    await store.write({ results: [], states: [objectState('b')], events: [] }).catch((error: Error) => {
      failedWrites.push(error);
      return store.write({ results: [], states: [objectState('b')], events: [] });
    });
    assert.deepEqual(
      (await store.loadStates()).map((state) => state.objectId),
      ['a', 'b'],
    );
    for (const error of failedWrites) assert.match(error.message, /^postgres store /);
  });
});

describe('sqlite store durability', () => {
  it('keeps every acknowledged batch when the writing process is killed with SIGKILL', async () => {
    const path = join(storeDir, 'crash.db');
    const writer = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', writer, path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acknowledged: number[] = [];
    let pending = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) acknowledged.push(Number(line));
      if (acknowledged.length >= 200 && !child.killed) child.kill('SIGKILL');
    });
    assert.equal(await exited, 'SIGKILL');
    assert.ok(acknowledged.length >= 200, `writer acknowledged only ${acknowledged.length} batches`);

    const store = await openSqliteStore(path);
    cleanUpLater(() => store.close());
    const events = await store.history({ objectId: 'crash', includeServices: true });
    const perBatch = new Map<number, number>();
    for (const event of events) {
      const batchNumber = event.at - CRASH_FIRST_AT;
      perBatch.set(batchNumber, (perBatch.get(batchNumber) ?? 0) + 1);
    }
    for (const batchNumber of acknowledged) {
      assert.equal(perBatch.get(batchNumber), CRASH_EVENTS_PER_BATCH, `batch ${batchNumber} lost`);
    }
    // Nothing half-written: every stored batch is complete.
    for (const count of perBatch.values()) assert.equal(count, CRASH_EVENTS_PER_BATCH);
  });
});

for (const backend of [sqlite, postgres]) {
  describe(`${backend.name} outbox (durable delivery queue)`, () => {
    it('keeps entries in order until delivered, ignores an id queued twice, and survives reopening', async () => {
      const store = await backend.open();
      await store.outbox.enqueue([
        { id: 'n1', receiver: 'chat', payload: { title: 'first' }, createdAt: T0 },
        { id: 'n2', receiver: 'pager', payload: { title: 'second' }, createdAt: T0 + 1 },
        { id: 'n3', receiver: 'chat', payload: { title: 'third' }, createdAt: T0 + 2 },
      ]);
      await store.outbox.enqueue([
        { id: 'n1', receiver: 'chat', payload: { title: 'again' }, createdAt: T0 + 3 },
      ]);
      const pending = await store.outbox.pending(10);
      assert.deepEqual(
        pending.map((e) => [e.id, e.receiver, (e.payload as { title: string }).title]),
        [
          ['n1', 'chat', 'first'],
          ['n2', 'pager', 'second'],
          ['n3', 'chat', 'third'],
        ],
      );
      await store.outbox.markDelivered(['n1'], T0 + 10);
      await store.outbox.markAttemptFailed(['n2'], 1, 'HTTP 503', T0 + 1000);
      await store.outbox.markAttemptFailed(['n3'], 5, 'HTTP 400: bad payload', undefined);
      assert.deepEqual(
        (await store.outbox.pending(10)).map((e) => [e.id, e.attempts, e.nextAttemptAt, e.lastError]),
        [['n2', 1, T0 + 1000, 'HTTP 503']],
      );
      const failed = await store.outbox.list({ status: 'failed' });
      assert.deepEqual(
        failed.map((e) => [e.id, e.lastError]),
        [['n3', 'HTTP 400: bad payload']],
      );
      assert.equal(await store.outbox.retry(undefined, T0 + 2000), 1);
      assert.deepEqual(
        (await store.outbox.pending(10)).map((e) => e.id),
        ['n2', 'n3'],
      );
      const delivered = await store.outbox.list({ status: 'delivered' });
      assert.equal(delivered[0]?.deliveredAt, T0 + 10);
      assert.equal(await store.outbox.prune(T0 + 1), 1, 'delivered entries past retention go');
      assert.deepEqual((await store.outbox.list()).map((e) => e.id).sort(), ['n2', 'n3']);
    });
  });
}

for (const backend of [sqlite, postgres]) {
  describe(`${backend.name} outbox heads per receiver`, () => {
    it('a receiver with a long backlog does not hide the others', async () => {
      const store = await backend.open();
      const backlog = Array.from({ length: 30 }, (_, i) => ({
        id: `down-${i}`,
        receiver: 'down',
        payload: {},
        createdAt: T0 + i,
      }));
      await store.outbox.enqueue([
        ...backlog,
        { id: 'up-1', receiver: 'up', payload: {}, createdAt: T0 + 100 },
      ]);
      const heads = await store.outbox.pendingPerReceiver(5);
      assert.deepEqual(
        heads.map((e) => e.id),
        ['down-0', 'down-1', 'down-2', 'down-3', 'down-4', 'up-1'],
      );
    });
  });
}
