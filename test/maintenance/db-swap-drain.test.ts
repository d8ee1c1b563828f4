// Before making the primary read-only, `vigil db-swap` waits until the requests the proxies
// had already sent to the app are answered: one of them still writing would otherwise fail
// on read_only. Held requests are not waited for (they wait for the swap), and a request that
// never finishes holds the swap up only until the wait timeout.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  waitUntilAnswered,
  withUnansweredFromControls,
} from '../../src/maintenance/db-swap/unanswered-requests.ts';
import { httpProxySwitch } from '../../src/maintenance/proxy/http-switch.ts';
import {
  proxyConfig,
  request,
  SECRET,
  startApp,
  startProxy,
  type TestApp,
  type TestProxy,
  until,
} from './proxy-helpers.ts';

const io = { clock: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
const running: { app: TestApp; proxy: TestProxy }[] = [];

after(async () => {
  for (const { app, proxy } of running) {
    await proxy.stop();
    await app.close();
  }
});

async function slowAppBehindProxy(delayMs: number) {
  const app = await startApp('app');
  // No health probes after the first: the slow app must stay in rotation.
  const proxy = await startProxy(
    proxyConfig([app.url], (config) => {
      config.healthCheck.intervalMs = 600_000;
    }),
  );
  running.push({ app, proxy });
  app.delayMs = delayMs;
  const controls = [proxy.controlUrl];
  const proxySwitch = withUnansweredFromControls(
    httpProxySwitch({ controls, secret: SECRET }),
    controls,
    SECRET,
  );
  const unanswered = () => proxySwitch.unanswered?.() ?? Promise.reject(new Error('no unanswered()'));
  return { app, proxy, proxySwitch, unanswered };
}

test('counts the requests at the app, not the held ones, and waits until they are answered', async () => {
  const { app, proxy, proxySwitch, unanswered } = await slowAppBehindProxy(1_500);
  const atApp = request(proxy.url, { path: '/writing' });
  await until(() => app.seen.length === 1, 'the request to reach the app');
  await proxySwitch.pause({ reason: 'db swap' });
  const held = request(proxy.url, { path: '/arrived-during-the-pause' });
  await until(() => proxy.proxy.status().heldNow === 1, 'the second request to be held');
  assert.equal(await unanswered(), 1);

  const wait = await waitUntilAnswered(unanswered, 5_000, io);
  assert.deepEqual({ atStart: wait.atStart, left: wait.left }, { atStart: 1, left: 0 });
  assert.equal((await atApp).status, 200);
  assert.deepEqual(
    app.seen.map((seen) => seen.url),
    ['/writing'],
    'the held request has not gone to the app',
  );

  await proxySwitch.resume();
  assert.equal((await held).status, 200);
});

test('a request that does not finish holds the wait up only until its timeout', async () => {
  const { app, proxy, proxySwitch, unanswered } = await slowAppBehindProxy(3_000);
  const stuck = request(proxy.url, { path: '/long-report' });
  await until(() => app.seen.length === 1, 'the request to reach the app');
  await proxySwitch.pause({ reason: 'db swap' });
  const started = Date.now();
  const wait = await waitUntilAnswered(unanswered, 300, io);
  assert.equal(wait.left, 1);
  assert.ok(Date.now() - started < 2_000, `waited ${Date.now() - started} ms`);
  await proxySwitch.resume();
  await stuck.catch(() => {});
});
