import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadProxyConfig, parseProxyConfig } from '../../src/maintenance/proxy/config.ts';
import {
  clientResponseHeaders,
  upstreamRequestHeaders,
} from '../../src/maintenance/proxy/forwarded-headers.ts';
import { confirmation, localDeadline, type MemberReport } from '../../src/maintenance/proxy/group-state.ts';
import { afterProbe, freshHealth, pickUpstream } from '../../src/maintenance/proxy/upstream-health.ts';

const HOP = [
  'Connection',
  'Keep-Alive',
  'TE',
  'Trailer',
  'Transfer-Encoding',
  'Upgrade',
  'Proxy-Authorization',
];
const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/);
const headerValue = fc.stringMatching(/^[ -~]{0,20}$/);

test('no hop-by-hop header crosses the proxy, every other header does, X-Forwarded-For keeps its chain', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.oneof(headerName, fc.constantFrom(...HOP)), headerValue), { maxLength: 12 }),
      fc.array(fc.ipV4(), { maxLength: 3 }),
      fc.ipV4(),
      (pairs, chain, client) => {
        const raw = pairs
          .filter(([n]) => !/^(x-forwarded-|host$)/i.test(n))
          .flatMap(([n, v]) => [n, v])
          .concat(chain.length ? ['X-Forwarded-For', chain.join(', ')] : []);
        const out = upstreamRequestHeaders(raw, { address: client, protocol: 'http' });
        const names = out.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
        for (const hop of HOP) assert.ok(!names.includes(hop.toLowerCase()), hop);
        const listed = new Set(
          pairs
            .filter(([n]) => n.toLowerCase() === 'connection')
            .flatMap(([, v]) => v.split(',').map((t) => t.trim().toLowerCase())),
        );
        for (const [name] of pairs) {
          const lower = name.toLowerCase();
          if (
            HOP.some((h) => h.toLowerCase() === lower) ||
            listed.has(lower) ||
            /^(x-forwarded-|host$)/.test(lower)
          )
            continue;
          assert.ok(names.includes(lower), `${name} kept`);
        }
        const xff = out[out.indexOf('X-Forwarded-For') + 1];
        assert.equal(xff, [...chain, client].join(', '));
        assert.equal(
          clientResponseHeaders(raw)
            .filter((_, i) => i % 2 === 0)
            .some((n) => HOP.includes(n)),
          false,
        );
      },
    ),
  );
});

test('round robin picks only healthy, untried upstreams and visits each healthy one in turn', () => {
  fc.assert(
    fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.nat(20), (healthy, start) => {
      const picked = pickUpstream(healthy, start % healthy.length);
      if (!healthy.includes(true)) return assert.equal(picked, -1);
      assert.equal(healthy[picked], true);
      // Walking the cursor visits every healthy upstream once per cycle.
      const seen: number[] = [];
      let cursor = start % healthy.length;
      for (let i = 0; i < healthy.filter(Boolean).length; i++) {
        const index = pickUpstream(healthy, cursor);
        seen.push(index);
        cursor = (index + 1) % healthy.length;
      }
      assert.equal(new Set(seen).size, seen.length);
      assert.equal(pickUpstream(healthy, 0, new Set(healthy.keys())), -1);
    }),
  );
});

test('health changes only after the configured number of probes in a row', () => {
  fc.assert(
    fc.property(
      fc.array(fc.boolean(), { maxLength: 40 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      (probes, down, up) => {
        let health = freshHealth;
        let run = 0;
        let last: boolean | undefined;
        for (const ok of probes) {
          run = ok === last ? run + 1 : 1;
          last = ok;
          const before = health.healthy;
          health = afterProbe(health, ok, { unhealthyAfter: down, healthyAfter: up });
          if (health.healthy !== before) assert.equal(run >= (before ? down : up), true);
        }
      },
    ),
  );
});

test('group members: fresh ones are waited on, stale ones reported, expected ones always waited on', () => {
  const members = new Map<string, MemberReport>([
    ['a', { paused: true, epoch: 3, held: 0, at: 1_000 }],
    ['b', { paused: false, epoch: 2, held: 0, at: 1_000 }],
    ['c', { paused: false, epoch: 1, held: 0, at: 0 }],
  ]);
  assert.deepEqual(confirmation(members, { epoch: 3, paused: true }, 1_100, 500), {
    done: false,
    confirmed: ['a'],
    waitingOn: ['b'],
    stale: ['c'],
  });
  assert.deepEqual(confirmation(members, { epoch: 3, paused: true }, 1_400, 500).waitingOn, ['b']);
  assert.deepEqual(confirmation(members, { epoch: 3, paused: true }, 1_600, 500).stale, ['b', 'c']);
  assert.deepEqual(confirmation(members, { epoch: 3, paused: true }, 9_000, 500, ['a', 'c']).waitingOn, [
    'c',
  ]);
  // A skewed clock can end a pause early, never keep it beyond its maximum.
  fc.assert(
    fc.property(
      fc.nat(),
      fc.nat(100_000),
      fc.integer({ min: -100_000, max: 100_000 }),
      (now, maxPause, skew) => {
        const deadline = localDeadline(
          {
            paused: true,
            reason: '',
            max_hold_ms: 0,
            max_pause_ms: maxPause,
            until: now + maxPause + skew,
            epoch: 1,
          },
          now,
        );
        assert.ok(deadline <= now + maxPause);
      },
    ),
  );
});

test('proxy.yml errors name the file, line and setting', () => {
  const text = [
    'listen: 0.0.0.0:8080',
    'upstreams:',
    '  - http://10.0.0.5:3000',
    '  - ftp://nope',
    'pause:',
    '  max_hold: soon',
    '  on_max_hold: maybe',
    'bypass:',
    '  pathz: [/health]',
  ].join('\n');
  const parsed = parseProxyConfig('proxy.yml', text);
  assert.equal(parsed.ok, false);
  const lines = parsed.ok ? [] : parsed.errors.map((e) => `${e.file}:${e.line}: ${e.message}`);
  assert.deepEqual(lines, [
    'proxy.yml:4: upstreams.1: is not an upstream address like http://10.0.0.5:3000 (http, no path)',
    'proxy.yml:6: pause.max_hold: is not a duration (examples: 500ms, 15s, 2m)',
    'proxy.yml:7: pause.on_max_hold: Invalid option: expected one of "reject"|"forward"',
    'proxy.yml:8: bypass: unknown setting "pathz"',
  ]);
  const syntax = parseProxyConfig('proxy.yml', 'listen: [oops');
  assert.equal(syntax.ok, false);
  assert.match(syntax.ok ? '' : String(syntax.errors[0]?.message), /^YAML: /);
});

test('defaults make --upstream alone a working configuration; the secret comes from the environment', async () => {
  const loaded = await loadProxyConfig(
    undefined,
    { upstreams: ['http://127.0.0.1:3000'] },
    { VIGIL_PROXY_SECRET: 'x'.repeat(20) },
  );
  assert.ok(loaded.ok);
  assert.deepEqual(loaded.value.listen, { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(loaded.value.control, { host: '127.0.0.1', port: 8471, secret: 'x'.repeat(20) });
  assert.equal(loaded.value.pause.maxPauseMs, 30_000);
  const none = await loadProxyConfig(undefined, {}, {});
  assert.equal(none.ok, false);
  assert.match(none.ok ? '' : String(none.errors[0]?.message), /^upstreams: none given/);
  const short = await loadProxyConfig(
    undefined,
    { upstreams: ['http://127.0.0.1:3000'] },
    { VIGIL_PROXY_SECRET: 'short' },
  );
  assert.equal(short.ok, false);
});
