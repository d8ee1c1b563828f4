// Webhook subscriptions must not turn the daemon into a way into the operator's network:
// public webhook subscriptions are opt-in, and internal addresses are refused when the
// subscription is made and again before each delivery.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { addUser } from '../../src/api/auth/accounts.ts';
import {
  guardedLookup,
  isInternalAddress,
  refusedWebhookHost,
} from '../../src/status/subscribers/webhook-address.ts';
import type { ProblemEvent } from '../../src/topology/problem-tracker.ts';
import { type ApiHarness, startHarness } from '../api/harness.ts';
import { eventually } from '../helpers/model.ts';
import { type RecordingServer, recordingServer } from '../helpers/recording-server.ts';

const ipv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const v4 = (text: string) => text.split('.').reduce((n, part) => n * 256 + Number(part), 0);

/** The IPv4 ranges a webhook may not reach, as [first, last] numbers. */
const INTERNAL_V4 = (
  [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['224.0.0.0', 3],
  ] as const
).map(([base, bits]) => [v4(base), v4(base) + 2 ** (32 - bits) - 1] as const);

describe('webhook addresses', () => {
  it('IPv4: exactly the loopback, private, link-local, unspecified and non-unicast ranges are internal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        const expected = INTERNAL_V4.some(([first, last]) => n >= first && n <= last);
        assert.equal(isInternalAddress(ipv4(n)), expected, ipv4(n));
        // The same address mapped into IPv6 is judged the same: no way around the check.
        assert.equal(isInternalAddress(`::ffff:${ipv4(n)}`), expected, `::ffff:${ipv4(n)}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('IPv6: loopback, unspecified, unique local (fc00::/7) and link-local are internal; global unicast is not', () => {
    const group = fc.integer({ min: 0, max: 0xffff }).map((g) => g.toString(16));
    const rest = fc.array(group, { minLength: 7, maxLength: 7 });
    fc.assert(
      fc.property(fc.integer({ min: 0xfc00, max: 0xfdff }), rest, (first, tail) =>
        isInternalAddress([first.toString(16), ...tail].join(':')),
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0xfe80, max: 0xfebf }), rest, (first, tail) =>
        isInternalAddress([first.toString(16), ...tail].join(':')),
      ),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0x2000, max: 0x3fff }),
        rest,
        (first, tail) => !isInternalAddress([first.toString(16), ...tail].join(':')),
      ),
    );
    for (const address of ['::1', '::', '::ffff:7f00:1', 'not an address'])
      assert.ok(isInternalAddress(address));
  });

  it('a URL is refused when its host is, or resolves to, an internal address', async () => {
    const resolvesTo =
      (...addresses: string[]) =>
      async () =>
        addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    assert.equal(
      await refusedWebhookHost('https://hooks.example.com/x', resolvesTo('93.184.216.34')),
      undefined,
    );
    const mixed = await refusedWebhookHost(
      'https://hooks.example.com/x',
      resolvesTo('93.184.216.34', '10.0.0.7'),
    );
    assert.equal(mixed?.internal, true);
    assert.match(mixed?.reason ?? '', /hooks\.example\.com" resolves to 10\.0\.0\.7/);
    for (const url of [
      'http://127.0.0.1:8470/',
      'http://[::1]/',
      'http://169.254.169.254/latest',
      'http://0x7f.1/',
    ])
      assert.equal((await refusedWebhookHost(url, resolvesTo('93.184.216.34')))?.internal, true, url);
    assert.equal((await refusedWebhookHost('http://localhost/'))?.internal, true, 'localhost, by the system');
    const unknown = await refusedWebhookHost('https://nowhere.invalid/', async () => {
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    });
    assert.deepEqual(unknown, {
      reason: 'webhook host "nowhere.invalid" does not resolve (ENOTFOUND)',
      internal: false,
    });
  });

  it('the delivery connection refuses a name that resolves to an internal address', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup('localhost', { all: true }, (e) => resolve(e)),
    );
    assert.equal(error?.code, 'EINTERNALADDRESS');
  });
});

const problem = (objectId: string): ProblemEvent => ({
  kind: 'opened',
  objectId,
  at: Date.now(),
  state: 1,
  flapping: false,
  affected: [],
  degraded: [],
});

const HOSTS = `
hosts:
  - { name: web1, address: 127.0.0.1 }
components:
  Shop:
    match: { hosts: [web1] }
`;

const subscribeBody = (webhook: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ webhook }),
});

describe('webhook subscriptions by default (public_webhooks off)', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startHarness(HOSTS, '  status_site:\n    publish_delay: 0s\n');
  });
  after(() => api?.stop());

  it('the public may not subscribe a webhook; an operator may, to a public address only', async () => {
    const anonymous = await api.json<{ error: string }>('/api/v1/status/subscribe', {
      as: null,
      ...subscribeBody('https://203.0.113.9/hook'),
    });
    assert.equal(anonymous.status, 403);
    assert.match(anonymous.body.error, /public_webhooks is off/);
    const viewer = await api.json('/api/v1/status/subscribe', {
      as: 'viewer',
      ...subscribeBody('https://203.0.113.9/hook'),
    });
    assert.equal(viewer.status, 403, 'a viewer is not an operator');

    const internal = await api.json<{ error: string }>('/api/v1/status/subscribe', {
      as: 'operator',
      ...subscribeBody(`http://127.0.0.1:9/hook`),
    });
    assert.equal(internal.status, 400);
    assert.match(internal.body.error, /127\.0\.0\.1 is a loopback, private or link-local address/);
    assert.equal(
      (
        await api.json('/api/v1/status/subscribe', {
          as: 'operator',
          ...subscribeBody('http://localhost:9/'),
        })
      ).status,
      400,
    );

    // A documentation address: public, and never contacted (no incident happens here).
    const made = await api.json<{ id: number; unsubscribeUrl: string }>('/api/v1/status/subscribe', {
      as: 'operator',
      ...subscribeBody('https://203.0.113.9/hook'),
    });
    assert.equal(made.status, 201);
    const audit = await api.daemon.store.audit.list({ limit: 20 });
    assert.ok(
      audit.some((entry) => entry.action === 'subscriber.webhook'),
      'operator subscriptions are audited',
    );
    await fetch(made.body.unsubscribeUrl.replace(/^https?:\/\/[^/]+/, api.base));
    assert.equal((await api.daemon.store.subscribers.active()).length, 0);
  });

  it('a signed-in operator counts only with the CSRF header (a foreign page cannot use their session)', async () => {
    await addUser(
      api.daemon.store,
      { username: 'olga', role: 'operator', password: 'correct horse battery' },
      Date.now(),
    );
    const login = await fetch(`${api.base}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'olga', password: 'correct horse battery' }),
    });
    assert.equal(login.status, 200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const attempt = (headers: Record<string, string>) =>
      fetch(`${api.base}/api/v1/status/subscribe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, ...headers },
        body: JSON.stringify({ webhook: 'https://203.0.113.10/hook' }),
      });
    assert.equal((await attempt({})).status, 403);
    const made = await attempt({ 'x-csrf-token': csrfToken });
    assert.equal(made.status, 201);
    const { unsubscribeUrl } = (await made.json()) as { unsubscribeUrl: string };
    await fetch(unsubscribeUrl.replace(/^https?:\/\/[^/]+/, api.base));
  });
});

describe('public webhook subscriptions (public_webhooks on, private addresses refused)', () => {
  let api: ApiHarness;
  let hook: RecordingServer;
  before(async () => {
    hook = await recordingServer();
    api = await startHarness(
      HOSTS,
      '  status_site:\n    publish_delay: 0s\n    subscribers:\n      public_webhooks: true\n',
    );
  });
  after(async () => {
    await api?.stop();
    await hook?.close();
  });

  it('refuses an internal webhook at subscribe time', async () => {
    for (const url of [
      `${hook.origin}/hook`,
      'http://[::1]/hook',
      'http://169.254.169.254/latest/meta-data',
    ]) {
      const answer = await api.json<{ error: string }>('/api/v1/status/subscribe', {
        as: null,
        ...subscribeBody(url),
      });
      assert.equal(answer.status, 400, url);
      assert.match(answer.body.error, /loopback, private or link-local/);
    }
  });

  it('refuses it again at delivery time: an address that became internal receives nothing', async () => {
    // As if the name had pointed to a public address when it subscribed and to loopback now.
    const subscriber = await api.daemon.store.subscribers.add({
      kind: 'webhook',
      target: `${hook.origin}/hook`,
      secret: 'a secret of enough length',
      components: [],
      confirmTokenHash: '',
      unsubscribeToken: 'token-for-the-delivery-test',
      createdAt: Date.now(),
      confirmedAt: Date.now(),
      expiresAt: null,
    });
    await api.daemon.subscriptions?.reload();
    await api.daemon.incidents?.noteProblems([problem('web1')]);
    await api.daemon.incidents?.tick();
    const receiver = `subscriber:${subscriber.id}`;
    assert.ok(
      await eventually(
        async () => (await api.daemon.store.outbox.list({ receiver, status: 'failed' })).length > 0,
        10_000,
      ),
      'the delivery fails for good',
    );
    const [failed] = await api.daemon.store.outbox.list({ receiver });
    assert.match(failed?.lastError ?? '', /127\.0\.0\.1 is a loopback, private or link-local address/);
    assert.equal(hook.requests.length, 0, 'nothing was sent to the internal address');
  });
});
