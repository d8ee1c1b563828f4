import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ApiHarness, post, startHarness } from './harness.ts';

// Bad requests get a 4xx with a JSON `error` naming the field, and change nothing in the store.

const CONFIG = `
templates:
  idle: { interval: 1h, retry_interval: 1h, max_attempts: 1 }
hosts:
  - name: app-1
    use: idle
    check: { kind: dummy }
    services: [{ name: queue, use: idle, check: { kind: dummy } }]
`;

let api: ApiHarness;
before(async () => {
  api = await startHarness(CONFIG);
});
after(() => api.stop());

async function storeSnapshot() {
  const store = api.daemon.store;
  return JSON.stringify({
    states: await store.loadStates(),
    history: await store.history({ objectId: 'app-1', includeServices: true }),
    acks: await store.acknowledgements.current(),
    downtimes: await store.downtimes.all(),
  });
}

const cases: { name: string; path: string; init: RequestInit; status: number; error: RegExp }[] = [
  {
    name: 'malformed JSON',
    path: '/api/v1/results',
    init: post('{"object": "app-1/queue", "status": 2'),
    status: 400,
    error: /not valid JSON/,
  },
  {
    name: 'unknown field',
    path: '/api/v1/results',
    init: post({ object: 'app-1/queue', status: 2, colour: 'red' }),
    status: 400,
    error: /unknown field "colour"/,
  },
  {
    name: 'wrong type',
    path: '/api/v1/results',
    init: post({ object: 'app-1/queue', status: true }),
    status: 400,
    error: /status/,
  },
  {
    name: 'out of range',
    path: '/api/v1/results',
    init: post({ object: 'app-1/queue', status: 7 }),
    status: 400,
    error: /status/,
  },
  {
    name: 'too many results',
    path: '/api/v1/results',
    init: post(Array.from({ length: 1001 }, () => ({ object: 'app-1/queue', status: 2 }))),
    status: 400,
    error: /1000/,
  },
  {
    name: 'bad perfdata',
    path: '/api/v1/results',
    init: post({ object: 'app-1/queue', status: 2, perfdata: 'depth=lots' }),
    status: 400,
    error: /perfdata/,
  },
  {
    name: 'oversized body',
    path: '/api/v1/results',
    init: post({ object: 'app-1/queue', status: 2, output: 'x'.repeat(2 * 1024 * 1024) }),
    status: 413,
    error: /larger/,
  },
  {
    name: 'acknowledgement missing a field',
    path: '/api/v1/acknowledgements',
    init: post({ object: 'app-1/queue', author: 'alice' }),
    status: 400,
    error: /comment/,
  },
  {
    name: 'downtime with a wrong type',
    path: '/api/v1/downtimes',
    init: post({ target: 'app-1', author: 'alice', comment: 'x', for: '2h', services: 'yes' }),
    status: 400,
    error: /services/,
  },
  {
    name: 'limit out of range',
    path: '/api/v1/hosts?limit=0',
    init: {},
    status: 400,
    error: /limit/,
  },
  {
    name: 'a time that is not one',
    path: '/api/v1/history?object=app-1&since=yesterdayish',
    init: {},
    status: 400,
    error: /since "yesterdayish" is not a time/,
  },
];

test('bad requests are refused with the field named, and the store is unchanged', async () => {
  const before = await storeSnapshot();
  for (const c of cases) {
    const response = await api.fetch(c.path, c.init);
    const body = (await response.json()) as { error?: string };
    assert.equal(response.status, c.status, `${c.name}: ${JSON.stringify(body)}`);
    assert.equal(typeof body.error, 'string', c.name);
    assert.match(body.error as string, c.error, c.name);
  }
  // Past the writer's flush interval: anything accepted by mistake would be stored by now.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(await storeSnapshot(), before);
  assert.equal((await api.fetch('/health')).status, 200, 'the daemon is still up');
});
