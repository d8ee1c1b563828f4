import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import { decodeEscapes, tcpCheck } from '../../src/checks/tcp.ts';
import { eventually, tempDir } from '../helpers/model.ts';
import { paramErrors, perfDatum, runCheck } from '../helpers/run-check.ts';

const servers: net.Server[] = [];
const accepted: net.Socket[] = [];
let certDir = '';

after(async () => {
  for (const socket of accepted) socket.destroy();
  for (const server of servers) {
    await new Promise((resolve) => server.close(resolve));
  }
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

/** Starts a loopback server; `onConnection` plays the service. Returns its port. */
async function serve(
  onConnection: (socket: net.Socket) => void,
  options: { host?: string; tls?: tls.TlsOptions } = {},
): Promise<{ port: number; server: net.Server; connections: net.Socket[] }> {
  const connections: net.Socket[] = [];
  const handler = (socket: net.Socket) => {
    connections.push(socket);
    accepted.push(socket);
    socket.on('error', () => {});
    onConnection(socket);
  };
  const server = options.tls ? tls.createServer(options.tls, handler) : net.createServer(handler);
  server.on('tlsClientError', () => {});
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, server, connections };
}

test('a banner matching expect is OK and shows the line that matched', async () => {
  const { port } = await serve((socket) => socket.write('SSH-2.0-OpenSSH_9.2p1 Debian\r\n'));
  const outcome = await runCheck(tcpCheck, { port, expect: 'SSH-2.0' });
  assert.equal(outcome.exitCode, 0, outcome.output);
  assert.match(
    outcome.output,
    /^TCP OK - \d+\.\d{3}s response time on 127\.0\.0\.1:\d+, matched "SSH-2\.0-OpenSSH_9\.2p1 Debian"$/,
  );
  assert.equal(perfDatum(outcome, 'time')?.unit, 's');
  const connect = perfDatum(outcome, 'time_connect');
  assert.ok(
    connect && connect.value <= (perfDatum(outcome, 'time')?.value ?? 0),
    'connect time is part of the total',
  );
});

test('send then expect: the request goes out with \\r\\n escapes decoded and the reply is matched', async () => {
  const { port } = await serve((socket) => {
    let got = '';
    socket.on('data', (chunk) => {
      got += chunk.toString('latin1');
      if (got === 'PING\r\n') socket.write('+PONG\r\n');
      else if (!'PING\r\n'.startsWith(got)) socket.end(`-ERR unexpected ${JSON.stringify(got)}\r\n`);
    });
  });
  const outcome = await runCheck(tcpCheck, { port, send: 'PING\\r\\n', expect: '+PONG' });
  assert.equal(outcome.exitCode, 0, outcome.output);
  assert.match(outcome.output, /matched "\+PONG"$/);
});

test('expect_regex reports the matched text; a reply without a match is CRITICAL naming what came back', async () => {
  const { port } = await serve((socket) => socket.end('220 mail.example.test ESMTP Postfix\r\n'));
  const ok = await runCheck(tcpCheck, { port, expect_regex: 'ESMTP \\w+' });
  assert.equal(ok.exitCode, 0, ok.output);
  assert.match(ok.output, /matched "ESMTP Postfix"$/);

  const bad = await runCheck(tcpCheck, { port, expect_regex: '^SSH-' });
  assert.equal(bad.exitCode, 2);
  assert.match(
    bad.output,
    /^TCP CRITICAL - 127\.0\.0\.1:\d+ closed the connection after 37 bytes without a match for \/\^SSH-\/: "220 mail\.example\.test ESMTP Postfix\\r\\n"$/,
  );
});

test('an answer that never contains the expected text stops at max_read', async () => {
  const { port } = await serve((socket) => socket.write('x'.repeat(5000)));
  const outcome = await runCheck(tcpCheck, { port, expect: 'READY', max_read: 1024 });
  assert.equal(outcome.exitCode, 2);
  assert.match(outcome.output, /"READY" not found in the first 1024 bytes from 127\.0\.0\.1:\d+$/);
  assert.ok(outcome.elapsedMs < 2_000);
});

test('connection refused is CRITICAL with ECONNREFUSED', async () => {
  const { port, server } = await serve(() => {});
  await new Promise((resolve) => server.close(resolve));
  const outcome = await runCheck(tcpCheck, { port });
  assert.equal(outcome.exitCode, 2);
  assert.equal(outcome.output, `TCP CRITICAL - connection refused by 127.0.0.1:${port} (ECONNREFUSED)`);
});

test('a reset while waiting for the answer is CRITICAL with ECONNRESET', async () => {
  const { port } = await serve((socket) => setTimeout(() => socket.resetAndDestroy(), 20));
  const outcome = await runCheck(tcpCheck, { port, expect: 'hello' });
  assert.equal(outcome.exitCode, 2);
  assert.equal(outcome.output, `TCP CRITICAL - connection reset by 127.0.0.1:${port} (ECONNRESET)`);
});

test('a silent server times out at the check timeout and the connection is closed', async () => {
  const { port, connections } = await serve(() => {});
  const outcome = await runCheck(tcpCheck, { port, expect: 'hello' }, { timeoutMs: 500 });
  assert.equal(outcome.exitCode, 2);
  assert.equal(
    outcome.output,
    `TCP CRITICAL - "hello" not seen from 127.0.0.1:${port} within 0.5s (nothing received)`,
  );
  assert.ok(outcome.elapsedMs >= 490 && outcome.elapsedMs < 650, `took ${outcome.elapsedMs} ms`);
  assert.ok(
    await eventually(() => connections.every((socket) => socket.closed || socket.readableEnded), 1_000),
    'the check closed its socket',
  );
});

test('response time thresholds give WARNING / CRITICAL with the ranges in perfdata', async () => {
  const { port } = await serve((socket) => setTimeout(() => socket.write('ready\n'), 120));
  const warn = await runCheck(tcpCheck, { port, expect: 'ready', warn: 0.1, crit: '5' });
  assert.equal(warn.exitCode, 1, warn.output);
  assert.match(warn.output, /^TCP WARNING - 0\.1\d\ds response time on 127\.0\.0\.1:\d+ \(threshold 0\.1s\)/);
  assert.deepEqual(
    { warn: perfDatum(warn, 'time') && warn.perfdata[0]?.warn, crit: warn.perfdata[0]?.crit },
    { warn: '0.1', crit: '5' },
  );
  const crit = await runCheck(tcpCheck, { port, expect: 'ready', warn: 0.01, crit: '0.05' });
  assert.equal(crit.exitCode, 2, crit.output);
  const fast = await runCheck(tcpCheck, { port, warn: 1, crit: 2 });
  assert.equal(fast.exitCode, 0, 'connect-only checks do not wait for the banner');
});

test('IPv6 loopback works, with the address in brackets', async (t) => {
  let served: Awaited<ReturnType<typeof serve>>;
  try {
    served = await serve((socket) => socket.write('hi\n'), { host: '::1' });
  } catch (error) {
    t.skip(`no IPv6 loopback on this machine: ${(error as Error).message}`);
    return;
  }
  const outcome = await runCheck(tcpCheck, { port: served.port, expect: 'hi' }, { address: '::1' });
  assert.equal(outcome.exitCode, 0, outcome.output);
  assert.match(outcome.output, /on \[::1\]:\d+/);
});

before(async () => {
  certDir = await tempDir('vigil-tcp-tls-');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      path.join(certDir, 'key.pem'),
      '-out',
      path.join(certDir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
});

test('TLS: handshake, then expect over the encrypted stream; time_tls reported', async () => {
  const key = readFileSync(path.join(certDir, 'key.pem'));
  const cert = readFileSync(path.join(certDir, 'cert.pem'));
  const { port } = await serve((socket) => socket.write('* OK IMAP4rev1 ready\r\n'), { tls: { key, cert } });

  const ok = await runCheck(tcpCheck, {
    port,
    tls: true,
    insecure: true,
    servername: 'localhost',
    expect: '* OK',
  });
  assert.equal(ok.exitCode, 0, ok.output);
  assert.match(ok.longOutput, /certificate subject: CN=localhost/);
  assert.ok(perfDatum(ok, 'time_tls'), 'TLS handshake time is reported');

  const unverified = await runCheck(tcpCheck, { port, tls: true, servername: 'localhost', expect: '* OK' });
  assert.equal(unverified.exitCode, 2);
  assert.match(
    unverified.output,
    /^TCP CRITICAL - 127\.0\.0\.1:\d+: TLS error: self[- ]signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/,
  );
});

test('TLS against a plain-text server fails with the TLS error text', async () => {
  const { port } = await serve((socket) => socket.write('SSH-2.0-OpenSSH\r\n'));
  const outcome = await runCheck(tcpCheck, { port, tls: true, insecure: true }, { timeoutMs: 2_000 });
  assert.equal(outcome.exitCode, 2);
  assert.match(outcome.output, /TLS error: .*(wrong version number|packet length too long|unexpected eof)/i);
});

test('params: clear errors for conflicting or invalid settings', () => {
  assert.deepEqual(paramErrors(tcpCheck, { port: 22, expect: 'a', expect_regex: 'b' }), [
    ': give either expect or expect_regex, not both',
  ]);
  assert.match(
    paramErrors(tcpCheck, { port: 22, expect_regex: '(' }).join(),
    /expect_regex is not a valid regular expression/,
  );
  assert.match(paramErrors(tcpCheck, { port: 22, insecure: true }).join(), /only apply with tls: true/);
  assert.match(paramErrors(tcpCheck, { port: 70000 }).join(), /port/);
  assert.match(paramErrors(tcpCheck, { port: 22, warn: 'fast' }).join(), /warn: threshold "fast"/);
});

test('send escapes: \\r \\n \\t \\\\ and \\xHH become bytes; unknown escapes stay as written', () => {
  assert.deepEqual(decodeEscapes('QUIT\\r\\n'), Buffer.from('QUIT\r\n'));
  assert.deepEqual(decodeEscapes('a\\tb\\\\n\\x00\\xff'), Buffer.from([0x61, 9, 0x62, 0x5c, 0x6e, 0, 0xff]));
  assert.deepEqual(decodeEscapes('\\q é'), Buffer.from('\\q é', 'utf8'));
});
