import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, test } from 'node:test';
import pino from 'pino';
import { Spawner } from '../../src/checks/plugin/spawner.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { Model, StateEvent } from '../../src/model/types.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { eventually, modelFromYaml, sleep, tempDir } from '../helpers/model.ts';

const spawner = new Spawner();
const log = pino({ level: 'silent' });
after(() => spawner.close());
// A failed assertion must not leave an engine's timers keeping the test process alive.
const started: Engine[] = [];
afterEach(async () => {
  for (const engine of started.splice(0)) await engine.stop(1_000);
});

async function sqliteStore(): Promise<Store> {
  const dir = await tempDir();
  const store = await openStore({
    kind: 'sqlite',
    path: path.join(dir, 'vigil.db'),
    url: '',
    resultRetentionMs: 86_400_000,
    downsampledRetentionMs: 86_400_000,
    historyRetentionMs: 86_400_000,
  });
  await store.migrate();
  return store;
}

async function runEngine(
  model: Model,
  store?: Store,
  committed: StateEvent[] = [],
  upstreamCacheMs?: number,
) {
  const theStore = store ?? (await sqliteStore());
  const engine = new Engine(model, await theStore.loadStates(), {
    store: theStore,
    spawner,
    log,
    flushIntervalMs: 50,
    onCommitted: (events) => committed.push(...events),
    ...(upstreamCacheMs === undefined ? {} : { upstreamCacheMs }),
  });
  engine.start();
  started.push(engine);
  return { engine, store: theStore, committed };
}

test('every check runs once per interval, first runs spread across the first interval', async () => {
  const services = Array.from(
    { length: 20 },
    (_, i) => `      - { name: s${i}, check: { kind: dummy } }`,
  ).join('\n');
  const model = modelFromYaml(`
templates:
  fast: { interval: 400ms }
hosts:
  - name: h
    services:
${services.replaceAll('check:', 'use: fast, check:')}
`);
  const { engine, store } = await runEngine(model);
  const started = Date.now();
  await sleep(1_250);
  await engine.stop();
  const firstStarts: number[] = [];
  let total = 0;
  for (let i = 0; i < 20; i++) {
    const results = await store.results({ objectId: `h/s${i}`, since: 0, until: Date.now() + 1 });
    total += results.length;
    assert.ok(
      results.length >= 2 && results.length <= 4,
      `h/s${i} ran ${results.length} times in 1.25 s at 400 ms`,
    );
    firstStarts.push(Math.min(...results.map((r) => r.startedAt)) - started);
  }
  firstStarts.sort((a, b) => a - b);
  assert.ok((firstStarts[0] as number) < 150, 'the first check starts at once');
  assert.ok(
    (firstStarts[19] as number) > 300,
    'the latest first run is late in the first interval, not all at once',
  );
  assert.ok(total >= 50 && total <= 70, `about 3 runs each, got ${total}`);
  await store.close();
});

test('a soft problem re-checks at the retry interval and turns hard after max attempts', async () => {
  const model = modelFromYaml(`
hosts:
  - name: h
    services:
      - { name: down, interval: 10s, retry_interval: 100ms, max_attempts: 3, check: { kind: dummy, state: CRITICAL } }
`);
  const { engine, store, committed } = await runEngine(model);
  assert.ok(
    await eventually(
      () => engine.stateOf('h/down')?.stateType === 'HARD' && engine.stateOf('h/down')?.state === 2,
      10_000,
    ),
    'service reaches HARD CRITICAL within one interval thanks to retries',
  );
  assert.equal(engine.stateOf('h/down')?.attempt, 3);
  await engine.stop();
  assert.deepEqual(
    committed.filter((e) => e.objectId === 'h/down').map((e) => `${e.kind}:${e.stateType}:${e.attempt}`),
    ['soft-change:SOFT:1', 'hard-change:HARD:3'],
  );
  const history = await store.history({ objectId: 'h/down' });
  assert.deepEqual(history.map((e) => e.kind).sort(), ['hard-change', 'soft-change']);
  await store.close();
});

test('the global concurrency limit holds and the per-check timeout kills hung plugins', async () => {
  const services = Array.from(
    { length: 6 },
    (_, i) =>
      `      - { name: slow${i}, interval: 30s, timeout: 400ms, check: { command: "/bin/sleep 30" } }`,
  ).join('\n');
  const model = modelFromYaml(`
settings: { concurrency: 2 }
hosts:
  - name: h
    services:
${services}
`);
  const { engine, store } = await runEngine(model);
  // Make all six due at once, so the limit has something to hold back.
  for (let i = 0; i < 6; i++) engine.checkNow(`h/slow${i}`);
  let maxRunning = 0;
  const sampler = setInterval(() => {
    maxRunning = Math.max(maxRunning, engine.metrics().running);
  }, 5);
  const done = await eventually(
    () => [...engine.allStates()].filter((s) => s.lastCheck > 0).length === 6,
    10_000,
  );
  clearInterval(sampler);
  assert.ok(done, 'all six checks finished');
  assert.equal(maxRunning, 2);
  const state = engine.stateOf('h/slow0');
  assert.equal(state?.state, 3, 'a timed-out plugin is UNKNOWN');
  assert.match(state?.output ?? '', /timed out after 0\.4s/);
  assert.ok(engine.metrics().latency.max > 300, 'checks waiting for a slot show up as schedule latency');
  await engine.stop();
  await store.close();
});

test('reload keeps unchanged objects’ state and schedule, schedules new ones, drops removed ones', async () => {
  const yaml = (extra: string) => `
hosts:
  - name: h
    services:
      - { name: keep, interval: 200ms, retry_interval: 200ms, max_attempts: 5, check: { kind: dummy, state: WARNING } }
      - { name: remove, interval: 200ms, check: { kind: dummy } }
${extra}`;
  const { engine, store } = await runEngine(modelFromYaml(yaml('')));
  assert.ok(await eventually(() => (engine.stateOf('h/keep')?.attempt ?? 0) >= 2, 5_000));
  const before = engine.stateOf('h/keep');
  const summary = engine.applyModel(
    modelFromYaml(`
hosts:
  - name: h
    services:
      - { name: keep, interval: 200ms, retry_interval: 200ms, max_attempts: 5, check: { kind: dummy, state: WARNING } }
      - { name: added, interval: 200ms, check: { kind: dummy, state: CRITICAL } }
`),
  );
  assert.deepEqual(summary, { added: 1, removed: 1, changed: 0, unchanged: 1 });
  assert.equal(engine.stateOf('h/remove'), undefined, 'removed objects are dropped');
  const kept = engine.stateOf('h/keep');
  assert.ok(kept && before && kept.attempt >= before.attempt, 'attempt count carries over the reload');
  assert.equal(kept?.lastStateChange, before?.lastStateChange);
  assert.ok(
    await eventually(() => (engine.stateOf('h/added')?.lastCheck ?? 0) > 0, 2_000),
    'new object is scheduled',
  );
  await engine.stop();
  assert.equal(
    (await store.loadStates()).some((s) => s.objectId === 'h/remove'),
    false,
    'store forgets it too',
  );
  await store.close();
});

test('a restart restores attempts and hard states from the store and does not re-announce them', async () => {
  const yaml = `
hosts:
  - name: h
    services:
      - { name: bad, interval: 10s, retry_interval: 50ms, max_attempts: 2, check: { kind: dummy, state: CRITICAL } }
`;
  const first = await runEngine(modelFromYaml(yaml));
  assert.ok(await eventually(() => first.engine.stateOf('h/bad')?.stateType === 'HARD', 5_000));
  await first.engine.stop();
  const committedAgain: StateEvent[] = [];
  const second = await runEngine(modelFromYaml(yaml), first.store, committedAgain);
  const restored = second.engine.stateOf('h/bad');
  assert.equal(restored?.stateType, 'HARD');
  assert.equal(restored?.state, 2);
  second.engine.checkNow('h/bad');
  assert.ok(
    await eventually(() => (second.engine.stateOf('h/bad')?.lastCheck ?? 0) > (restored?.lastCheck ?? 0)),
  );
  await second.engine.stop();
  assert.deepEqual(committedAgain, [], 'no new soft or hard change after a restart in the same state');
  await first.store.close();
});

test('results are kept and written once the store recovers from write failures', async () => {
  const real = await sqliteStore();
  let failuresLeft = 3;
  // Fault injection around a real store: the first writes fail like a lost connection.
  const flaky: Store = Object.create(real, {
    write: {
      value: async (batch: Parameters<Store['write']>[0]) => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          throw new Error('connection lost');
        }
        return real.write(batch);
      },
    },
  });
  const model = modelFromYaml(`
hosts:
  - name: h
    services:
      - { name: s, interval: 100ms, check: { kind: dummy } }
`);
  const { engine } = await runEngine(model, flaky);
  await sleep(600);
  const completed = engine.metrics().checksCompleted;
  await engine.stop();
  assert.equal(engine.metrics().store.writeFailures, 3);
  const stored = await real.results({ objectId: 'h/s', since: 0, until: Date.now() + 1 });
  assert.equal(stored.length, completed, 'every result accepted during the outage was written afterwards');
  await real.close();
});

test('a failing host re-checks its parents at once, and a dead parent makes it UNREACHABLE', async () => {
  const dir = await tempDir();
  const switchState = path.join(dir, 'switch-exit-code');
  await writeFile(switchState, '0');
  const model = modelFromYaml(`
hosts:
  - name: sw
    interval: 1h
    check: { command: "exit $(cat ${switchState})", shell: true }
  - name: web
    parents: [sw]
    interval: 1h
    retry_interval: 200ms
    max_attempts: 2
    check: { kind: dummy, state: CRITICAL }
`);
  const { engine, store } = await runEngine(model, undefined, [], 0);
  assert.ok(await eventually(() => (engine.stateOf('sw')?.lastCheck ?? 0) > 0), 'switch checked at start');
  assert.equal(engine.stateOf('sw')?.state, 0);
  // The switch dies; its next scheduled check is an hour away. The host's failure must
  // re-check the switch at once, so the host turns UNREACHABLE instead of DOWN.
  await writeFile(switchState, '2');
  engine.checkNow('web');
  assert.ok(await eventually(() => engine.stateOf('web')?.stateType === 'HARD', 5_000));
  assert.equal(engine.stateOf('sw')?.state, 1, 'switch re-checked on demand and found DOWN');
  assert.equal(engine.stateOf('web')?.state, 2, 'host behind a DOWN parent is UNREACHABLE');
  await engine.stop();
  await store.close();
});

test('a host needing two of three parents is UNREACHABLE when only one is up', async () => {
  const model = modelFromYaml(`
hosts:
  - { name: a, check: { kind: dummy, state: OK } }
  - { name: b, check: { kind: dummy, state: CRITICAL }, max_attempts: 1 }
  - { name: c, check: { kind: dummy, state: CRITICAL }, max_attempts: 1 }
  - name: h
    parents: [a, b, c]
    parents_min_up: 2
    max_attempts: 1
    retry_interval: 100ms
    check: { kind: dummy, state: CRITICAL }
`);
  const { engine, store } = await runEngine(model, undefined, [], 0);
  for (const id of ['a', 'b', 'c']) engine.checkNow(id);
  assert.ok(
    await eventually(() => engine.stateOf('b')?.state === 1 && engine.stateOf('c')?.state === 1, 5_000),
  );
  engine.checkNow('h');
  assert.ok(
    await eventually(() => engine.stateOf('h')?.state === 2, 5_000),
    `h is ${engine.stateOf('h')?.state}`,
  );
  await engine.stop();
  await store.close();
});

test('disable_checks: a dependent is not checked while its dependency has failed hard', async () => {
  const model = modelFromYaml(`
templates:
  quick: { interval: 100ms, retry_interval: 100ms, max_attempts: 1 }
hosts:
  - name: db
    services: [{ name: mysql, use: quick, check: { kind: dummy, state: CRITICAL } }]
  - name: app
    services: [{ name: web, use: quick, check: { kind: dummy, state: CRITICAL } }]
dependencies:
  - { objects: [app/web], on: [db/mysql], disable_checks: true }
`);
  const { engine, store } = await runEngine(model);
  assert.ok(
    await eventually(
      () => engine.stateOf('db/mysql')?.stateType === 'HARD' && engine.stateOf('db/mysql')?.state === 2,
    ),
  );
  await sleep(150);
  const pausedAt = engine.stateOf('app/web')?.lastCheck ?? 0;
  await sleep(500);
  assert.equal(engine.stateOf('app/web')?.lastCheck ?? 0, pausedAt, 'no runs while the database is down');
  await engine.stop();
  await store.close();
});
