import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { type Acknowledgement, endedByStateChange, isInForce } from '../../src/alerting/acknowledgement.ts';
import { handleAcknowledged } from '../../src/alerting/acknowledgement-stage.ts';
import { type Alert, alertFromProblem } from '../../src/alerting/alert.ts';
import { suppressInDowntime } from '../../src/alerting/downtime-stage.ts';
import { inSequence } from '../../src/alerting/pipeline.ts';
import { routeAlerts } from '../../src/alerting/routing.ts';
import { Suppressions } from '../../src/alerting/suppressions.ts';
import type { Model, ObjectState, StateEvent } from '../../src/model/types.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { modelFromYaml, tempDir } from '../helpers/model.ts';

const T0 = Date.UTC(2025, 5, 2, 8, 0, 0);
const MINUTE = 60_000;

const MODEL = modelFromYaml(`
channels:
  chat: { kind: webhook, url: "http://127.0.0.1:9/chat" }
  pager: { kind: webhook, url: "http://127.0.0.1:9/pager" }
routes:
  - { name: databases, match: { tags: [database], states: [CRITICAL] }, page: [pager] }
  - { name: everything, chat: [chat] }
hosts:
  - name: db1
    services: [{ name: mysql, check: { kind: dummy }, tags: [database] }]
  - name: web
    services: [{ name: http, check: { kind: dummy } }]
`);

function ack(fields: Partial<Acknowledgement>): Acknowledgement {
  return {
    id: 1,
    objectId: 'db1/mysql',
    state: 2,
    author: 'alice',
    comment: 'failing over',
    sticky: false,
    expiresAt: null,
    createdAt: T0,
    removedAt: null,
    removedReason: '',
    ...fields,
  };
}

function problem(model: Model, objectId: string, at: number, kind: 'opened' | 'resolved' = 'opened'): Alert {
  return alertFromProblem(
    model,
    { kind, objectId, at, state: kind === 'opened' ? 2 : 0, flapping: false, affected: [], degraded: [] },
    undefined,
  );
}

test('an acknowledgement holds until removed or expired; recovery ends it; only non-sticky ends on a new state', () => {
  const a = ack({ expiresAt: T0 + 60 * MINUTE });
  assert.equal(isInForce(a, T0 - 1), false);
  assert.equal(isInForce(a, T0), true);
  assert.equal(isInForce(a, T0 + 60 * MINUTE - 1), true);
  assert.equal(isInForce(a, T0 + 60 * MINUTE), false, 'expired');
  assert.equal(isInForce(ack({ removedAt: T0 + 5 }), T0 + 5), false, 'removed');
  assert.equal(endedByStateChange(a, 0, 'OK'), 'recovered');
  assert.equal(endedByStateChange(ack({ sticky: true }), 0, 'OK'), 'recovered');
  assert.equal(endedByStateChange(a, 1, 'WARNING'), 'state changed to WARNING');
  assert.equal(endedByStateChange(ack({ sticky: true }), 1, 'WARNING'), undefined, 'sticky holds');
  assert.equal(endedByStateChange(a, 2, 'CRITICAL'), undefined, 'the same state is no news');
});

test('stages: downtime holds back problems and their recoveries; acknowledged problems are not re-sent', async () => {
  const memory = {
    heldBack: new Map<string, Alert>(),
    announced: new Map<string, Alert>(),
    isInDowntime: (id: string, at: number) => id === 'web/http' && at < T0 + 10 * MINUTE,
    isAcknowledged: (id: string) => id === 'db1/mysql',
  };
  const stages = inSequence([suppressInDowntime(memory), handleAcknowledged(memory)]);
  const note: Alert = { ...problem(MODEL, 'web/http', T0), kind: 'downtime-start' };
  const passed = await stages([problem(MODEL, 'web/http', T0), problem(MODEL, 'db1/mysql', T0), note]);
  assert.deepEqual(
    passed.map((a) => a.kind),
    ['downtime-start'],
    'the problem in downtime and the acknowledged problem stop; the note goes on',
  );
  assert.ok(memory.heldBack.has('web/http'));
  // After the window the recovery of a problem nobody heard of is not news either.
  assert.deepEqual(await stages([problem(MODEL, 'web/http', T0 + 20 * MINUTE, 'resolved')]), []);
  assert.equal(memory.heldBack.has('web/http'), false);
  // The recovery of an acknowledged problem is sent.
  assert.deepEqual(
    (await stages([problem(MODEL, 'db1/mysql', T0 + 30 * MINUTE, 'resolved')])).map((a) => a.kind),
    ['recovery'],
  );
});

const stores: Store[] = [];
after(async () => {
  for (const store of stores) await store.close();
});

async function live(states: Map<string, ObjectState>) {
  const store = await openStore({
    ...MODEL.settings.store,
    kind: 'sqlite',
    path: path.join(await tempDir(), 'v.db'),
  });
  stores.push(store);
  await store.migrate();
  let now = T0;
  const emitted: Alert[] = [];
  const suppressions = new Suppressions({
    store,
    model: MODEL,
    clock: () => now,
    log: pino({ level: 'silent' }),
    stateOf: (id) => states.get(id),
    emit: (alerts) => emitted.push(...alerts),
  });
  const pipeline = inSequence([
    suppressInDowntime(suppressions),
    handleAcknowledged(suppressions),
    routeAlerts(MODEL),
  ]);
  return {
    store,
    suppressions,
    pipeline,
    emitted,
    setNow: (t: number) => {
      now = t;
    },
  };
}

function state(objectId: string, value: number): ObjectState {
  return {
    objectId,
    state: value,
    stateType: 'HARD',
    attempt: 1,
    lastHardState: value,
    lastStateChange: T0,
    lastHardStateChange: T0,
    lastCheck: T0,
    output: value === 0 ? 'OK' : 'CRITICAL - down',
    longOutput: '',
    recentStates: [],
    percentStateChange: 0,
    flapping: false,
  };
}

function hardChange(objectId: string, value: number, at: number): StateEvent {
  return {
    objectId,
    kind: value === 0 ? 'recovery' : 'hard-change',
    at,
    state: value,
    previousState: 2,
    stateType: 'HARD',
    attempt: 1,
    output: '',
  };
}

const receivers = (alert: Alert | undefined) =>
  alert?.deliveries.map((d) => `${d.urgency}:${d.receiver}`).sort();

test('an acknowledgement is announced once, to the receivers of its problem, and ends on a state change', async () => {
  const states = new Map([['db1/mysql', state('db1/mysql', 2)]]);
  const t = await live(states);
  const [sent] = await t.pipeline([problem(MODEL, 'db1/mysql', T0)]);
  assert.deepEqual(receivers(sent), ['page:pager']);

  const saved = await t.store.acknowledgements.add({
    objectId: 'db1/mysql',
    state: 2,
    author: 'alice',
    comment: 'failing over',
    sticky: false,
    expiresAt: null,
    createdAt: T0 + MINUTE,
  });
  t.setNow(T0 + MINUTE + 1);
  await t.suppressions.refresh();
  await t.suppressions.refresh();
  assert.equal(t.emitted.length, 1, 'announced once');
  const routed = await t.pipeline(t.emitted);
  assert.equal(routed[0]?.kind, 'acknowledgement');
  assert.deepEqual(routed[0]?.acknowledgement, { author: 'alice', comment: 'failing over' });
  assert.deepEqual(receivers(routed[0]), receivers(sent), 'the same receivers as the problem');

  assert.equal(t.suppressions.isAcknowledged('db1/mysql', T0 + 2 * MINUTE), true);
  assert.deepEqual(await t.pipeline([problem(MODEL, 'db1/mysql', T0 + 2 * MINUTE)]), [], 'not re-sent');

  // CRITICAL becomes UNKNOWN: a non-sticky acknowledgement ends, and is recorded as ended.
  t.suppressions.noteStateEvents([hardChange('db1/mysql', 3, T0 + 3 * MINUTE)]);
  assert.equal(t.suppressions.isAcknowledged('db1/mysql', T0 + 3 * MINUTE), false);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const [record] = await t.store.acknowledgements.list('db1/mysql');
  assert.equal(record?.id, saved.id);
  assert.equal(record?.removedReason, 'state changed to UNKNOWN');
  await t.suppressions.stop();
});

test('downtime: start and end notes go to the routes of what it covers; a problem still failing is sent at the end', async () => {
  const states = new Map([['web/http', state('web/http', 0)]]);
  const t = await live(states);
  const window = await t.store.downtimes.add({
    target: { kind: 'host', name: 'web' },
    includeServices: false,
    includeChildren: false,
    type: 'fixed',
    startAt: T0 + MINUTE,
    endAt: T0 + 31 * MINUTE,
    durationMs: null,
    recurrence: null,
    timeZone: 'UTC',
    author: 'bob',
    comment: 'kernel update',
    createdAt: T0,
  });
  await t.suppressions.refresh();
  assert.deepEqual(t.emitted, [], 'nothing before the window');
  t.setNow(T0 + MINUTE);
  await t.suppressions.refresh();
  const start = await t.pipeline(t.emitted.splice(0));
  assert.equal(start[0]?.kind, 'downtime-start');
  assert.match(start[0]?.title ?? '', /web for 30m — downtime \d+ by bob: kernel update/);
  assert.deepEqual(receivers(start[0]), ['chat:chat']);

  states.set('web/http', state('web/http', 2));
  assert.deepEqual(await t.pipeline([problem(MODEL, 'web/http', T0 + 5 * MINUTE)]), [], 'held back');

  t.setNow(T0 + 31 * MINUTE);
  await t.suppressions.refresh();
  const end = await t.pipeline(t.emitted.splice(0));
  assert.deepEqual(
    end.map((a) => `${a.kind} ${a.problem.objectId}`),
    ['downtime-end web', 'problem web/http'],
    'the note, then the problem that is still failing',
  );
  assert.ok(window.id > 0);
  await t.suppressions.stop();
});

test('a flexible window starts when a covered object fails inside it', async () => {
  const states = new Map<string, ObjectState>();
  const t = await live(states);
  await t.store.downtimes.add({
    target: { kind: 'service', name: 'web/http' },
    includeServices: false,
    includeChildren: false,
    type: 'flexible',
    startAt: T0,
    endAt: T0 + 60 * MINUTE,
    durationMs: 10 * MINUTE,
    recurrence: null,
    timeZone: 'UTC',
    author: 'bob',
    comment: 'expected to blip',
    createdAt: T0,
  });
  await t.suppressions.refresh();
  assert.equal(t.suppressions.isInDowntime('web/http', T0 + 20 * MINUTE), false);
  t.setNow(T0 + 20 * MINUTE);
  t.suppressions.noteStateEvents([hardChange('web/http', 2, T0 + 20 * MINUTE)]);
  assert.equal(t.suppressions.isInDowntime('web/http', T0 + 20 * MINUTE), true);
  assert.equal(t.suppressions.isInDowntime('web/http', T0 + 30 * MINUTE), false, 'lasts 10 minutes');
  assert.deepEqual(
    await t.pipeline([problem(MODEL, 'web/http', T0 + 20 * MINUTE)]),
    [],
    'its problem is held back',
  );
  await t.suppressions.refresh();
  const [stored] = await t.store.downtimes.all();
  assert.equal(stored?.triggeredAt, T0 + 20 * MINUTE, 'the start is recorded');
  assert.ok(t.emitted.some((a) => a.kind === 'downtime-start'));
  await t.suppressions.stop();
});
