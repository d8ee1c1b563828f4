import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

test('the switch counts requests the group had already sent to the app until they are answered', async () => {
  const group = `t${randomUUID().slice(0, 8)}`;
  // One slow request at the app when the pause begins; held ones do not count.
  const slowApp = http.createServer((req, res) => {
    setTimeout(() => res.end('done'), req.url === '/slow' ? 1_000 : 0);
  });
  await new Promise<void>((resolve) => slowApp.listen(0, '127.0.0.1', resolve));
  const appUrl = `http://127.0.0.1:${(slowApp.address() as AddressInfo).port}`;
  const member = (id: string) =>
    startProxy(
      proxyConfig([appUrl], (c) => {
        c.group = { name: group, nats: NATS, proxyId: id, heartbeatMs: 5_000 };
      }),
    );
  const [a, b] = [await member('web-a'), await member('web-b')];
  const proxySwitch = await natsProxySwitch({ servers: NATS, group, timeoutMs: 5_000 });
  try {
    assert.ok(proxySwitch.unanswered);
    const slow = request(a.url, { path: '/slow' });
    await until(() => a.proxy.status().inFlight === 1, 'the slow request at the app');
    await proxySwitch.pause({ reason: 'db swap', maxHoldMs: 10_000, maxPauseMs: 20_000 });
    const held = request(b.url, { path: '/held' });
    await until(() => b.proxy.status().heldNow === 1, 'a request held on b');
    assert.equal(await proxySwitch.unanswered(), 1);
    // Heard within a few tens of milliseconds of the answer, not at the next heartbeat.
    await until(async () => (await proxySwitch.unanswered?.()) === 0, 'the slow request answered', 3_000);
    assert.equal((await slow).status, 200);
    await proxySwitch.resume();
    assert.equal((await held).status, 200);
  } finally {
    await proxySwitch.close();
    await a.stop();
    await b.stop();
    slowApp.closeAllConnections();
    await new Promise((resolve) => slowApp.close(resolve));
  }
});
