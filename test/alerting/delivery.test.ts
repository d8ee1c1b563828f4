import assert from 'node:assert/strict';
import path from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { type Alert, alertFromProblem } from '../../src/alerting/alert.ts';
import { channelKinds } from '../../src/alerting/channels/index.ts';
import { DeliveryWorker } from '../../src/alerting/delivery.ts';
import { Escalator } from '../../src/alerting/escalation.ts';
import { buildAlertPipeline } from '../../src/alerting/index.ts';
import type { Model } from '../../src/model/types.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { eventually, modelFromYaml, tempDir } from '../helpers/model.ts';
import { type RecordingServer, recordingServer } from '../helpers/recording-server.ts';

const servers: RecordingServer[] = [];
after(async () => {
  for (const server of servers) await server.close();
});

async function setup(groupWait: string) {
  const receiver = await recordingServer();
  servers.push(receiver);
  const model = modelFromYaml(`
channels:
  chat: { kind: webhook, url: "${receiver.origin}/chat" }
  pager: { kind: webhook, url: "${receiver.origin}/pager" }
routes:
  - { name: everything, chat: [chat], group_wait: ${groupWait}, continue: true }
  - { name: urgent, match: { states: [DOWN] }, page: [pager] }
hosts:
  - name: db
    services:
      - { name: mysql, check: { kind: dummy } }
      - { name: disk, check: { kind: dummy } }
      - { name: backup, check: { kind: dummy } }
`);
  const store = await openStore({
    ...model.settings.store,
    kind: 'sqlite',
    path: path.join(await tempDir(), 'v.db'),
  });
  await store.migrate();
  const worker = (s: Store) =>
    new DeliveryWorker({
      outbox: s.outbox,
      channels: channelKinds,
      receivers: () => model.receivers,
      log: pino({ level: 'silent' }),
      pollMs: 50,
    });
  const delivery = worker(store);
  const escalator = new Escalator({
    store: store.escalations,
    model: () => model,
    clock: Date.now,
    isAcknowledged: () => false,
    isInDowntime: () => false,
    emit: (a) => a,
  });
  const pipeline = buildAlertPipeline(model, store.outbox, Date.now, () => delivery.wake(), escalator);
  return { receiver, model, store, delivery, pipeline, worker };
}

let at = 1;
function problem(model: Model, objectId: string, state = 2): Alert {
  at += 1;
  return alertFromProblem(
    model,
    { kind: 'opened', objectId, at, state, flapping: false, affected: [], degraded: [] },
    undefined,
  );
}

test('a receiver that is down gets everything afterwards, in order, once', async () => {
  const { receiver, model, store, delivery, pipeline } = await setup('0s');
  // Down for the first four tries (asking for a quick retry), then up.
  const down = { status: 503, headers: { 'retry-after': '0' } } as const;
  receiver.answerNext(down, down, down, down);
  delivery.start();
  for (const id of ['db/mysql', 'db/disk', 'db/backup']) await pipeline([problem(model, id)]);
  assert.ok(
    await eventually(async () => (await store.outbox.pending(10)).length === 0, 10_000),
    'all delivered',
  );
  await delivery.stop();
  const delivered = receiver.requests.filter((r) => r.path === '/chat');
  const order = delivered.map(
    (r) => (JSON.parse(r.body) as { problem: { objectId: string } }).problem.objectId,
  );
  // The first was tried five times; nothing overtook it; each arrived once after that.
  assert.deepEqual(order, [
    'db/mysql',
    'db/mysql',
    'db/mysql',
    'db/mysql',
    'db/mysql',
    'db/disk',
    'db/backup',
  ]);
  const ids = delivered.slice(4).map((r) => r.headers['x-vigil-delivery']);
  assert.equal(new Set(ids).size, 3);
  assert.equal(
    (await store.outbox.list({ status: 'delivered' })).find((e) => e.id.startsWith('db/mysql'))?.attempts,
    4,
  );
  await store.close();
});

test('a channel that rejects a notification for good marks it failed and goes on', async () => {
  const { receiver, model, store, delivery, pipeline } = await setup('0s');
  receiver.answerNext({ status: 400, body: 'bad payload' });
  delivery.start();
  await pipeline([problem(model, 'db/mysql')]);
  await pipeline([problem(model, 'db/disk')]);
  assert.ok(await eventually(async () => (await store.outbox.pending(10)).length === 0, 10_000));
  await delivery.stop();
  const failed = await store.outbox.list({ status: 'failed' });
  assert.equal(failed.length, 1);
  assert.match(failed[0]?.lastError ?? '', /400/);
  assert.equal((await store.outbox.list({ status: 'delivered' })).length, 1);
  await store.close();
});

test('chat notifications arriving together are sent as one message; pages go at once', async () => {
  const { receiver, model, store, delivery, pipeline } = await setup('400ms');
  delivery.start();
  const started = Date.now();
  await pipeline([problem(model, 'db/mysql')]);
  await pipeline([problem(model, 'db/disk'), problem(model, 'db', 1)]);
  assert.ok(await eventually(() => receiver.requests.some((r) => r.path === '/pager'), 2_000));
  assert.ok(Date.now() - started < 400, 'the page did not wait for the chat group');
  assert.ok(await eventually(() => receiver.requests.some((r) => r.path === '/chat'), 3_000));
  await delivery.stop();
  const chat = receiver.requests.filter((r) => r.path === '/chat');
  assert.equal(chat.length, 1, 'one message for the three problems');
  const digest = JSON.parse(chat[0]?.body ?? '{}') as { title: string; text: string };
  assert.match(digest.title, /^3 problems \(everything\): db\/mysql CRITICAL; db\/disk CRITICAL; db DOWN$/);
  assert.equal((await store.outbox.list({ status: 'delivered' })).length, 4);
  await store.close();
});

test('what was queued before a restart is delivered by the next worker', async () => {
  const { receiver, model, store, pipeline, worker } = await setup('0s');
  await pipeline([problem(model, 'db/mysql')]); // queued; the first worker never ran (crash)
  const next = worker(store);
  next.start();
  assert.ok(await eventually(() => receiver.requests.length === 1, 5_000));
  await next.stop();
  await store.close();
});
