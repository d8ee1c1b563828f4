import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import {
  proxyConfig,
  request,
  SECRET,
  sleep,
  startApp,
  startProxy,
  type TestApp,
  until,
} from './proxy-helpers.ts';

let app: TestApp;
before(async () => {
  app = await startApp('app');
});
after(() => app.close());

test('paused requests wait, then all go upstream in arrival order with their bodies, none failed', async () => {
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.pause.releaseConcurrency = 1)));
  try {
    const paused = await proxy.control('POST', '/pause', { reason: 'db swap', max_hold: '10s' });
    assert.equal(paused.status, 200);
    assert.equal((await paused.json()).paused, true);
    app.seen.length = 0;
    const answers: Promise<{ status: number; body: string }>[] = [];
    for (let i = 0; i < 20; i++) {
      answers.push(request(proxy.url, { method: 'POST', path: `/order/${i}`, body: `body ${i}` }));
      // Arrival order is the order the proxy sees them in: let each land before the next.
      await until(() => proxy.proxy.status().heldNow === i + 1, `request ${i} held`);
    }
    assert.equal(app.seen.length, 0, 'nothing reached the app while paused');
    const status = await (await proxy.control('GET', '/status')).json();
    assert.equal(status.held_now, 20);
    assert.ok(status.longest_hold_ms > 0);
    // Named by the address it really listens on, not the configured port 0.
    assert.equal(status.proxy, new URL(proxy.url).host);
    const resumed = await (await proxy.control('POST', '/resume')).json();
    assert.equal(resumed.paused, false);
    const results = await Promise.all(answers);
    assert.deepEqual(
      results.map((r) => r.status),
      results.map(() => 200),
    );
    assert.deepEqual(
      app.seen.map((s) => `${s.url} ${s.body}`),
      answers.map((_, i) => `/order/${i} body ${i}`),
    );
  } finally {
    await proxy.stop();
  }
});

test('on resume at most release_concurrency held requests are at the app at once', async () => {
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.pause.releaseConcurrency = 3)));
  let atApp = 0;
  let mostAtApp = 0;
  const count = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.url === '/health') return;
    atApp++;
    mostAtApp = Math.max(mostAtApp, atApp);
    res.once('finish', () => atApp--);
  };
  app.server.prependListener('request', count);
  app.delayMs = 30;
  try {
    await proxy.control('POST', '/pause', { reason: 'test' });
    const answers = Array.from({ length: 15 }, (_, i) => request(proxy.url, { path: `/c/${i}` }));
    await until(() => proxy.proxy.status().heldNow === 15, 'all held');
    await proxy.control('POST', '/resume');
    const results = await Promise.all(answers);
    assert.ok(results.every((r) => r.status === 200));
    assert.equal(mostAtApp, 3);
  } finally {
    app.server.off('request', count);
    app.delayMs = 0;
    await proxy.stop();
  }
});

test('a request held longer than max_hold gets 503 with Retry-After', async () => {
  const proxy = await startProxy(proxyConfig([app.url]));
  try {
    await proxy.control('POST', '/pause', { reason: 'test', max_hold: '300ms', max_pause: '20s' });
    const started = Date.now();
    const answer = await request(proxy.url, { path: '/slow' });
    assert.equal(answer.status, 503);
    assert.ok(Date.now() - started >= 250);
    const retryAfter = Number(answer.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 20, `Retry-After ${answer.headers['retry-after']}`);
    const metrics = await (await proxy.control('GET', '/metrics')).text();
    assert.match(metrics, /vigil_proxy_refused_total\{reason="max_hold"\} 1/);
    assert.match(metrics, /vigil_proxy_requests_total\{code="5xx"\} 1/);
  } finally {
    await proxy.stop();
  }
});

test('with on_max_hold: forward, a request held too long goes upstream anyway', async () => {
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.pause.onMaxHold = 'forward')));
  try {
    await proxy.control('POST', '/pause', { reason: 'test', max_hold: '200ms' });
    const answer = await request(proxy.url, { path: '/anyway' });
    assert.equal(answer.status, 200);
    assert.equal(answer.body, 'app /anyway');
    assert.equal(proxy.proxy.status().paused, true);
  } finally {
    await proxy.stop();
  }
});

test('beyond max_held waiting requests, new ones get 503 at once', async () => {
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.pause.maxHeld = 2)));
  try {
    await proxy.control('POST', '/pause', { reason: 'test' });
    const held = [request(proxy.url, { path: '/a' }), request(proxy.url, { path: '/b' })];
    await until(() => proxy.proxy.status().heldNow === 2, 'two held');
    const third = await request(proxy.url, { path: '/c' });
    assert.equal(third.status, 503);
    assert.ok(third.headers['retry-after']);
    assert.match(third.body, /too many requests waiting/);
    await proxy.control('POST', '/resume');
    assert.deepEqual(
      (await Promise.all(held)).map((r) => r.status),
      [200, 200],
    );
  } finally {
    await proxy.stop();
  }
});

test('a pause ends by itself after max_pause and releases what it held', async () => {
  const proxy = await startProxy(proxyConfig([app.url]));
  try {
    await proxy.control('POST', '/pause', { reason: 'forgotten', max_pause: '400ms' });
    const started = Date.now();
    const answer = await request(proxy.url, { path: '/late' });
    assert.equal(answer.status, 200);
    assert.ok(Date.now() - started >= 300);
    const status = await (await proxy.control('GET', '/status')).json();
    assert.equal(status.paused, false);
    assert.equal(status.auto_resumes_total, 1);
  } finally {
    await proxy.stop();
  }
});

test('a client that disconnects while held leaves the queue and frees its slot', async () => {
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.pause.maxHeld = 1)));
  try {
    await proxy.control('POST', '/pause', { reason: 'test' });
    app.seen.length = 0;
    const gone = http.get(`${proxy.url}/gone`);
    gone.on('error', () => {});
    await until(() => proxy.proxy.status().heldNow === 1, 'held');
    gone.destroy();
    await until(() => proxy.proxy.status().heldNow === 0, 'withdrawn');
    // The one slot is free again: this request is held, not refused.
    const next = request(proxy.url, { path: '/next' });
    await until(() => proxy.proxy.status().heldNow === 1, 'second held');
    await proxy.control('POST', '/resume');
    assert.equal((await next).status, 200);
    assert.deepEqual(
      app.seen.map((s) => s.url),
      ['/next'],
    );
  } finally {
    await proxy.stop();
  }
});

test('health-check paths and configured user agents are not held', async () => {
  const proxy = await startProxy(proxyConfig([app.url]));
  try {
    await proxy.control('POST', '/pause', { reason: 'test' });
    const health = await request(proxy.url, { path: '/health?full=1' });
    assert.equal(health.status, 200);
    const probe = await request(proxy.url, { path: '/x', headers: { 'user-agent': 'kube-probe/1.29' } });
    assert.equal(probe.status, 200);
    assert.equal(proxy.proxy.status().heldNow, 0);
  } finally {
    await proxy.stop();
  }
});

test('the control endpoint refuses a missing or wrong secret and names bad fields', async () => {
  const proxy = await startProxy(proxyConfig([app.url]));
  try {
    const none = await fetch(`${proxy.controlUrl}/pause`, { method: 'POST' });
    assert.equal(none.status, 401);
    const wrong = await proxy.control('POST', '/pause', { reason: 'x' }, `${SECRET}x`);
    assert.equal(wrong.status, 401);
    assert.equal((await proxy.control('GET', '/status', undefined, 'nope')).status, 401);
    assert.equal(proxy.proxy.status().paused, false);
    const bad = await proxy.control('POST', '/pause', { max_hold: 'soon' });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /^body\.max_hold: is not a positive duration/);
    const unknown = await proxy.control('POST', '/pause', { max_hodl: '1s' });
    assert.equal(unknown.status, 400);
    assert.equal(proxy.proxy.status().paused, false);
  } finally {
    await proxy.stop();
  }
});

test('metrics: held now, longest hold, pauses, upstream health', async () => {
  const proxy = await startProxy(proxyConfig([app.url]));
  try {
    await proxy.control('POST', '/pause', { reason: 'test' });
    const held = request(proxy.url, { path: '/m' });
    await until(() => proxy.proxy.status().heldNow === 1, 'held');
    await sleep(50);
    const text = await (await proxy.control('GET', '/metrics')).text();
    assert.match(text, /^vigil_proxy_requests_held 1$/m);
    assert.match(text, /^vigil_proxy_paused 1$/m);
    assert.match(text, /^vigil_proxy_pauses_total 1$/m);
    const longest = Number(/^vigil_proxy_longest_hold_seconds (\S+)$/m.exec(text)?.[1]);
    assert.ok(longest >= 0.04, `longest hold ${longest}`);
    assert.match(text, new RegExp(`vigil_proxy_upstream_healthy\\{upstream="${app.url}"\\} 1`));
    await proxy.control('POST', '/resume');
    assert.equal((await held).status, 200);
  } finally {
    await proxy.stop();
  }
});
