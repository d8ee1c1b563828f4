import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TLSSocket } from 'node:tls';
import type { CheckOutcome } from '../../src/checks/check.ts';
import { evaluateJsonPath, parseJsonPath } from '../../src/checks/http/json-path.ts';
import { httpCheck } from '../../src/checks/http.ts';
import { paramErrors, runCheck } from '../helpers/run-check.ts';
import { makeTestCertificates, type TestCertificates } from '../helpers/tls-certificates.ts';

const closers: (() => Promise<void>)[] = [];
let certs: TestCertificates;

before(async () => {
  certs = await makeTestCertificates();
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await certs?.cleanup();
});

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface TestServer {
  port: number;
  server: net.Server;
  /** Connections currently open on the server side. */
  open(): number;
}

async function listen(server: net.Server, host = '127.0.0.1'): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {});
  server.on('clientError', (_error, socket: net.Socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as net.AddressInfo).port, server, open: () => sockets.size };
}

const serveHttp = (handler: Handler, host?: string) => listen(http.createServer(handler), host);
const serveHttps = (options: https.ServerOptions, handler: Handler) =>
  listen(https.createServer(options, handler));

function perf(outcome: CheckOutcome, label: string) {
  const datum = outcome.perfdata.find((d) => d.label === label);
  assert.ok(datum, `perfdata ${label} missing in ${JSON.stringify(outcome.perfdata)}`);
  return datum;
}

async function eventually(condition: () => boolean, what: string, ms = 1000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('http check: status and body', () => {
  let port: number;
  let server: TestServer;
  before(async () => {
    server = await serveHttp((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/ok') return res.end('all systems nominal');
      if (url.pathname === '/status') {
        res.statusCode = Number(url.searchParams.get('code'));
        return res.end('status body');
      }
      if (url.pathname === '/json') {
        res.setHeader('content-type', 'application/json');
        return res.end(
          JSON.stringify({ db: { ok: true, lag: 3 }, items: [{ name: 'a' }], 'content-type': 'x' }),
        );
      }
      if (url.pathname === '/echo') {
        let body = '';
        req.on('data', (chunk) => {
          body += chunk;
        });
        req.on('end', () => res.end(`${req.method} ${body} ${req.headers['x-probe'] ?? ''}`));
        return;
      }
      res.statusCode = 404;
      res.end();
    });
    port = server.port;
  });

  it('reports OK with status, size and time in the plugin style, and full perfdata', async () => {
    const result = await runCheck(httpCheck, { port, path: '/ok' });
    assert.equal(result.exitCode, 0, result.output);
    assert.match(result.output, /^HTTP OK - 200 OK - 19 bytes in \d+\.\d{3} s$/);
    for (const label of ['time', 'time_dns', 'time_connect', 'time_tls', 'time_firstbyte'])
      assert.equal(perf(result, label).unit, 's');
    assert.deepEqual(perf(result, 'size'), { label: 'size', value: 19, unit: 'B', min: 0 });
    assert.ok(perf(result, 'time_connect').value > 0);
    assert.equal(perf(result, 'time_tls').value, 0);
    assert.equal(
      result.perfdata.find((d) => d.label === 'cert_days'),
      undefined,
    );
    assert.match(result.longOutput, /URL: http:\/\/127\.0\.0\.1:\d+\/ok/);
  });

  it('closes its connection after the run (no keep-alive reuse across checks)', async () => {
    await runCheck(httpCheck, { url: `http://127.0.0.1:${port}/ok` });
    await eventually(() => server.open() === 0, 'server sees the connection closed');
    const second = await runCheck(httpCheck, { url: `http://127.0.0.1:${port}/ok` });
    assert.ok(perf(second, 'time_connect').value > 0, 'every run makes a real connect');
  });

  it('accepts any 2xx/3xx by default and exactly expect_status when given', async () => {
    assert.equal((await runCheck(httpCheck, { port, path: '/status?code=204' })).exitCode, 0);
    assert.equal((await runCheck(httpCheck, { port, path: '/status?code=302' })).exitCode, 0);
    const notFound = await runCheck(httpCheck, { port, path: '/status?code=404' });
    assert.equal(notFound.exitCode, 2);
    assert.match(
      notFound.output,
      /^HTTP CRITICAL - 404 Not Found - .* - unexpected status 404 \(expected 2xx or 3xx\)$/,
    );
    assert.equal(
      (await runCheck(httpCheck, { port, path: '/status?code=404', expect_status: [404] })).exitCode,
      0,
    );
    const wrong = await runCheck(httpCheck, { port, path: '/ok', expect_status: [201, 202] });
    assert.equal(wrong.exitCode, 2);
    assert.match(wrong.output, /unexpected status 200 \(expected 201, 202\)/);
  });

  it('matches the body by substring and regex', async () => {
    assert.equal((await runCheck(httpCheck, { port, path: '/ok', expect_body: 'nominal' })).exitCode, 0);
    const missing = await runCheck(httpCheck, { port, path: '/ok', expect_body: 'degraded' });
    assert.equal(missing.exitCode, 2);
    assert.match(missing.output, /body does not contain "degraded"$/);
    assert.equal(
      (await runCheck(httpCheck, { port, path: '/ok', expect_regex: '^all \\w+ nominal$' })).exitCode,
      0,
    );
    const noMatch = await runCheck(httpCheck, { port, path: '/ok', expect_regex: '^down' });
    assert.equal(noMatch.exitCode, 2);
    assert.match(noMatch.output, /body does not match \/\^down\//);
  });

  it('checks a JSON value picked by path', async () => {
    const json = (expect_json: Record<string, unknown>) =>
      runCheck(httpCheck, { port, path: '/json', expect_json });
    assert.equal((await json({ path: '$.db.ok', equals: true })).exitCode, 0);
    assert.equal((await json({ path: '$.items[0].name', equals: 'a' })).exitCode, 0);
    assert.equal((await json({ path: '$["content-type"]', equals: 'x' })).exitCode, 0);
    assert.equal((await json({ path: '$.db', equals: { ok: true, lag: 3 } })).exitCode, 0);
    assert.equal((await json({ path: '$.db.lag' })).exitCode, 0, 'without equals the path must only exist');
    const differs = await json({ path: '$.db.lag', equals: 0 });
    assert.equal(differs.exitCode, 2);
    assert.match(differs.output, /\$\.db\.lag is 3, expected 0$/);
    const absent = await json({ path: '$.items[3].name' });
    assert.match(absent.output, /\$\.items\[3\]\.name not found: \$\.items has 1 items, no index 3$/);
    const notJson = await runCheck(httpCheck, { port, path: '/ok', expect_json: { path: '$.a' } });
    assert.equal(notJson.exitCode, 2);
    assert.match(notJson.output, /body is not JSON/);
  });

  it('sends the method, body and headers given', async () => {
    const result = await runCheck(httpCheck, {
      port,
      path: '/echo',
      method: 'post',
      body: 'payload',
      headers: { 'X-Probe': 'vigil' },
      expect_body: 'POST payload vigil',
    });
    assert.equal(result.exitCode, 0, result.output);
  });

  it('rejects bad params with clear messages', () => {
    assert.match(
      paramErrors(httpCheck, { url: 'http://a/', port: 80 }).join(),
      /either url, or path\/port\/tls/,
    );
    assert.match(
      paramErrors(httpCheck, { basic: { user: 'a', password: 'b' }, bearer: 't' }).join(),
      /basic or bearer/,
    );
    assert.match(
      paramErrors(httpCheck, { expect_regex: '(' }).join(),
      /expect_regex is not a valid regular expression/,
    );
    assert.match(paramErrors(httpCheck, { expect_json: { path: 'a.b' } }).join(), /must start with "\$"/);
    assert.match(paramErrors(httpCheck, { url: 'ftp://a/' }).join(), /http:\/\/ or https:\/\//);
    assert.match(paramErrors(httpCheck, { follow_redirects: 100 }).join(), /at most 20/);
    assert.match(paramErrors(httpCheck, { path: 'x' }).join(), /must start with "\/"/);
    assert.match(paramErrors(httpCheck, { warn: 'abc' }).join(), /not a number or range/);
    assert.deepEqual(paramErrors(httpCheck, {}), []);
  });
});

describe('JSON path subset', () => {
  it('parses keys, indexes and quoted keys, and refuses the rest', () => {
    const path = parseJsonPath(`$.a[2]["b c"]['d\\'e'].f-g`);
    assert.notEqual(typeof path, 'string');
    assert.deepEqual((path as { steps: unknown }).steps, [
      { key: 'a' },
      { index: 2 },
      { key: 'b c' },
      { key: "d'e" },
      { key: 'f-g' },
    ]);
    for (const bad of ['a', '$.', '$[', '$["a"', '$[*]', '$..a', '$[-1]'])
      assert.equal(typeof parseJsonPath(bad), 'string', bad);
    const root = parseJsonPath('$');
    assert.deepEqual(evaluateJsonPath([1], root as Exclude<typeof root, string>), {
      found: true,
      value: [1],
    });
  });
});

describe('http check: redirects', () => {
  let port: number;
  before(async () => {
    ({ port } = await serveHttp((req, res) => {
      const hops: Record<string, string> = {
        '/r1': '/r2',
        '/r2': '/final',
        '/loop-a': '/loop-b',
        '/loop-b': '/loop-a',
      };
      const next = hops[req.url ?? ''];
      if (next) {
        res.writeHead(302, { location: next });
        return res.end();
      }
      res.end(`arrived at ${req.url}`);
    }));
  });

  it('does not follow by default: the 3xx itself is the answer', async () => {
    const result = await runCheck(httpCheck, { port, path: '/r1', expect_body: 'arrived' });
    assert.match(result.output, /^HTTP CRITICAL - 302 Found/);
  });

  it('follows up to follow_redirects hops', async () => {
    const result = await runCheck(httpCheck, {
      port,
      path: '/r1',
      follow_redirects: 2,
      expect_body: 'arrived at /final',
    });
    assert.equal(result.exitCode, 0, result.output);
    assert.match(result.longOutput, /redirects: .*\/r1 \(302\) -> .*\/r2 \(302\) -> .*\/final \(200\)/);
  });

  it('is CRITICAL when more redirects come than allowed', async () => {
    const result = await runCheck(httpCheck, { port, path: '/r1', follow_redirects: 1 });
    assert.equal(result.exitCode, 2);
    assert.match(result.output, /more than 1 redirects/);
  });

  it('is CRITICAL on a redirect loop', async () => {
    const result = await runCheck(httpCheck, { port, path: '/loop-a', follow_redirects: 10 });
    assert.equal(result.exitCode, 2);
    assert.match(
      result.output,
      /^HTTP CRITICAL - redirect loop: http:\/\/\S+\/loop-a -> \S+\/loop-b -> \S+\/loop-a$/,
    );
  });
});

describe('http check: misbehaving servers', () => {
  it('stops reading an endless body at max_body without calling it an error', async () => {
    let serverSawClose = false;
    const { port } = await serveHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = () => {
        while (res.write(chunk)) {
          /* fill the buffer */
        }
      };
      res.on('drain', pump);
      res.on('close', () => {
        serverSawClose = true;
      });
      pump();
    });
    const result = await runCheck(httpCheck, { port, max_body: 100_000 });
    assert.equal(result.exitCode, 0, result.output);
    assert.match(result.output, /^HTTP OK - 200 OK - 100000 bytes \(stopped at max_body\) in /);
    assert.equal(perf(result, 'size').value, 100_000);
    await eventually(() => serverSawClose, 'the server sees the response aborted');

    const needsMore = await runCheck(httpCheck, { port, max_body: 50_000, expect_body: 'the end' });
    assert.equal(needsMore.exitCode, 2);
    assert.match(
      needsMore.output,
      /body does not contain "the end" in the first 50000 bytes \(body longer than max_body\)/,
    );
    const json = await runCheck(httpCheck, { port, max_body: 50_000, expect_json: { path: '$.a' } });
    assert.match(json.output, /body is longer than max_body \(50000 bytes\), cannot check \$\.a/);
  });

  it('reads a body of exactly max_body bytes as complete', async () => {
    const { port } = await serveHttp((_req, res) => res.end('{"a":1}'));
    const result = await runCheck(httpCheck, { port, max_body: 7, expect_json: { path: '$.a', equals: 1 } });
    assert.equal(result.exitCode, 0, result.output);
  });

  it('is CRITICAL when the connection is reset mid-response', async () => {
    const { port } = await serveHttp((req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(Buffer.alloc(100, 'y'), () => setTimeout(() => req.socket.resetAndDestroy(), 20));
    });
    const result = await runCheck(httpCheck, { port });
    assert.equal(result.exitCode, 2);
    assert.match(result.output, /^HTTP CRITICAL - connection failed after 100 bytes of the body: /);
  });

  it('is CRITICAL with ECONNREFUSED when nothing listens', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const result = await runCheck(httpCheck, { port });
    assert.equal(result.exitCode, 2);
    assert.equal(result.output, `HTTP CRITICAL - connection to 127.0.0.1:${port} failed: ECONNREFUSED`);
  });

  it('is CRITICAL on garbage instead of HTTP', async () => {
    const garbage = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.end('SSH-2.0-OpenSSH_9.2\r\n');
    });
    const { port } = await listen(garbage);
    const result = await runCheck(httpCheck, { port });
    assert.equal(result.exitCode, 2);
    assert.match(result.output, /^HTTP CRITICAL - invalid HTTP response: /);
  });

  it('gives up at the per-check timeout with a clear message and closes the socket', async () => {
    // Reads the request and never answers.
    const silent = await listen(net.createServer((socket) => socket.resume()));
    const result = await runCheck(httpCheck, { port: silent.port }, { timeoutMs: 500 });
    assert.equal(result.exitCode, 2);
    assert.equal(
      result.output,
      `HTTP CRITICAL - no answer from http://127.0.0.1:${silent.port}/ within 0.5s (waiting for the response headers)`,
    );
    assert.ok(result.elapsedMs >= 490 && result.elapsedMs < 900, `took ${result.elapsedMs} ms`);
    await eventually(() => silent.open() === 0, 'the abandoned connection is closed');
  });

  it('measures the wait for the first byte and judges the response time', async () => {
    const { port } = await serveHttp((_req, res) => {
      setTimeout(() => res.end('slow'), 300);
    });
    const ok = await runCheck(httpCheck, { port });
    assert.equal(ok.exitCode, 0);
    assert.ok(perf(ok, 'time_firstbyte').value >= 0.3, `time_firstbyte ${perf(ok, 'time_firstbyte').value}`);
    assert.ok(perf(ok, 'time_firstbyte').value < 1);
    assert.ok(perf(ok, 'time').value >= perf(ok, 'time_firstbyte').value);
    assert.ok(perf(ok, 'time_connect').value < 0.2, 'the delay is not counted as connect time');

    const warn = await runCheck(httpCheck, { port, warn: 0.2, crit: 2 });
    assert.equal(warn.exitCode, 1, warn.output);
    assert.match(
      warn.output,
      /^HTTP WARNING - 200 OK - 4 bytes in 0\.\d{3} s - response time 0\.\d{3} s outside warn 0\.2$/,
    );
    assert.equal(perf(warn, 'time').warn, '0.2');
    assert.equal(perf(warn, 'time').crit, '2');
    const crit = await runCheck(httpCheck, { port, warn: 0.1, crit: '~:0.25' });
    assert.equal(crit.exitCode, 2);
    assert.match(crit.output, /outside crit ~:0\.25$/);
  });

  it('reaches an IPv6 host address in brackets', async (t) => {
    let server: TestServer;
    try {
      server = await serveHttp((_req, res) => res.end('v6'), '::1');
    } catch {
      t.skip('no ::1 on this machine');
      return;
    }
    const result = await runCheck(httpCheck, { port: server.port, expect_body: 'v6' }, { address: '::1' });
    assert.equal(result.exitCode, 0, result.output);
    assert.match(result.longOutput, /URL: http:\/\/\[::1\]:\d+\//);
  });
});

describe('http check: authentication', () => {
  let port: number;
  before(async () => {
    ({ port } = await serveHttp((req, res) => {
      const expected =
        req.url === '/basic' ? `Basic ${Buffer.from('ops:s3cret').toString('base64')}` : 'Bearer token-123';
      res.statusCode = req.headers.authorization === expected ? 200 : 401;
      res.end();
    }));
  });

  it('sends basic credentials', async () => {
    const good = await runCheck(httpCheck, {
      port,
      path: '/basic',
      basic: { user: 'ops', password: 's3cret' },
    });
    assert.equal(good.exitCode, 0, good.output);
    const bad = await runCheck(httpCheck, { port, path: '/basic', basic: { user: 'ops', password: 'nope' } });
    assert.equal(bad.exitCode, 2);
    assert.match(bad.output, /^HTTP CRITICAL - 401 Unauthorized/);
  });

  it('sends a bearer token', async () => {
    assert.equal((await runCheck(httpCheck, { port, path: '/bearer', bearer: 'token-123' })).exitCode, 0);
    assert.equal((await runCheck(httpCheck, { port, path: '/bearer', bearer: 'other' })).exitCode, 2);
    assert.equal((await runCheck(httpCheck, { port, path: '/bearer' })).exitCode, 2);
  });
});

describe('http check: HTTPS', () => {
  const serveCert = (pair: { cert: Buffer; key: Buffer }) =>
    serveHttps({ cert: pair.cert, key: pair.key }, (_req, res) => res.end('secure'));

  it('verifies against the given CA and reports TLS timing and certificate days', async () => {
    const { port } = await serveCert(certs.valid);
    const result = await runCheck(httpCheck, { url: `https://localhost:${port}/`, ca: certs.caPath });
    assert.equal(result.exitCode, 0, result.output);
    assert.ok(perf(result, 'time_tls').value > 0);
    assert.ok(perf(result, 'time_dns').value > 0, 'localhost is looked up');
    const days = perf(result, 'cert_days').value;
    assert.ok(days > 364 && days < 366, `cert_days ${days}`);
    assert.match(result.longOutput, /certificate verified/);
    assert.match(result.longOutput, /certificate subject: CN=localhost/);
    assert.match(result.longOutput, /certificate issuer: CN=Vigil Test CA/);
    // tls: true against the host address means the same.
    assert.equal((await runCheck(httpCheck, { port, tls: true, ca: certs.caPath })).exitCode, 0);
  });

  it('is CRITICAL when the CA is not trusted', async () => {
    const { port } = await serveCert(certs.valid);
    const result = await runCheck(httpCheck, { port, tls: true });
    assert.equal(result.exitCode, 2);
    assert.match(
      result.output,
      /TLS certificate not accepted: .*\((UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/,
    );
  });

  it('is CRITICAL with the reason for expired, wrong-host and self-signed certificates', async () => {
    const expired = await serveCert(certs.expired);
    const a = await runCheck(httpCheck, { port: expired.port, tls: true, ca: certs.caPath });
    assert.equal(a.exitCode, 2);
    assert.equal(
      a.output,
      'HTTP CRITICAL - TLS certificate not accepted: certificate has expired (CERT_HAS_EXPIRED)',
    );
    assert.match(a.longOutput, /certificate not after: \S+, expired 30 days ago/);

    const wrong = await serveCert(certs.wrongHost);
    const b = await runCheck(httpCheck, { port: wrong.port, tls: true, ca: certs.caPath });
    assert.equal(b.exitCode, 2);
    assert.match(b.output, /TLS certificate not accepted: .*127\.0\.0\.1.*\(ERR_TLS_CERT_ALTNAME_INVALID\)$/);

    const self = await serveCert(certs.selfSigned);
    const c = await runCheck(httpCheck, { port: self.port, tls: true, ca: certs.caPath });
    assert.equal(c.exitCode, 2);
    assert.match(c.output, /self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/);
    const insecure = await runCheck(httpCheck, { port: self.port, tls: true, insecure: true });
    assert.equal(insecure.exitCode, 0, insecure.output);
    assert.match(insecure.longOutput, /certificate not verified: DEPTH_ZERO_SELF_SIGNED_CERT/);
  });

  it('warns and alerts on certificate expiry thresholds', async () => {
    const { port } = await serveCert(certs.expiresSoon);
    const base = { port, tls: true, ca: certs.caPath };
    const ok = await runCheck(httpCheck, base);
    assert.equal(ok.exitCode, 0);
    const warn = await runCheck(httpCheck, { ...base, cert_warn_days: 30, cert_crit_days: 3 });
    assert.equal(warn.exitCode, 1, warn.output);
    assert.match(warn.output, / - certificate expires in 4 days \(\d{4}-\d\d-\d\d\)$/);
    assert.equal(perf(warn, 'cert_days').warn, '30:');
    assert.equal(perf(warn, 'cert_days').crit, '3:');
    const crit = await runCheck(httpCheck, { ...base, cert_warn_days: 30, cert_crit_days: 7 });
    assert.equal(crit.exitCode, 2);
  });

  it('presents a client certificate to a server that requires one', async () => {
    const { port } = await serveHttps(
      {
        cert: certs.valid.cert,
        key: certs.valid.key,
        ca: certs.ca,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => res.end(`hello ${(req.socket as TLSSocket).getPeerCertificate().subject?.CN}`),
    );
    const base = { port, tls: true, ca: certs.caPath };
    const withCert = await runCheck(httpCheck, {
      ...base,
      client_cert: certs.client.certPath,
      client_key: certs.client.keyPath,
      expect_body: 'hello vigil-client',
    });
    assert.equal(withCert.exitCode, 0, withCert.output);
    const without = await runCheck(httpCheck, base);
    assert.equal(without.exitCode, 2);
    assert.match(
      without.output,
      /^HTTP CRITICAL - connection failed before the response headers: tlsv13 alert certificate required \(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED\)$/,
    );
    const unreadable = await runCheck(httpCheck, { ...base, client_cert: `${certs.dir}/missing.pem` });
    assert.equal(unreadable.exitCode, 3);
    assert.equal(
      unreadable.output,
      `HTTP UNKNOWN - cannot read client_cert ${certs.dir}/missing.pem: ENOENT`,
    );
  });
});
