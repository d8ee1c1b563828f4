import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { pageOf, parseSort } from '../../src/api/pagination.ts';
import { MAX_POINTS } from '../../src/api/routes/perfdata.ts';
import { seriesOf } from '../../src/api/routes/perfdata-series.ts';
import type { PerfSample } from '../../src/store/store.ts';
import { eventually } from '../helpers/model.ts';
import { type ApiHarness, post, startHarness } from './harness.ts';

// The versioned REST API against a real daemon: lists with filters, sorting and cursors,
// one-object views, problems by root cause, history, perfdata, on-call, locate, impact,
// the OpenAPI document and the metrics.

const CONFIG = `
templates:
  quick: { interval: 100ms, retry_interval: 100ms, max_attempts: 1 }
  idle: { interval: 1h, retry_interval: 1h, max_attempts: 1 }
host_groups:
  web: { members: [web-1, web-2] }
hosts:
  - name: tor-a1
    use: quick
    check: { kind: dummy, state: CRITICAL, output: "switch dead" }
    location: { room: B2, cabinet: "14", rack_unit: "42", oob: 10.9.0.1 }
  - name: web-1
    use: quick
    parents: [tor-a1]
    check: { kind: dummy, state: CRITICAL }
    services: [{ name: http, use: quick, check: { kind: dummy, state: CRITICAL } }]
  - name: web-2
    use: quick
    check: { kind: dummy }
    location: { room: B3 }
    services: [{ name: http, use: quick, check: { kind: dummy } }]
  - name: db-1
    use: quick
    services:
      - { name: mysql, use: quick, check: { kind: dummy, state: CRITICAL, output: "replica stopped" } }
      - { name: disk, use: idle, check: { kind: dummy } }
${Array.from(
  { length: 3 },
  (_, h) => `  - name: many-${h}
    use: idle
    services:
${Array.from({ length: 9 }, (_, s) => `      - { name: svc-${s}, use: idle, check: { kind: dummy } }`).join('\n')}`,
).join('\n')}
schedules:
  primary:
    time_zone: UTC
    layers:
      - { participants: [alice, bob], rotation: daily, hand_off: "09:00", start: 2026-03-01 }
`;

let api: ApiHarness;

before(async () => {
  api = await startHarness(CONFIG);
  const ready = await eventually(async () => {
    const { body } = await api.json<{ problems: unknown[] }>('/api/v1/problems');
    return body.problems?.length === 2;
  }, 15_000);
  assert.ok(ready, 'the two root causes (tor-a1, db-1/mysql) become hard problems');
});

after(() => api.stop());

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

async function allPages<T>(urlPath: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const separator = urlPath.includes('?') ? '&' : '?';
    const { status, body }: { status: number; body: Page<T> } = await api.json<Page<T>>(
      cursor ? `${urlPath}${separator}cursor=${encodeURIComponent(cursor)}` : urlPath,
    );
    assert.equal(status, 200, JSON.stringify(body));
    items.push(...body.items);
    cursor = body.next_cursor;
    if (!cursor) return items;
  }
  throw new Error('too many pages');
}

test('OpenAPI: a valid JSON document listing every /api/v1 route with tags and descriptions', async () => {
  const response = await api.fetch('/api/v1/openapi.json', { as: null });
  assert.equal(response.status, 200);
  const doc = (await response.json()) as {
    openapi: string;
    paths: Record<string, Record<string, { tags?: string[]; description?: string; summary?: string }>>;
  };
  assert.match(doc.openapi, /^3\./);
  const expected = [
    'get /api/v1/problems',
    'get /api/v1/hosts',
    'get /api/v1/hosts/{name}',
    'get /api/v1/services',
    'get /api/v1/services/{host}/{service}',
    'get /api/v1/history',
    'get /api/v1/perfdata',
    'get /api/v1/notifications',
    'get /api/v1/oncall',
    'get /api/v1/locate',
    'get /api/v1/impact',
    'get /api/v1/events',
    'post /api/v1/results',
    'post /api/v1/hosts/{name}/recheck',
    'post /api/v1/services/{host}/{service}/recheck',
    'post /api/v1/reload',
    'post /api/v1/acknowledgements',
    'get /api/v1/downtimes',
    'get /api/v1/openapi.json',
  ];
  const listed = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`));
  for (const route of expected) assert.ok(listed.includes(route), `${route} is in the document`);
  for (const [p, ops] of Object.entries(doc.paths)) {
    if (!p.startsWith('/api/v1/')) continue;
    for (const [method, op] of Object.entries(ops)) {
      if (['head', 'options'].includes(method)) continue;
      if (p.startsWith('/api/v1/hosts') || p.startsWith('/api/v1/services') || p === '/api/v1/problems') {
        assert.ok(op.tags?.length, `${method} ${p} has tags`);
        assert.ok(op.description || op.summary, `${method} ${p} has a description`);
      }
    }
  }
});

test('hosts: filters by state, group, room and name; unknown filters and sort fields are refused', async () => {
  const names = async (query: string) =>
    (await allPages<{ object: string }>(`/api/v1/hosts?${query}`)).map((h) => h.object);
  assert.deepEqual(await names('state=DOWN'), ['tor-a1']);
  assert.deepEqual(await names('state=UNREACHABLE'), ['web-1']);
  assert.deepEqual(await names('group=web'), ['web-1', 'web-2']);
  assert.deepEqual(await names('room=B2&cabinet=14'), ['tor-a1']);
  assert.deepEqual(await names('name=MANY'), ['many-0', 'many-1', 'many-2']);
  assert.deepEqual((await names('sort=-name')).slice(0, 2), ['web-2', 'web-1']);

  const unknownFilter = await api.json<{ error: string }>('/api/v1/hosts?colour=red');
  assert.equal(unknownFilter.status, 400);
  assert.match(unknownFilter.body.error, /unknown field "colour"/);
  const unknownSort = await api.json<{ error: string }>('/api/v1/hosts?sort=-colour');
  assert.equal(unknownSort.status, 400);
  assert.match(unknownSort.body.error, /sort field "colour" is unknown/);
  const badState = await api.json<{ error: string }>('/api/v1/hosts?state=SIDEWAYS');
  assert.equal(badState.status, 400);
  assert.match(badState.body.error, /state "SIDEWAYS"/);
});

test('services: cursor pages hold every service once, in order, for any page size', async () => {
  const all = (await allPages<{ object: string }>('/api/v1/services?limit=1000')).map((s) => s.object);
  assert.equal(all.length, 31);
  assert.deepEqual([...all].sort(), all);
  for (const limit of [1, 4, 7]) {
    const paged = (await allPages<{ object: string }>(`/api/v1/services?limit=${limit}`)).map(
      (s) => s.object,
    );
    assert.deepEqual(paged, all, `limit=${limit}`);
  }
  const byState = await allPages<{ object: string; state: string }>('/api/v1/services?sort=-state&limit=3');
  // Worst first; ties (both CRITICAL) in descending id order too.
  assert.deepEqual(
    byState.slice(0, 2).map((s) => s.object),
    ['web-1/http', 'db-1/mysql'],
  );
  const problems = (await allPages<{ object: string }>('/api/v1/services?problem=true')).map((s) => s.object);
  assert.deepEqual(problems, ['db-1/mysql', 'web-1/http']);
  const ofHost = (await allPages<{ object: string }>('/api/v1/services?host=db-1')).map((s) => s.object);
  assert.deepEqual(ofHost, ['db-1/disk', 'db-1/mysql']);
  const wrongCursor = await api.json<{ error: string }>('/api/v1/services?cursor=bm9wZQ');
  assert.equal(wrongCursor.status, 400);
  assert.match(wrongCursor.body.error, /cursor/);
  const tooMany = await api.json<{ error: string }>('/api/v1/services?limit=1001');
  assert.equal(tooMany.status, 400);
  assert.match(tooMany.body.error, /limit/);
});

test('one host and one service: state, topology up and down, location', async () => {
  const { status, body } = await api.json<Record<string, unknown>>('/api/v1/hosts/tor-a1');
  assert.equal(status, 200);
  assert.equal(body.state, 'DOWN');
  assert.equal(body.output, 'switch dead');
  assert.deepEqual(body.children, ['web-1']);
  assert.ok((body.dependents as string[]).includes('web-1'));
  assert.deepEqual(body.location, { room: 'B2', cabinet: '14', rackUnit: '42', oob: '10.9.0.1' });
  const web = await api.json<Record<string, unknown>>('/api/v1/hosts/web-1');
  assert.deepEqual(web.body.parents, ['tor-a1']);
  assert.deepEqual(
    (web.body.services as { object: string }[]).map((s) => s.object),
    ['web-1/http'],
  );
  const service = await api.json<Record<string, unknown>>('/api/v1/services/db-1/mysql');
  assert.equal(service.status, 200);
  assert.equal(service.body.state, 'CRITICAL');
  assert.deepEqual(service.body.dependsOn, [{ relation: 'runs on', objects: ['db-1'], minUp: 1 }]);
  assert.equal((await api.json('/api/v1/hosts/nope')).status, 404);
  const missing = await api.json<{ error: string }>('/api/v1/services/db-1/nope');
  assert.equal(missing.status, 404);
  assert.match(missing.body.error, /db-1\/nope/);
});

test('problems: grouped by root cause, paged over root causes', async () => {
  const all = await api.json<{ problems: { cause: { object: string }; affected: { object: string }[] }[] }>(
    '/api/v1/problems',
  );
  const tor = all.body.problems.find((p) => p.cause.object === 'tor-a1');
  assert.deepEqual(
    tor?.affected.map((a) => a.object),
    ['web-1', 'web-1/http'],
  );
  const first = await api.json<{ problems: { cause: { object: string } }[]; next_cursor: string }>(
    '/api/v1/problems?limit=1',
  );
  assert.equal(first.body.problems.length, 1);
  assert.ok(first.body.next_cursor);
  const second = await api.json<{ problems: { cause: { object: string } }[]; next_cursor: string | null }>(
    `/api/v1/problems?limit=1&cursor=${first.body.next_cursor}`,
  );
  assert.equal(second.body.problems.length, 1);
  assert.equal(second.body.next_cursor, null);
  assert.deepEqual([first.body.problems[0]?.cause.object, second.body.problems[0]?.cause.object].sort(), [
    'db-1/mysql',
    'tor-a1',
  ]);
});

test('history: newest first, paged with a cursor; perfdata as series from passive results', async () => {
  for (const [i, status] of ['CRITICAL', 'OK', 'WARNING', 'OK', 'CRITICAL'].entries()) {
    const sent = await api.json(
      '/api/v1/results',
      post({
        object: 'many-0/svc-0',
        status,
        output: `run ${i}`,
        perfdata: `load=${i};5;10 'used disk'=${i * 10}MB`,
      }),
    );
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
  }
  assert.ok(
    await eventually(async () => {
      const { body } = await api.json<Page<unknown>>('/api/v1/history?object=many-0/svc-0');
      return (body.items?.length ?? 0) >= 5;
    }),
    JSON.stringify((await api.json('/api/v1/history?object=many-0/svc-0')).body),
  );
  const all = await allPages<{ output: string; kind: string }>('/api/v1/history?object=many-0/svc-0');
  // Five changes so fast also start flapping; that event is history too.
  assert.deepEqual(
    all.filter((e) => !e.kind.startsWith('flapping')).map((e) => e.output),
    ['run 4', 'run 3', 'run 2', 'run 1', 'run 0'],
  );
  const paged = await allPages<{ output: string }>('/api/v1/history?object=many-0/svc-0&limit=2');
  assert.deepEqual(
    paged.map((e) => e.output),
    all.map((e) => e.output),
  );
  // A host's history includes its services', as `vigil history` shows.
  const host = await allPages<{ object: string }>('/api/v1/history?object=many-0');
  assert.equal(host.length, all.length);

  const perf = await api.json<{ series: { label: string; unit: string; points: { avg: number }[] }[] }>(
    `/api/v1/perfdata?object=many-0/svc-0&since=${Date.now() - 60_000}`,
  );
  assert.equal(perf.status, 200);
  assert.deepEqual(
    perf.body.series.map((s) => [s.label, s.unit, s.points.map((p) => p.avg)]),
    [
      ['load', '', [0, 1, 2, 3, 4]],
      ['used disk', 'MB', [0, 10, 20, 30, 40]],
    ],
  );
  const one = await api.json<{ series: unknown[] }>(`/api/v1/perfdata?object=many-0/svc-0&label=load`);
  assert.equal(one.body.series.length, 1);
});

test('notifications, on-call, locate and impact', async () => {
  const notifications = await api.json<Page<unknown>>('/api/v1/notifications?status=pending&limit=5');
  assert.equal(notifications.status, 200);
  assert.ok(Array.isArray(notifications.body.items));
  const badStatus = await api.json<{ error: string }>('/api/v1/notifications?status=lost');
  assert.equal(badStatus.status, 400);
  assert.match(badStatus.body.error, /status/);

  const oncall = await api.json<{
    schedules: { schedule: string; now: { person: string }; next: { person: string } }[];
  }>('/api/v1/oncall?at=2026-03-02T10:00:00Z');
  assert.equal(oncall.body.schedules[0]?.schedule, 'primary');
  assert.ok(['alice', 'bob'].includes(oncall.body.schedules[0]?.now.person as string));
  assert.notEqual(oncall.body.schedules[0]?.now.person, oncall.body.schedules[0]?.next.person);

  const located = await api.json<{ hosts: { host: string; location: { rackUnit: string; oob: string } }[] }>(
    '/api/v1/locate?q=tor-a1',
  );
  assert.equal(located.body.hosts[0]?.location.rackUnit, '42');
  assert.equal(located.body.hosts[0]?.location.oob, '10.9.0.1');
  const partial = await api.json<{ hosts: { host: string }[] }>('/api/v1/locate?q=web');
  assert.deepEqual(partial.body.hosts.map((h) => h.host).sort(), ['web-1', 'web-2']);

  const impact = await api.json<{ unreachableHosts: string[]; affectedServices: string[] }>(
    '/api/v1/impact?object=tor-a1',
  );
  assert.deepEqual(impact.body.unreachableHosts, ['web-1']);
  assert.deepEqual(impact.body.affectedServices, ['web-1/http']);
  assert.equal((await api.json('/api/v1/impact?object=nope')).status, 404);
});

test('metrics: queue depths, deliveries, stream clients, requests by route, process; HELP/TYPE once each', async () => {
  const text = await (await api.fetch('/metrics')).text();
  for (const name of [
    'vigil_outbox_pending',
    'vigil_escalations_open',
    'vigil_delivery_attempts_failed_total',
    'vigil_event_stream_clients',
    'vigil_api_requests_total',
    'process_cpu_seconds_total',
    'process_resident_memory_bytes',
  ])
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
  assert.match(text, /^vigil_api_requests_total\{route="\/api\/v1\/hosts",status="2xx"\} \d+$/m);
  const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
  assert.equal(new Set(types.map((l) => l.split(' ')[2])).size, types.length, 'each metric typed once');
  assert.equal(text.split('\n').filter((l) => l.startsWith('# HELP ')).length, types.length);
});

test('pagination: paging through any list with any page size yields it once, in order', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.record({ id: fc.string({ maxLength: 4 }), key: fc.integer({ min: 0, max: 5 }) }), {
        selector: (item) => item.id,
        maxLength: 60,
      }),
      fc.integer({ min: 1, max: 10 }),
      fc.boolean(),
      (items, limit, descending) => {
        const order = parseSort(descending ? '-state' : 'state', ['state'], 'state');
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let i = 0; i <= items.length; i++) {
          const page = pageOf(items, (item) => [item.key, item.id], order, cursor, limit);
          seen.push(...page.items.map((item) => item.id));
          if (!page.next_cursor) break;
          cursor = page.next_cursor;
        }
        const sign = descending ? -1 : 1;
        const expected = [...items]
          .sort((a, b) => sign * (a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
          .map((item) => item.id);
        assert.deepEqual(seen, expected);
      },
    ),
  );
});

test('perfdata series: at most the point limit, every sample counted, min <= avg <= max', () => {
  const sample = fc.record({
    at: fc.integer({ min: 0, max: 10 * 86_400_000 }),
    value: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
    label: fc.constantFrom('a', 'b'),
  });
  fc.assert(
    fc.property(
      fc.array(sample, { maxLength: 3000 }),
      fc.integer({ min: 3, max: 1200 }),
      (raw, maxPoints) => {
        const samples: PerfSample[] = raw.map((s) => ({
          objectId: 'x',
          label: s.label,
          at: s.at,
          min: s.value,
          max: s.value,
          avg: s.value,
          count: 1,
          unit: '',
        }));
        const series = seriesOf(samples, 0, 10 * 86_400_000, maxPoints);
        for (const one of series) {
          assert.ok(one.points.length <= maxPoints, `${one.points.length} points, limit ${maxPoints}`);
          const mine = samples.filter((s) => s.label === one.label);
          assert.equal(
            one.points.reduce((sum, p) => sum + p.count, 0),
            mine.length,
          );
          for (const p of one.points) assert.ok(p.min <= p.avg && p.avg <= p.max);
          assert.equal(Math.min(...one.points.map((p) => p.min)), Math.min(...mine.map((s) => s.min)));
        }
      },
    ),
    { numRuns: 50 },
  );
  assert.ok(MAX_POINTS <= 1000);
});
