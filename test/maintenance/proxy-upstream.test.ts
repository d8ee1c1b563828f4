// How the proxy copes with what app servers really send: every framing, slow clients,
// malformed answers, silence, connections dropped under a reused request, clients leaving.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { proxyConfig, request, sleep, startApp, startProxy, until } from './proxy-helpers.ts';

type Answer = (socket: net.Socket, head: string, nth: number) => void;

/** An app speaking raw HTTP/1.1 on loopback: `answer` writes whatever bytes the test wants. */
async function rawApp(answer: Answer) {
  const sockets = new Set<net.Socket>();
  let closed = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      closed++;
    });
    socket.on('error', () => {});
    let buffered = '';
    let nth = 0;
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        if (head.includes('/health')) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
        else answer(socket, head, nth++);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    closedConnections: () => closed,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const pathOf = (head: string) => head.split(' ')[1] ?? '/';

test('chunked, sized, close-delimited and bodiless answers all reach the client intact, and the connection stays in step', async () => {
  const big = randomBytes(3 * 1024 * 1024);
  const app = await rawApp((socket, head) => {
    const path = pathOf(head);
    if (path === '/chunked') {
      socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Kind: chunked\r\n\r\n');
      // Tiny chunks first (hundreds to one socket read), then large ones.
      const pieces: Buffer[] = [];
      for (let at = 0; at < big.length; ) {
        const size = at < 256 * 1024 ? 64 : 100_000;
        const part = big.subarray(at, at + size);
        pieces.push(Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n'));
        at += size;
      }
      socket.write(Buffer.concat(pieces));
      socket.write('0\r\n\r\n');
    } else if (path === '/close') {
      socket.end('HTTP/1.1 200 OK\r\nX-Kind: close\r\n\r\nuntil the connection closes');
    } else if (path === '/no-content') socket.write('HTTP/1.1 204 No Content\r\nX-Kind: none\r\n\r\n');
    else if (path === '/not-modified')
      socket.write('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 99\r\n\r\n');
    else if (head.startsWith('HEAD'))
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 12345\r\nX-Kind: head\r\n\r\n');
    else {
      const body = `sized ${path}`;
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    }
  });
  const proxy = await startProxy(proxyConfig([app.url]));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(warning.name);
  process.on('warning', onWarning);
  try {
    // A slow client: it stops reading for a while, so the proxy must hold the app back.
    const received = await new Promise<{ kind: string; body: Buffer }>((resolve, reject) => {
      http
        .get(`${proxy.url}/chunked`, { agent }, (response) => {
          const chunks: Buffer[] = [];
          response.pause();
          setTimeout(() => response.resume(), 300);
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () =>
            resolve({ kind: String(response.headers['x-kind']), body: Buffer.concat(chunks) }),
          );
        })
        .on('error', reject);
    });
    assert.equal(received.kind, 'chunked');
    assert.equal(
      createHash('sha256').update(received.body).digest('hex'),
      createHash('sha256').update(big).digest('hex'),
    );
    for (const [path, method, status, body] of [
      ['/no-content', 'GET', 204, ''],
      ['/a', 'GET', 200, 'sized /a'],
      ['/not-modified', 'GET', 304, ''],
      ['/b', 'HEAD', 200, ''],
      ['/c', 'GET', 200, 'sized /c'],
      ['/close', 'GET', 200, 'until the connection closes'],
      ['/d', 'GET', 200, 'sized /d'],
    ] as const) {
      const answer = await request(proxy.url, { path, method, agent });
      assert.equal(answer.status, status, path);
      assert.equal(answer.body, body, path);
    }
    assert.equal(
      (await request(proxy.url, { path: '/e', method: 'HEAD' })).headers['content-length'],
      '12345',
    );
    assert.equal(proxy.proxy.status().counters.upstreamFailures, 0);
    // Holding the app back takes one wait for the client, not one listener per chunk.
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
    agent.destroy();
    await proxy.stop();
    await app.close();
  }
});

test('every byte value of an answer arrives unchanged', async () => {
  const bytes = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) % 256));
  const app = await rawApp((socket) => {
    socket.write(
      `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${bytes.length}\r\n\r\n`,
    );
    socket.write(bytes);
  });
  const proxy = await startProxy(proxyConfig([app.url]));
  try {
    const received = await new Promise<Buffer>((resolve, reject) => {
      http
        .get(`${proxy.url}/bytes`, { agent: false }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (c: Buffer) => chunks.push(c));
          response.on('end', () => resolve(Buffer.concat(chunks)));
        })
        .on('error', reject);
    });
    assert.deepEqual(received, bytes);
  } finally {
    await proxy.stop();
    await app.close();
  }
});

test('a malformed answer is a 502 for that request only; the next one goes through', async () => {
  const app = await rawApp((socket, head) => {
    if (pathOf(head) === '/smuggle')
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const proxy = await startProxy(proxyConfig([app.url]));
  try {
    const bad = await request(proxy.url, { path: '/smuggle' });
    assert.equal(bad.status, 502);
    assert.match(bad.body, /Bad Gateway/);
    const good = await request(proxy.url, { path: '/fine' });
    assert.deepEqual([good.status, good.body], [200, 'ok']);
  } finally {
    await proxy.stop();
    await app.close();
  }
});

test('an app that does not answer within the upstream timeout gets the client a 504', async () => {
  const app = await rawApp(() => {});
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.upstreamTimeoutMs = 1_000)));
  try {
    const started = Date.now();
    const answer = await request(proxy.url, { path: '/silent' });
    assert.equal(answer.status, 504);
    assert.ok(Date.now() - started < 4_000, `answered after ${Date.now() - started} ms`);
  } finally {
    await proxy.stop();
    await app.close();
  }
});

test('a kept-alive connection the app drops as it is reused: a GET goes again, a POST is not repeated', async () => {
  // The app answers the first request on each connection and closes the connection, unasked,
  // when a second one arrives: the race every keep-alive proxy meets.
  const app = await rawApp((socket, _head, nth) => {
    if (nth === 0) socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst');
    else socket.destroy();
  });
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.healthCheck.intervalMs = 60_000)));
  try {
    assert.equal((await request(proxy.url, { path: '/1' })).body, 'first');
    const again = await request(proxy.url, { path: '/2' });
    assert.deepEqual([again.status, again.body], [200, 'first']);
    assert.ok(proxy.proxy.status().counters.retries >= 1);
    const post = await request(proxy.url, { path: '/3', method: 'POST', body: 'pay once' });
    assert.equal(post.status, 502);
  } finally {
    await proxy.stop();
    await app.close();
  }
});

test('a client that leaves mid-answer closes the upstream connection too', async () => {
  const app = await rawApp((socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n');
    const timer = setInterval(() => socket.write(Buffer.alloc(16 * 1024)), 5);
    socket.on('close', () => clearInterval(timer));
  });
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.healthCheck.intervalMs = 60_000)));
  try {
    const before = app.closedConnections();
    await new Promise<void>((resolve, reject) => {
      const outgoing = http.get(`${proxy.url}/endless`, { agent: false }, (response) => {
        response.once('data', () => {
          outgoing.destroy();
          resolve();
        });
      });
      outgoing.on('error', () => {});
      setTimeout(() => reject(new Error('no data')), 5_000);
    });
    await until(() => app.closedConnections() > before, 'the upstream connection to close');
    await sleep(50);
    assert.equal(proxy.proxy.status().inFlight, 0);
  } finally {
    await proxy.stop();
    await app.close();
  }
});

test('a client that takes nothing for the upstream timeout is cut off, and so is its app connection', async () => {
  const app = await rawApp((socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n');
    const timer = setInterval(() => socket.write(Buffer.alloc(64 * 1024)), 2);
    socket.on('close', () => clearInterval(timer));
  });
  const proxy = await startProxy(
    proxyConfig([app.url], (c) => {
      c.upstreamTimeoutMs = 1_000;
      c.healthCheck.intervalMs = 60_000;
    }),
  );
  try {
    const before = app.closedConnections();
    let stalled: http.IncomingMessage | undefined;
    const outgoing = http.get(`${proxy.url}/stuck`, { agent: false }, (response) => {
      response.pause(); // takes nothing
      stalled = response;
    });
    outgoing.on('error', () => {});
    await until(() => stalled !== undefined, 'the answer to begin');
    await until(
      () => app.closedConnections() > before && proxy.proxy.status().inFlight === 0,
      'the proxy to give up on the client and close the app connection',
      6_000,
    );
    // Reading again, the client finds its answer cut short: it never gets all 100 MB.
    const ending = await new Promise<string>((resolve) => {
      let received = 0;
      stalled?.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      stalled?.on('error', () => resolve('error'));
      stalled?.on('end', () => resolve(received === 100_000_000 ? 'complete' : 'short'));
      stalled?.resume();
    });
    assert.notEqual(ending, 'complete');
  } finally {
    await proxy.stop();
    await app.close();
  }
});

/** Raw bytes to the proxy on one connection; resolves with everything it sent back by `ms`. */
function rawExchange(port: number, bytes: (Buffer | string)[], ms: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    for (const part of bytes) socket.write(part);
    setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, ms);
  });
}

test('a client cannot smuggle a second request in a body by listing Content-Length in Connection', async () => {
  const app = await startApp('app');
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.healthCheck.intervalMs = 60_000)));
  try {
    const smuggled = 'GET /admin HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n';
    const answer = await rawExchange(
      Number(new URL(proxy.url).port),
      [
        `POST /public HTTP/1.1\r\nHost: x\r\nConnection: Content-Length\r\nContent-Length: ${smuggled.length}\r\n\r\n`,
        smuggled,
      ],
      500,
    );
    assert.match(answer, /^HTTP\/1\.1 200/);
    const victim = await request(proxy.url, { path: '/victim' });
    assert.equal(victim.body, 'app /victim', 'the next client gets its own answer');
    const seen = app.seen.map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(seen, ['POST /public', 'GET /victim'], 'no /admin reached the app');
    assert.equal(app.seen[0]?.body, smuggled, 'the smuggled text arrived as the body it was');
  } finally {
    await proxy.stop();
    await app.close();
  }
});

test('an app that answers before reading an upload: the client gets the answer and its next request is served', async () => {
  const app = await rawApp((socket, head) => {
    if (pathOf(head) === '/second')
      return void socket.write('HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond');
    socket.pause(); // never reads the upload
    setTimeout(() => socket.write('HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\n\r\n'), 200);
  });
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.healthCheck.intervalMs = 60_000)));
  try {
    const size = 8 * 1024 * 1024;
    const answer = await rawExchange(
      Number(new URL(proxy.url).port),
      [
        `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`,
        Buffer.alloc(size, 97),
        'GET /second HTTP/1.1\r\nHost: x\r\n\r\n',
      ],
      2_500,
    );
    assert.match(answer, /^HTTP\/1\.1 413/);
    assert.match(
      answer,
      /HTTP\/1\.1 200 OK[\s\S]*second$/,
      'the pipelined request after the upload is answered',
    );
  } finally {
    await proxy.stop();
    await app.close();
  }
});

test('a transfer coding other than chunked is refused with 501; an HTTP/1.0 request without Host gets one upstream', async () => {
  const heads: string[] = [];
  const app = await rawApp((socket, head) => {
    heads.push(head);
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  });
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.healthCheck.intervalMs = 60_000)));
  const port = Number(new URL(proxy.url).port);
  try {
    const gzipped = await rawExchange(
      port,
      ['POST /g HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
      400,
    );
    assert.match(gzipped, /^HTTP\/1\.1 501/);
    assert.equal(
      proxy.proxy.status().counters.upstreamFailures,
      0,
      "the client's request, not an app, was at fault",
    );
    const old = await rawExchange(port, ['GET /old HTTP/1.0\r\n\r\n'], 400);
    assert.match(old, /^HTTP\/1\.1 200/);
    const forwarded = heads.filter((h) => !h.includes('/health'));
    assert.equal(forwarded.length, 1, 'the gzip-coded body never reached the app');
    assert.match(
      forwarded[0] as string,
      new RegExp(`\\r\\nHost: 127\\.0\\.0\\.1:${new URL(app.url).port}(\\r\\n|$)`),
    );
  } finally {
    await proxy.stop();
    await app.close();
  }
});

test('a connection the app closed while idle is not reused: a POST right after goes out on a fresh one', async () => {
  const app = await rawApp((socket) => {
    socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    // Closes idle connections quickly, without saying so in the answer.
    setTimeout(() => socket.end(), 20);
  });
  const proxy = await startProxy(proxyConfig([app.url], (c) => (c.healthCheck.intervalMs = 60_000)));
  try {
    for (let i = 0; i < 5; i++) {
      assert.equal((await request(proxy.url, { path: `/get/${i}` })).status, 200);
      await sleep(100);
      const post = await request(proxy.url, { path: `/post/${i}`, method: 'POST', body: 'once' });
      assert.equal(post.status, 200, `POST ${i}`);
      await sleep(100);
    }
  } finally {
    await proxy.stop();
    await app.close();
  }
});
