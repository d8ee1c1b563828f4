import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, test } from 'node:test';
import { parsePingSummary, pingCheck } from '../../src/checks/ping.ts';
import { createTestNamespace, namespacesUnavailable, type TestNamespace } from '../helpers/netns.ts';
import { paramErrors, perfDatum, runCheck } from '../helpers/run-check.ts';

const namespaces: TestNamespace[] = [];
after(() => {
  for (const ns of namespaces) ns.remove();
});

test('127.0.0.1 answers: OK with rta, pl, rtmin, rtmax perfdata in ms and %', async () => {
  const outcome = await runCheck(pingCheck, {}, { address: '127.0.0.1', timeoutMs: 5_000 });
  assert.equal(outcome.exitCode, 0, outcome.output);
  assert.match(outcome.output, /^PING OK - 127\.0\.0\.1 rta \d+\.\d{3}ms, loss 0% \(5 sent, 5 received\)$/);
  assert.deepEqual(
    outcome.perfdata.map((d) => `${d.label}:${d.unit}:${d.warn ?? ''}:${d.crit ?? ''}`),
    ['rta:ms:100:500', 'pl:%:20:60', 'rtmin:ms::', 'rtmax:ms::'],
  );
  const rta = perfDatum(outcome, 'rta')?.value ?? -1;
  assert.ok(rta > 0 && rta < 100, `loopback rta ${rta} ms`);
  // Five packets 0.2 s apart: about 0.8 s, well inside the timeout.
  assert.ok(outcome.elapsedMs >= 750 && outcome.elapsedMs < 2_000, `took ${outcome.elapsedMs} ms`);
});

test('::1 answers over IPv6, chosen from the address', async (t) => {
  const addresses = execFileSync('ip', ['-6', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8' });
  if (!addresses.includes('::1/128')) {
    t.skip('this machine has no IPv6 loopback (::1 not on lo): IPv6 ping not tested');
    return;
  }
  const outcome = await runCheck(pingCheck, { count: 2 }, { address: '::1', timeoutMs: 5_000 });
  assert.equal(outcome.exitCode, 0, outcome.output);
  assert.match(outcome.output, /^PING OK - ::1 rta /);
  assert.match(outcome.longOutput, /PING ::1/);
});

test('an rta threshold turns a healthy answer into WARNING / CRITICAL', async () => {
  const warn = await runCheck(pingCheck, { count: 2, warn: { rta_ms: '~:0' } }, { timeoutMs: 5_000 });
  assert.equal(warn.exitCode, 1, warn.output);
  assert.equal(perfDatum(warn, 'rta') && warn.perfdata[0]?.warn, '~:0');
  const crit = await runCheck(pingCheck, { count: 2, crit: { rta_ms: '~:0' } }, { timeoutMs: 5_000 });
  assert.equal(crit.exitCode, 2, crit.output);
});

test('a peer that does not answer: CRITICAL "no reply", inside the check timeout', async (t) => {
  const why = namespacesUnavailable();
  if (why) {
    t.skip(why);
    return;
  }
  const ns = createTestNamespace();
  namespaces.push(ns);
  const reachable = await runCheck(
    pingCheck,
    { count: 2 },
    { address: ns.namespaceAddress, timeoutMs: 5_000 },
  );
  assert.equal(reachable.exitCode, 0, `the namespace answers before its address goes: ${reachable.output}`);

  // The veth stays up, so packets still go out; nobody owns the address any more.
  ns.exec(['ip', 'addr', 'del', `${ns.namespaceAddress}/30`, 'dev', ns.namespaceInterface]);
  const outcome = await runCheck(pingCheck, { count: 3 }, { address: ns.namespaceAddress, timeoutMs: 3_000 });
  assert.equal(outcome.exitCode, 2, outcome.output);
  assert.match(
    outcome.output,
    new RegExp(
      `^PING CRITICAL - no reply from ${ns.namespaceAddress.replaceAll('.', '\\.')} \\(\\d+ sent, 0 received, 100% loss\\)`,
    ),
  );
  assert.equal(perfDatum(outcome, 'pl')?.value, 100);
  assert.ok(Number.isNaN(perfDatum(outcome, 'rta')?.value), 'rta is unknown (U) without replies');
  // -w 2: ping gives up by itself, before the 3 s timeout would kill it.
  assert.ok(outcome.elapsedMs >= 1_900 && outcome.elapsedMs < 2_900, `took ${outcome.elapsedMs} ms`);

  const long = await runCheck(
    pingCheck,
    { count: 50, interval: 1 },
    { address: ns.namespaceAddress, timeoutMs: 2_000 },
  );
  assert.match(long.output, /^PING CRITICAL - no reply/, 'a deadline longer than the timeout is cut to fit');
  assert.ok(long.elapsedMs < 1_900, `took ${long.elapsedMs} ms`);
});

test('a timeout too short for ping is UNKNOWN, saying so', async () => {
  const outcome = await runCheck(pingCheck, {}, { timeoutMs: 1_000 });
  assert.equal(outcome.exitCode, 3);
  assert.equal(outcome.output, 'PING UNKNOWN - timeout 1s is too short for ping: give it at least 1.5s');
});

test('ping errors without a summary are CRITICAL with ping’s message', async () => {
  const outcome = await runCheck(
    pingCheck,
    { ipv6: true, count: 1 },
    { address: '127.0.0.1', timeoutMs: 3_000 },
  );
  assert.equal(outcome.exitCode, 2);
  assert.match(outcome.output, /^PING CRITICAL - .*127\.0\.0\.1: Address family for hostname not supported$/);
});

test('summary parsing: iputils with errors and duplicates, BusyBox, decimal commas', () => {
  assert.deepEqual(
    parsePingSummary(
      'From 10.0.0.1 icmp_seq=1 Destination Host Unreachable\nFrom 10.0.0.1 icmp_seq=2 Destination Host Unreachable\n' +
        '--- 10.0.0.2 ping statistics ---\n6 packets transmitted, 0 received, +6 errors, 100% packet loss, time 5087ms\n',
    ),
    { transmitted: 6, received: 0, lossPct: 100, errors: ['Destination Host Unreachable'] },
  );
  assert.deepEqual(
    parsePingSummary(
      '6 packets transmitted, 5 received, +1 duplicates, 16.6667% packet loss, time 1003ms\n' +
        'rtt min/avg/max/mdev = 0.041/0.118/0.265/0.103 ms, pipe 2\n',
    ),
    {
      transmitted: 6,
      received: 5,
      lossPct: 16.6667,
      errors: [],
      rtt: { min: 0.041, avg: 0.118, max: 0.265 },
    },
  );
  assert.deepEqual(
    parsePingSummary(
      '3 packets transmitted, 3 packets received, 0% packet loss\nround-trip min/avg/max = 0.1/0.2/0.3 ms\n',
    ),
    { transmitted: 3, received: 3, lossPct: 0, errors: [], rtt: { min: 0.1, avg: 0.2, max: 0.3 } },
  );
  assert.equal(
    parsePingSummary(
      'rtt min/avg/max/mdev = 0,041/0,118/0,265/0,103 ms\n3 packets transmitted, 3 received, 0% packet loss',
    )?.rtt?.avg,
    0.118,
  );
  assert.equal(parsePingSummary('ping: connect: Network is unreachable\n'), undefined);
});

test('params: interval below 0.2 s, unknown limits and option-like hosts are refused', () => {
  assert.match(
    paramErrors(pingCheck, { interval: 0.1 }).join(),
    /at least 0\.2s: ping refuses shorter intervals without root/,
  );
  assert.match(paramErrors(pingCheck, { warn: { rta: 100 } }).join(), /warn/);
  assert.match(paramErrors(pingCheck, { host: '-f' }).join(), /not starting with "-"/);
  assert.match(
    paramErrors(pingCheck, { crit: { loss_pct: 'lots' } }).join(),
    /crit\.loss_pct: threshold "lots"/,
  );
});
