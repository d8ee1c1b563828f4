import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import type { CheckOutcome } from '../../src/checks/check.ts';
import { tlsCheck } from '../../src/checks/tls.ts';
import { paramErrors, runCheck } from '../helpers/run-check.ts';
import { makeTestCertificates, type PemPair, type TestCertificates } from '../helpers/tls-certificates.ts';

const closers: (() => Promise<void>)[] = [];
let certs: TestCertificates;

before(async () => {
  certs = await makeTestCertificates();
});

after(async () => {
  for (const close of closers.reverse()) await close();
  await certs?.cleanup();
});

async function listen(server: net.Server): Promise<{ port: number; open(): number }> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as net.AddressInfo).port, open: () => sockets.size };
}

const serveCert = (pair: PemPair) =>
  listen(
    tls.createServer({ cert: pair.cert, key: pair.key }, (socket) => {
      socket.on('error', () => {});
      socket.end();
    }),
  );

function perf(outcome: CheckOutcome, label: string) {
  const datum = outcome.perfdata.find((d) => d.label === label);
  assert.ok(datum, `perfdata ${label} missing in ${JSON.stringify(outcome.perfdata)}`);
  return datum;
}

describe('tls check', () => {
  it('is OK for a valid chain and name, with protocol, cipher, days and certificate details', async () => {
    const { port, open } = await serveCert(certs.valid);
    const result = await runCheck(tlsCheck, { port, ca: certs.caPath });
    assert.equal(result.exitCode, 0, result.output);
    assert.match(
      result.output,
      new RegExp(
        `^TLS OK - certificate for 127\\.0\\.0\\.1 expires in 36[45] days \\(\\d{4}-\\d\\d-\\d\\d\\) - 127\\.0\\.0\\.1:${port} TLSv1\\.3 TLS_\\w+ in \\d\\.\\d{3} s$`,
      ),
    );
    assert.match(result.longOutput, /^chain: verified$/m);
    assert.match(result.longOutput, /^hostname 127\.0\.0\.1: matches$/m);
    assert.match(result.longOutput, /^subject: CN=localhost$/m);
    assert.match(result.longOutput, /^issuer: CN=Vigil Test CA$/m);
    assert.match(result.longOutput, /^serial: [0-9A-F]+$/m);
    assert.match(result.longOutput, /^not after: \d{4}-\d\d-\d\dT/m);
    const days = perf(result, 'days');
    assert.ok(days.value > 364 && days.value < 366);
    assert.equal(days.warn, '30:');
    assert.equal(days.crit, '7:');
    assert.equal(perf(result, 'time').unit, 's');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(open(), 0, 'the check closes its connection');
  });

  it('sends SNI and matches the certificate against servername', async () => {
    let sni: string | undefined;
    const context = tls.createSecureContext({ cert: certs.valid.cert, key: certs.valid.key });
    const server = tls.createServer(
      {
        cert: certs.valid.cert,
        key: certs.valid.key,
        SNICallback: (name, callback) => {
          sni = name;
          callback(null, context);
        },
      },
      (socket) => socket.end(),
    );
    const { port } = await listen(server);
    const result = await runCheck(tlsCheck, { port, servername: 'localhost', ca: certs.caPath });
    assert.equal(result.exitCode, 0, result.output);
    assert.equal(sni, 'localhost');
    assert.match(result.output, /certificate for localhost expires/);
  });

  it('is CRITICAL for an expired certificate, naming the reason', async () => {
    const { port } = await serveCert(certs.expired);
    const result = await runCheck(tlsCheck, { port, ca: certs.caPath });
    assert.equal(result.exitCode, 2);
    assert.match(
      result.output,
      /^TLS CRITICAL - certificate has expired \(CERT_HAS_EXPIRED\) - 127\.0\.0\.1:\d+ TLSv1\.3/,
    );
    assert.match(result.longOutput, /^not after: \S+, expired 30 days ago$/m);
    assert.ok(perf(result, 'days').value < -29);
  });

  it('is CRITICAL for a certificate naming another host', async () => {
    const { port } = await serveCert(certs.wrongHost);
    const result = await runCheck(tlsCheck, { port, ca: certs.caPath });
    assert.equal(result.exitCode, 2);
    assert.match(result.output, /^TLS CRITICAL - .*127\.0\.0\.1.*\(ERR_TLS_CERT_ALTNAME_INVALID\) - /);
    assert.match(result.longOutput, /^chain: verified$/m);
    assert.match(result.longOutput, /^hostname 127\.0\.0\.1: does not match/m);
    // The same certificate is fine for the name it was issued to.
    const named = await runCheck(tlsCheck, { port, servername: 'wrong.example', ca: certs.caPath });
    assert.equal(named.exitCode, 0, named.output);
  });

  it('is CRITICAL for a self-signed certificate and for an untrusted CA', async () => {
    const self = await serveCert(certs.selfSigned);
    const a = await runCheck(tlsCheck, { port: self.port, ca: certs.caPath });
    assert.equal(a.exitCode, 2);
    assert.match(a.output, /^TLS CRITICAL - self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\) - /);
    const valid = await serveCert(certs.valid);
    const b = await runCheck(tlsCheck, { port: valid.port });
    assert.equal(b.exitCode, 2);
    assert.match(b.output, /\((UNABLE_TO_GET_ISSUER_CERT_LOCALLY|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)/);
  });

  it('warns and alerts on days to expiry', async () => {
    const { port } = await serveCert(certs.expiresSoon);
    const defaults = await runCheck(tlsCheck, { port, ca: certs.caPath });
    assert.equal(defaults.exitCode, 2, 'under the default crit_days of 7');
    assert.match(defaults.output, /^TLS CRITICAL - certificate expires in 4 days \(/);
    const warn = await runCheck(tlsCheck, { port, ca: certs.caPath, crit_days: 3 });
    assert.equal(warn.exitCode, 1);
    assert.equal(perf(warn, 'days').crit, '3:');
    const ok = await runCheck(tlsCheck, { port, ca: certs.caPath, warn_days: 2, crit_days: 1 });
    assert.equal(ok.exitCode, 0);
  });

  it('judges the handshake time against warn/crit ranges', async () => {
    const { port } = await serveCert(certs.valid);
    const result = await runCheck(tlsCheck, { port, ca: certs.caPath, warn: '@0:10' });
    assert.equal(result.exitCode, 1);
    assert.match(result.output, /handshake took \d\.\d{3} s \(warn @0:10\)/);
    assert.equal(perf(result, 'time').warn, '@0:10');
  });

  it('is CRITICAL when the port refuses, or speaks no TLS', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const refused = await runCheck(tlsCheck, { port });
    assert.equal(refused.exitCode, 2);
    assert.equal(refused.output, `TLS CRITICAL - connection to 127.0.0.1:${port} failed: ECONNREFUSED`);

    const plain = await listen(
      net.createServer((socket) => {
        socket.on('error', () => {});
        socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      }),
    );
    const notTls = await runCheck(tlsCheck, { port: plain.port });
    assert.equal(notTls.exitCode, 2);
    assert.match(notTls.output, /^TLS CRITICAL - TLS handshake with 127\.0\.0\.1:\d+ failed: /);
  });

  it('gives up at the timeout when the server never answers the handshake', async () => {
    const silent = await listen(net.createServer((socket) => socket.resume()));
    const result = await runCheck(tlsCheck, { port: silent.port }, { timeoutMs: 400 });
    assert.equal(result.exitCode, 2);
    assert.equal(
      result.output,
      `TLS CRITICAL - no answer from 127.0.0.1:${silent.port} within 0.4s (in the TLS handshake)`,
    );
    assert.ok(result.elapsedMs >= 390 && result.elapsedMs < 800, `took ${result.elapsedMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(silent.open(), 0);
  });

  it('is UNKNOWN when the CA file cannot be read, and validates params', async () => {
    const result = await runCheck(tlsCheck, { port: 1, ca: `${certs.dir}/none.pem` });
    assert.equal(result.exitCode, 3);
    assert.equal(result.output, `TLS UNKNOWN - cannot read ca ${certs.dir}/none.pem: ENOENT`);
    assert.match(
      paramErrors(tlsCheck, { warn_days: 5, crit_days: 10 }).join(),
      /crit_days must not be above warn_days/,
    );
    assert.match(paramErrors(tlsCheck, { port: 0 }).join(), /port/);
    assert.match(paramErrors(tlsCheck, { colour: 'x' }).join(), /colour/);
  });
});
