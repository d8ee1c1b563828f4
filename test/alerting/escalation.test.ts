import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { type Alert, alertFromProblem } from '../../src/alerting/alert.ts';
import { Escalator, nextStep, receiversFor } from '../../src/alerting/escalation.ts';
import { buildAlertPipeline, deliveryPath } from '../../src/alerting/index.ts';
import type { Notification } from '../../src/alerting/notification.ts';
import type { Model } from '../../src/model/types.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { modelFromYaml, tempDir } from '../helpers/model.ts';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 30, 10, 0); // a Monday, 10:00 UTC

const CONFIG = `
channels:
  alice-phone: { kind: webhook, url: "http://127.0.0.1:9/alice" }
  bob-phone: { kind: webhook, url: "http://127.0.0.1:9/bob" }
  carol-phone: { kind: webhook, url: "http://127.0.0.1:9/carol" }
  ops-chat: { kind: webhook, url: "http://127.0.0.1:9/chat" }
contacts:
  alice: { notify: [alice-phone] }
  bob: { notify: [bob-phone] }
  carol: { notify: [carol-phone] }
contact_groups:
  leads: [bob, carol]
schedules:
  primary:
    time_zone: UTC
    layers:
      - { participants: [alice, bob], rotation: daily, hand_off: "09:00", start: 2026-11-30 }
escalation_policies:
  web:
    repeat: 1
    steps:
      - { notify: [schedule:primary], wait: 10m }
      - { notify: [group:leads], wait: 5m }
routes:
  - { name: customer-facing, match: { tags: [customer-facing] }, chat: [ops-chat], escalate: web }
hosts:
  - name: web-1
    tags: [customer-facing]
    services: [{ name: http, check: { kind: dummy } }]
`;

async function setup(): Promise<{
  model: Model;
  store: Store;
  clock: { now: number };
  queued: () => Promise<string[]>;
  escalator: Escalator;
  pipeline: ReturnType<typeof buildAlertPipeline>;
}> {
  const model = modelFromYaml(CONFIG);
  const store = await openStore({
    ...model.settings.store,
    kind: 'sqlite',
    path: path.join(await tempDir(), 'v.db'),
  });
  await store.migrate();
  const clock = { now: T0 };
  const escalator = escalatorFor(model, store, clock);
  const pipeline = buildAlertPipeline(
    model,
    store.outbox,
    () => clock.now,
    () => {},
    escalator,
  );
  let seen = 0;
  const queued = async () => {
    const all = (await store.outbox.list({ limit: 1000 })).reverse();
    const fresh = all.slice(seen).map((e) => `${(e.payload as Notification).kind}→${e.receiver}`);
    seen = all.length;
    return fresh.sort();
  };
  return { model, store, clock, queued, escalator, pipeline };
}

/** The escalator as the daemon builds it, over a test's store and clock. */
function escalatorFor(
  model: Model,
  store: Store,
  clock: { now: number },
  isInDowntime: () => boolean = () => false,
): Escalator {
  return new Escalator({
    store: store.escalations,
    model: () => model,
    clock: () => clock.now,
    isAcknowledged: () => false,
    isInDowntime,
    emit: (alerts) =>
      deliveryPath(
        model,
        store.outbox,
        () => clock.now,
        () => {},
      )(alerts),
  });
}

function problem(model: Model, kind: 'opened' | 'resolved' = 'opened'): Alert {
  return alertFromProblem(
    model,
    {
      kind,
      objectId: 'web-1/http',
      at: T0,
      state: kind === 'opened' ? 2 : 0,
      flapping: false,
      affected: [],
      degraded: [],
    },
    undefined,
  );
}

test('nobody acknowledges: the on-call person, then the leads, then around again once', async () => {
  const { model, store, clock, queued, escalator, pipeline } = await setup();
  await pipeline([problem(model)]);
  assert.deepEqual(
    await queued(),
    ['problem→alice-phone', 'problem→ops-chat'],
    'alice is on call Monday 10:00',
  );
  clock.now = T0 + 9 * MINUTE;
  await escalator.tick();
  assert.deepEqual(await queued(), [], 'nothing before the wait is over');
  clock.now = T0 + 10 * MINUTE;
  await escalator.tick();
  assert.deepEqual(await queued(), ['problem→bob-phone', 'problem→carol-phone']);
  clock.now = T0 + 15 * MINUTE;
  await escalator.tick();
  assert.deepEqual(await queued(), ['problem→alice-phone'], 'repeat: the first step again');
  clock.now = T0 + 25 * MINUTE;
  await escalator.tick();
  assert.deepEqual(await queued(), ['problem→bob-phone', 'problem→carol-phone']);
  clock.now = T0 + 120 * MINUTE;
  await escalator.tick();
  assert.deepEqual(await queued(), [], 'repeats used up');
  // Recovery reaches everyone who was paged, and the chat route.
  clock.now += MINUTE;
  await pipeline([problem(model, 'resolved')]);
  assert.deepEqual(await queued(), [
    'recovery→alice-phone',
    'recovery→bob-phone',
    'recovery→carol-phone',
    'recovery→ops-chat',
  ]);
  await store.close();
});

test('an acknowledgement stops the escalation and tells those already paged', async () => {
  const { model, store, clock, queued, escalator, pipeline } = await setup();
  await pipeline([problem(model)]);
  await queued();
  clock.now = T0 + 3 * MINUTE;
  const ack: Alert = { ...problem(model), kind: 'acknowledgement' };
  await pipeline([ack]);
  assert.deepEqual(await queued(), ['acknowledgement→alice-phone', 'acknowledgement→ops-chat']);
  clock.now = T0 + 60 * MINUTE;
  await escalator.tick();
  assert.deepEqual(await queued(), [], 'nobody else is paged');
  assert.deepEqual(await store.escalations.list('open'), []);
  await store.close();
});

test('a restart continues at the step reached', async () => {
  const { model, store, clock, queued, pipeline } = await setup();
  await pipeline([problem(model)]);
  await queued();
  // A new escalator (the daemon restarted) over the same store.
  const restarted = escalatorFor(model, store, clock);
  clock.now = T0 + 11 * MINUTE;
  await restarted.tick();
  assert.deepEqual(await queued(), ['problem→bob-phone', 'problem→carol-phone']);
  await store.close();
});

test('targets: whoever is on call at the time, groups and contacts', () => {
  const model = modelFromYaml(CONFIG);
  assert.deepEqual(receiversFor(model, [{ kind: 'schedule', name: 'primary' }], T0), ['alice-phone']);
  assert.deepEqual(receiversFor(model, [{ kind: 'schedule', name: 'primary' }], T0 + 24 * 60 * MINUTE), [
    'bob-phone',
  ]);
  assert.deepEqual(
    receiversFor(
      model,
      [
        { kind: 'group', name: 'leads' },
        { kind: 'contact', name: 'bob' },
      ],
      T0,
    ),
    ['bob-phone', 'carol-phone'],
  );
  assert.deepEqual(nextStep({ step: 1, cycle: 0 }, 2, 0), { step: 1, cycle: 0 });
  assert.deepEqual(nextStep({ step: 2, cycle: 0 }, 2, 1), { step: 0, cycle: 1 });
  assert.equal(nextStep({ step: 2, cycle: 1 }, 2, 1), undefined);
});

test('an escalation pauses while its object is in downtime and goes on after', async () => {
  const { model, store, clock, queued, pipeline } = await setup();
  await pipeline([problem(model)]);
  await queued();
  let inDowntime = true;
  const escalator = escalatorFor(model, store, clock, () => inDowntime);
  clock.now = T0 + 10 * MINUTE;
  await escalator.tick();
  assert.deepEqual(await queued(), [], 'nobody is paged during the downtime');
  inDowntime = false;
  clock.now = T0 + 11 * MINUTE;
  await escalator.tick();
  assert.deepEqual(
    await queued(),
    ['problem→bob-phone', 'problem→carol-phone'],
    'the next step follows once it ends',
  );
  await store.close();
});
