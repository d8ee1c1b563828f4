import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, test } from 'node:test';
import packet from 'dns-packet';
import { dnsCheck } from '../../src/checks/dns.ts';
import { paramErrors, runCheck } from '../helpers/run-check.ts';

// A small authoritative server for example.test on a loopback UDP port. Special names
// make it misbehave: nx. (NXDOMAIN), servfail., refused., garbage. (not DNS at all),
// truncated. (an answer cut off mid-record), silent. (never answers), slow. (150 ms).
const ZONE: Record<string, packet.Answer[]> = {
  'www.example.test': [
    { type: 'A', name: 'www.example.test', ttl: 60, data: '192.0.2.1' },
    { type: 'A', name: 'www.example.test', ttl: 60, data: '192.0.2.2' },
    { type: 'AAAA', name: 'www.example.test', ttl: 60, data: '2001:db8:0:0::1' },
    { type: 'MX', name: 'www.example.test', ttl: 60, data: { preference: 10, exchange: 'MX1.example.test' } },
    { type: 'MX', name: 'www.example.test', ttl: 60, data: { preference: 20, exchange: 'mx2.example.test' } },
    { type: 'TXT', name: 'www.example.test', ttl: 60, data: ['v=spf1 ip4:192.0.2.0/24 ', '-all'] },
    { type: 'TXT', name: 'www.example.test', ttl: 60, data: 'hello world' },
    { type: 'NS', name: 'www.example.test', ttl: 60, data: 'ns1.example.test' },
    {
      type: 'SOA',
      name: 'www.example.test',
      ttl: 60,
      data: {
        mname: 'ns1.example.test',
        rname: 'hostmaster.example.test',
        serial: 2024010101,
        refresh: 7200,
        retry: 3600,
        expire: 1209600,
        minimum: 300,
      },
    },
  ],
  'alias.example.test': [{ type: 'CNAME', name: 'alias.example.test', ttl: 60, data: 'www.example.test' }],
  '_sip._udp.example.test': [
    {
      type: 'SRV',
      name: '_sip._udp.example.test',
      ttl: 60,
      data: { priority: 10, weight: 5, port: 5060, target: 'sip.example.test' },
    },
  ],
  'slow.example.test': [{ type: 'A', name: 'slow.example.test', ttl: 60, data: '192.0.2.7' }],
  'truncated.example.test': [{ type: 'A', name: 'truncated.example.test', ttl: 60, data: '192.0.2.8' }],
};
const RCODES: Record<string, number> = {
  'servfail.example.test': 2,
  'nx.example.test': 3,
  'refused.example.test': 5,
};

const udp = dgram.createSocket('udp4');
let server = '';
let queriesSeen = 0;

before(async () => {
  udp.on('message', (message, peer) => {
    queriesSeen += 1;
    let query: packet.Packet;
    try {
      query = packet.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    if (name === 'silent.example.test') return;
    if (name === 'garbage.example.test') return reply(Buffer.from('this is not DNS'), peer);
    const rcode = RCODES[name] ?? (ZONE[name] ? 0 : 3);
    const records = ZONE[name] ?? [];
    // Like a real server: the CNAME answers any type; otherwise only records of the asked type.
    const answers = records.filter((r) => r.type === question.type || r.type === 'CNAME');
    if (question.type === 'A' && answers[0]?.type === 'CNAME')
      answers.push(...(ZONE['www.example.test'] ?? []).filter((r) => r.type === 'A'));
    let response = packet.encode({
      type: 'response',
      id: query.id ?? 0,
      flags: packet.AUTHORITATIVE_ANSWER | packet.RECURSION_DESIRED | rcode,
      questions: query.questions ?? [],
      answers,
    });
    if (name === 'truncated.example.test') response = response.subarray(0, response.length - 3);
    if (name === 'slow.example.test') setTimeout(() => reply(response, peer), 150);
    else reply(response, peer);
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  server = `127.0.0.1:${udp.address().port}`;
});
after(() => udp.close());

function reply(bytes: Buffer, peer: dgram.RemoteInfo) {
  udp.send(bytes, peer.port, peer.address);
}

async function dns(params: Record<string, unknown>, timeoutMs = 3_000) {
  return runCheck(dnsCheck, { server, ...params }, { timeoutMs });
}

test('A: answers listed, exact expected set OK, perfdata time in seconds', async () => {
  const outcome = await dns({ name: 'www.example.test', expect: ['192.0.2.2', '192.0.2.1'] });
  assert.equal(outcome.exitCode, 0, outcome.output);
  assert.match(
    outcome.output,
    /^DNS OK - www\.example\.test A returns 192\.0\.2\.1, 192\.0\.2\.2 from 127\.0\.0\.1:\d+ in \d\.\d{3}s$/,
  );
  assert.equal(outcome.perfdata[0]?.label, 'time');
  assert.equal(outcome.perfdata[0]?.unit, 's');
  assert.equal(outcome.longOutput, 'A 192.0.2.1\nA 192.0.2.2');
});

test('exact match fails on a missing or an extra answer; match: contains accepts a subset', async () => {
  const extra = await dns({ name: 'www.example.test', expect: ['192.0.2.1'] });
  assert.equal(extra.exitCode, 2);
  assert.match(
    extra.output,
    /^DNS CRITICAL - www\.example\.test A returns 192\.0\.2\.1, 192\.0\.2\.2 from .*: unexpected 192\.0\.2\.2$/,
  );
  const subset = await dns({ name: 'www.example.test', expect: ['192.0.2.1'], match: 'contains' });
  assert.equal(subset.exitCode, 0, subset.output);
  const missing = await dns({
    name: 'www.example.test',
    expect: ['192.0.2.1', '192.0.2.9'],
    match: 'contains',
  });
  assert.equal(missing.exitCode, 2);
  assert.match(missing.output, /: missing 192\.0\.2\.9$/);
});

test('each record type is normalised to text as documented, and expect may be written loosely', async () => {
  const cases: [string, string, string[], string[]][] = [
    ['AAAA', 'www.example.test', ['2001:db8::1'], ['2001:DB8:0::1']],
    ['CNAME', 'alias.example.test', ['www.example.test.'], ['WWW.example.test']],
    [
      'MX',
      'www.example.test',
      ['10 mx1.example.test.', '20 mx2.example.test.'],
      ['20 mx2.example.test', '10 mx1.example.test.'],
    ],
    [
      'TXT',
      'www.example.test',
      ['v=spf1 ip4:192.0.2.0/24 -all', 'hello world'],
      ['hello world', 'v=spf1 ip4:192.0.2.0/24 -all'],
    ],
    ['NS', 'www.example.test', ['ns1.example.test.'], ['ns1.example.test']],
    ['SRV', '_sip._udp.example.test', ['10 5 5060 sip.example.test.'], ['10 5 5060 sip.example.test']],
    [
      'SOA',
      'www.example.test',
      ['ns1.example.test. hostmaster.example.test. 2024010101 7200 3600 1209600 300'],
      ['ns1.example.test hostmaster.example.test. 2024010101 7200 3600 1209600 300'],
    ],
  ];
  for (const [type, name, reported, expect] of cases) {
    const outcome = await dns({ name, type, expect });
    assert.equal(outcome.exitCode, 0, `${type}: ${outcome.output}`);
    assert.equal(outcome.longOutput, reported.map((r) => `${type} ${r}`).join('\n'), type);
  }
  const txtCase = await dns({
    name: 'www.example.test',
    type: 'TXT',
    expect: ['HELLO WORLD'],
    match: 'contains',
  });
  assert.equal(txtCase.exitCode, 2, 'TXT data is compared case-sensitively');
  const cnameFollowed = await dns({
    name: 'alias.example.test',
    type: 'a',
    expect: ['192.0.2.1', '192.0.2.2'],
  });
  assert.equal(cnameFollowed.exitCode, 0, `an A query follows the CNAME: ${cnameFollowed.output}`);
});

test('NXDOMAIN is CRITICAL, unless expect_nxdomain: then it is OK and an answer is CRITICAL', async () => {
  const nx = await dns({ name: 'nx.example.test' });
  assert.equal(nx.exitCode, 2);
  assert.equal(nx.output, 'DNS CRITICAL - NXDOMAIN: nx.example.test does not exist');
  const wanted = await dns({ name: 'nx.example.test', expect_nxdomain: true });
  assert.equal(wanted.exitCode, 0, wanted.output);
  assert.match(
    wanted.output,
    /^DNS OK - nx\.example\.test does not exist \(NXDOMAIN\) as expected from .* in /,
  );
  const exists = await dns({ name: 'www.example.test', expect_nxdomain: true });
  assert.equal(exists.exitCode, 2);
  assert.match(
    exists.output,
    /www\.example\.test exists \(A 192\.0\.2\.1, 192\.0\.2\.2\) but should not \(expect_nxdomain\)/,
  );
});

test('a name without records of the type is NODATA, CRITICAL', async () => {
  const outcome = await dns({ name: '_sip._udp.example.test', type: 'A' });
  assert.equal(outcome.exitCode, 2);
  assert.equal(outcome.output, 'DNS CRITICAL - NODATA: _sip._udp.example.test exists but has no A records');
});

test('SERVFAIL and REFUSED are CRITICAL with the code and its meaning', async () => {
  const servfail = await dns({ name: 'servfail.example.test' });
  assert.equal(servfail.exitCode, 2);
  assert.match(
    servfail.output,
    /^DNS CRITICAL - SERVFAIL: 127\.0\.0\.1:\d+ failed to answer for servfail\.example\.test A \(server failure\)$/,
  );
  const refused = await dns({ name: 'refused.example.test', type: 'MX' });
  assert.match(
    refused.output,
    /^DNS CRITICAL - REFUSED: 127\.0\.0\.1:\d+ refused to answer for refused\.example\.test MX$/,
  );
});

test('malformed and truncated answers are CRITICAL EBADRESP', async () => {
  for (const name of ['garbage.example.test', 'truncated.example.test']) {
    const outcome = await dns({ name });
    assert.equal(outcome.exitCode, 2);
    assert.match(
      outcome.output,
      new RegExp(
        `^DNS CRITICAL - EBADRESP: malformed answer from 127\\.0\\.0\\.1:\\d+ for ${name.replaceAll('.', '\\.')} A$`,
      ),
    );
  }
});

test('a server that never answers: CRITICAL at the check timeout, after retrying', async () => {
  const before = queriesSeen;
  const outcome = await dns({ name: 'silent.example.test' }, 800);
  assert.equal(outcome.exitCode, 2);
  assert.match(
    outcome.output,
    /^DNS CRITICAL - timeout: no answer to silent\.example\.test A from 127\.0\.0\.1:\d+ within 0\.8s$/,
  );
  assert.ok(outcome.elapsedMs > 650 && outcome.elapsedMs < 950, `took ${outcome.elapsedMs} ms`);
  assert.ok(queriesSeen - before >= 2, 'the query was retried within the timeout');
});

test('response time thresholds: a slow answer is WARNING with the range in perfdata', async () => {
  const outcome = await dns({ name: 'slow.example.test', warn: 0.1, crit: 1 });
  assert.equal(outcome.exitCode, 1, outcome.output);
  assert.match(
    outcome.output,
    /^DNS WARNING - slow\.example\.test A returns 192\.0\.2\.7 from .* in 0\.1\d\ds, over 0\.1s$/,
  );
  assert.deepEqual(
    { warn: outcome.perfdata[0]?.warn, crit: outcome.perfdata[0]?.crit },
    { warn: '0.1', crit: '1' },
  );
});

test('nothing listening on the server port: CRITICAL, not a hang', async () => {
  const closed = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => closed.bind(0, '127.0.0.1', resolve));
  const port = closed.address().port;
  await new Promise<void>((resolve) => closed.close(resolve));
  const outcome = await runCheck(
    dnsCheck,
    { name: 'www.example.test', server: `127.0.0.1:${port}` },
    { timeoutMs: 600 },
  );
  assert.equal(outcome.exitCode, 2);
  assert.ok(outcome.elapsedMs < 800, `took ${outcome.elapsedMs} ms`);
  assert.match(outcome.output, /^DNS CRITICAL - (ECONNREFUSED|timeout)/);
});

test('params: clear errors', () => {
  assert.match(
    paramErrors(dnsCheck, { name: 'x', type: 'PTR' }).join(),
    /type must be one of A, AAAA, CNAME, MX, TXT, NS, SRV, SOA/,
  );
  assert.match(
    paramErrors(dnsCheck, { name: 'x', server: 'dns.example:53' }).join(),
    /server "dns\.example:53" is not an IP address or ip:port/,
  );
  assert.deepEqual(paramErrors(dnsCheck, { name: 'x', server: '[::1]:5353' }), []);
  assert.match(
    paramErrors(dnsCheck, { name: 'x', type: 'MX', expect: ['mx.example'] }).join(),
    /expect: expected MX answer "mx\.example" should look like "10 mx\.example\."/,
  );
  assert.match(
    paramErrors(dnsCheck, { name: 'x', expect: ['192.0.2.1'], expect_nxdomain: true }).join(),
    /exclude each other/,
  );
  assert.match(
    paramErrors(dnsCheck, { name: 'x', expect: ['not-an-ip'] }).join(),
    /should look like "192\.0\.2\.1"/,
  );
});
