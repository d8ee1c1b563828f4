import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { natsProxySwitch } from '../../src/maintenance/proxy/nats-switch.ts';
import {
  proxyConfig,
  request,
  startApp,
  startProxy,
  type TestApp,
  type TestProxy,
  until,
} from './proxy-helpers.ts';

const NATS = ['nats://127.0.0.1:4222'];
let app: TestApp;
before(async () => {
  app = await startApp('app');
});
after(() => app.close());

async function groupOfTwo(group: string): Promise<[TestProxy, TestProxy]> {
  const member = (id: string) =>
    startProxy(
      proxyConfig([app.url], (c) => {
        c.group = { name: group, nats: NATS, proxyId: id, heartbeatMs: 200 };
      }),
    );
  return [await member('web-a'), await member('web-b')];
}

test('one natsProxySwitch call pauses and resumes both proxies of a group, after both report', async () => {
  const group = `t${randomUUID().slice(0, 8)}`;
  const [a, b] = await groupOfTwo(group);
  const proxySwitch = await natsProxySwitch({ servers: NATS, group, timeoutMs: 5_000 });
  try {
    const paused = await proxySwitch.pause({ reason: 'db swap', maxHoldMs: 10_000, maxPauseMs: 20_000 });
    // Resolved only once both had applied it: both gates are shut right now.
    assert.deepEqual(paused.map((r) => r.proxy).sort(), ['web-a', 'web-b']);
    assert.ok(paused.every((r) => r.paused));
    assert.equal(a.proxy.status().paused, true);
    assert.equal(b.proxy.status().paused, true);
    assert.equal(a.proxy.status().reason, 'db swap');

    const heldA = request(a.url, { path: '/via-a' });
    const heldB = request(b.url, { path: '/via-b' });
    await until(() => a.proxy.status().heldNow === 1 && b.proxy.status().heldNow === 1, 'held on both');

    const resumed = await proxySwitch.resume();
    assert.ok(resumed.every((r) => !r.paused));
    assert.equal((await heldA).status, 200);
    assert.equal((await heldB).status, 200);
    assert.equal(a.proxy.status().paused, false);
    assert.equal(b.proxy.status().paused, false);
  } finally {
    await proxySwitch.close();
    await a.stop();
    await b.stop();
  }
});

test("pausing through one proxy's control endpoint pauses the whole group", async () => {
  const group = `t${randomUUID().slice(0, 8)}`;
  const [a, b] = await groupOfTwo(group);
  try {
    const reply = await (await a.control('POST', '/pause', { reason: 'from a' })).json();
    assert.equal(reply.paused, true);
    assert.equal(reply.group, group);
    await until(() => b.proxy.status().paused, 'b follows');
    await b.control('POST', '/resume');
    await until(() => !a.proxy.status().paused, 'a follows the resume');
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('pause() fails naming the member that did not confirm; a departed member is not waited for', async () => {
  const group = `t${randomUUID().slice(0, 8)}`;
  const [a, b] = await groupOfTwo(group);
  const strict = await natsProxySwitch({
    servers: NATS,
    group,
    expectedMembers: ['web-a', 'web-b', 'web-c'],
    timeoutMs: 600,
  });
  try {
    await assert.rejects(strict.pause({ reason: 'x' }), /web-c did not confirm the pause/);
    await b.stop();
    const loose = await natsProxySwitch({ servers: NATS, group, timeoutMs: 3_000 });
    const reports = await loose.resume();
    assert.deepEqual(
      reports.map((r) => r.proxy),
      ['web-a'],
    );
    await loose.close();
  } finally {
    await strict.close();
    await a.stop();
  }
});
