import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { proxyConfig, request, startApp, startProxy, type TestApp, until } from './proxy-helpers.ts';

let app: TestApp;
before(async () => {
  app = await startApp('app');
});
after(() => app.close());

test('GET and streamed POST bodies pass both ways over one kept-alive client connection', async () => {
  const proxy = await startProxy(proxyConfig([app.url]));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const sockets = new Set<unknown>();
    const get = await request(proxy.url, { path: '/hello?x=1', agent });
    assert.equal(get.status, 200);
    assert.equal(get.body, 'app /hello?x=1');
    assert.equal(get.headers['x-app'], 'app');

    // 4 MB sent in chunks without a length (chunked), echoed back and checked end to end.
    const payload = randomBytes(4 * 1024 * 1024);
    const echoed = await new Promise<Buffer>((resolve, reject) => {
      const outgoing = http.request(`${proxy.url}/echo`, { method: 'POST', agent }, (response) => {
        sockets.add(response.socket);
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => resolve(Buffer.concat(chunks)));
      });
      outgoing.on('error', reject);
      for (let i = 0; i < payload.length; i += 64 * 1024) outgoing.write(payload.subarray(i, i + 64 * 1024));
      outgoing.end();
    });
    assert.equal(
      createHash('sha256').update(echoed).digest('hex'),
      createHash('sha256').update(payload).digest('hex'),
    );
    const again = await request(proxy.url, { path: '/again', agent });
    assert.equal(again.status, 200);
    assert.equal(proxy.proxy.status().counters.responsesByClass[2], 3);
  } finally {
    agent.destroy();
    await proxy.stop();
  }
});

test('upstream connections are kept alive between requests', async () => {
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.healthCheck.intervalMs = 60_000)));
  let connections = 0;
  const count = () => connections++;
  app.server.on('connection', count);
  try {
    for (let i = 0; i < 10; i++) assert.equal((await request(proxy.url, { path: `/k/${i}` })).status, 200);
    // One for the first health probe, one reused for all ten requests.
    assert.ok(connections <= 2, `${connections} upstream connections for 10 sequential requests`);
  } finally {
    app.server.off('connection', count);
    await proxy.stop();
  }
});

test('X-Forwarded-For is appended to, X-Forwarded-Proto/-Host are set, hop-by-hop headers are dropped', async () => {
  const proxy = await startProxy(proxyConfig([app.url]));
  try {
    app.seen.length = 0;
    await request(proxy.url, {
      path: '/headers',
      headers: {
        host: 'shop.example.com',
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'gopher',
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': 'must not pass',
        'proxy-authorization': 'Basic eA==',
        'x-kept': 'yes',
      },
    });
    const seen = app.seen[0];
    assert.ok(seen);
    assert.equal(seen.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-host'], 'shop.example.com');
    assert.equal(seen.headers.host, 'shop.example.com');
    assert.equal(seen.headers['x-kept'], 'yes');
    assert.equal(seen.headers['x-secret-hop'], undefined);
    assert.equal(seen.headers['proxy-authorization'], undefined);
  } finally {
    await proxy.stop();
  }
});

test('a WebSocket upgrade passes through and both directions flow', async () => {
  const wsApp = http.createServer((_req, res) => res.end('no'));
  wsApp.on('upgrade', (req: http.IncomingMessage, socket) => {
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `X-Seen-Forwarded-For: ${req.headers['x-forwarded-for']}\r\n\r\n`,
    );
    socket.on('data', (data: Buffer) => socket.write(`echo:${data.toString()}`));
    socket.on('end', () => socket.end());
  });
  await new Promise<void>((resolve) => wsApp.listen(0, '127.0.0.1', resolve));
  const proxy = await startProxy(
    proxyConfig(
      [`http://127.0.0.1:${(wsApp.address() as AddressInfo).port}`],
      (c) => (c.healthCheck.path = '/'),
    ),
  );
  try {
    const { response, socket } = await new Promise<{
      response: http.IncomingMessage;
      socket: import('node:net').Socket;
    }>((resolve, reject) => {
      const outgoing = http.request(`${proxy.url}/chat`, {
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZQ==' },
      });
      outgoing.on('upgrade', (res, sock) => resolve({ response: res, socket: sock }));
      outgoing.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      outgoing.on('error', reject);
      outgoing.end();
    });
    assert.equal(response.statusCode, 101);
    assert.equal(response.headers['x-seen-forwarded-for'], '127.0.0.1');
    const reply = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    socket.write('ping');
    assert.equal(await reply, 'echo:ping');
    socket.destroy();
  } finally {
    await proxy.stop();
    wsApp.closeAllConnections();
    wsApp.close();
  }
});

test('round robin over healthy upstreams; a dead one is taken out by the health check and by refusals', async () => {
  const second = await startApp('second');
  const third = await startApp('third');
  const proxy = await startProxy(proxyConfig([app.url, second.url, third.url]));
  try {
    const names = async (count: number) => {
      const out: string[] = [];
      for (let i = 0; i < count; i++)
        out.push((await request(proxy.url, { path: '/rr' })).body.split(' ')[0] as string);
      return out;
    };
    const spread = await names(6);
    assert.deepEqual([...spread].sort(), ['app', 'app', 'second', 'second', 'third', 'third']);

    await third.close();
    // Requests right after the death still succeed: a refused connection is retried elsewhere.
    const during = await Promise.all(Array.from({ length: 6 }, () => request(proxy.url, { path: '/rr' })));
    assert.ok(during.every((r) => r.status === 200));
    await until(() => proxy.proxy.status().upstreams[2]?.healthy === false, 'third marked unhealthy');
    const after = await names(4);
    assert.deepEqual([...after].sort(), ['app', 'app', 'second', 'second']);
    const metrics = await (await proxy.control('GET', '/metrics')).text();
    assert.match(metrics, new RegExp(`vigil_proxy_upstream_healthy\\{upstream="${third.url}"\\} 0`));
  } finally {
    await proxy.stop();
    await second.close();
  }
});

test('502 with a short body when no upstream answers', async () => {
  const gone = await startApp('gone');
  await gone.close();
  const proxy = await startProxy(proxyConfig([gone.url]));
  try {
    const answer = await request(proxy.url, { path: '/x' });
    assert.equal(answer.status, 502);
    assert.match(answer.body, /^Bad Gateway/);
    assert.ok(answer.body.length < 100);
  } finally {
    await proxy.stop();
  }
});

test('shutdown stops accepting, finishes in-flight requests and releases held ones', async () => {
  const slow = await startApp('slow');
  slow.delayMs = 400;
  const proxy = await startProxy(proxyConfig([slow.url]));
  const inFlight = request(proxy.url, { path: '/in-flight' });
  await until(() => slow.seen.length === 1, 'request at the app');
  await proxy.control('POST', '/pause', { reason: 'test' });
  const held = request(proxy.url, { path: '/held' });
  await until(() => proxy.proxy.status().heldNow === 1, 'held');
  const stopped = proxy.stop();
  const [first, second] = await Promise.all([inFlight, held]);
  await stopped;
  assert.equal(first.status, 200);
  assert.equal(first.body, 'slow /in-flight');
  assert.equal(second.status, 200);
  await assert.rejects(request(proxy.url, { path: '/after' }), /ECONNREFUSED/);
  await slow.close();
});
