// Deploys beside what happened, in the dashboard and the API, against a real daemon: an
// incident lists the deploys of its components in the hour before it started (API and the
// /incidents page), and a service's page marks its own and its host's deploys on the state
// timeline and hands them to the performance charts, escaped.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ApiHarness, startHarness } from '../api/harness.ts';

const MINUTE = 60_000;
const HOSTILE = '<img src=x onerror=alert(1)>';

let api: ApiHarness;
let incidentId = 0;

before(async () => {
  api = await startHarness(`
hosts:
  - name: web1
    services: [{ name: shop-http, check: { kind: dummy } }]
  - name: api1
    services: [{ name: api, check: { kind: dummy } }]
components:
  Shop:
    match: { services: [web1/shop-http] }
  API:
    match: { services: [api1/api] }
`);
  const { store } = api.daemon;
  const now = Date.now();
  const started = now - 30 * MINUTE;
  const record = (service: string, version: string, at: number, by = 'jörg') =>
    store.deploys.record({ service, version, at, by, description: `notes ${HOSTILE}`, link: '' }, now);
  await record('shop-http', `v891${HOSTILE}`, started - 15 * MINUTE);
  await record('web1', 'kernel-6.9', started - 5 * MINUTE, 'ops');
  await record('api', 'api-2.4.0', started - 10 * MINUTE);
  await record('shop-http', 'v880', started - 3 * 60 * MINUTE);
  const made = await store.incidents.create(
    {
      title: 'Shop errors',
      impact: 'major',
      phase: 'investigating',
      status: 'published',
      components: ['Shop'],
      causes: [],
      startedAt: started,
      createdAt: started + MINUTE,
      publishAt: null,
      origin: 'automatic',
    },
    { phase: 'investigating', message: 'Looking', author: 'vigil' },
  );
  incidentId = made.id;
});

after(() => api?.stop());

async function page(path: string): Promise<string> {
  const response = await api.fetch(path, { as: 'viewer' });
  assert.equal(response.status, 200, path);
  return response.text();
}

test('GET /api/v1/incidents/:id lists the deploys of the hour before the incident', async () => {
  const { status, body } = await api.json<{
    incident: { id: number };
    deploysBefore: { service: string; version: string; by: string; at: string }[];
  }>(`/api/v1/incidents/${incidentId}`, { as: 'viewer' });
  assert.equal(status, 200);
  assert.equal(body.incident.id, incidentId);
  assert.deepEqual(
    body.deploysBefore.map((d) => `${d.service} ${d.version} ${d.by}`),
    [`shop-http v891${HOSTILE} jörg`],
    "the component's service in the hour before; not its host's, not API's, not older ones",
  );
  assert.match(body.deploysBefore[0]?.at ?? '', /^\d{4}-\d\d-\d\dT/);
});

test('the /incidents page shows the deploys under the incident, escaped', async () => {
  const text = await page('/incidents');
  const entry = text.slice(text.indexOf(`data-incident="${incidentId}"`));
  assert.match(entry, /Deploys in the hour before it started/);
  assert.match(entry, /<strong>shop-http<\/strong> v891&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.doesNotMatch(text, /<img src=x/);
  assert.doesNotMatch(entry.slice(0, entry.indexOf('</li>')), /api-2\.4\.0/);
});

test("a service's page marks its own and its host's deploys on the timeline and for the charts", async () => {
  const text = await page('/services/web1/shop-http?range=24h');
  const lines = [...text.matchAll(/<line class="deploy"[^>]*><title>([^<]*)<\/title>/g)].map((m) => m[1]);
  assert.equal(lines.length, 3, 'two of the service, one of its host');
  assert.ok(
    lines.some((t) => t?.startsWith('shop-http: version v891&lt;img src=x onerror=alert(1)&gt; by jörg at ')),
  );
  assert.ok(lines.some((t) => t?.startsWith('web1: version kernel-6.9 by ops')));
  assert.doesNotMatch(text, /api-2\.4\.0/, "another host's service is not marked");
  const attribute = /data-deploys="([^"]*)"/.exec(text)?.[1] ?? '';
  const deploys = JSON.parse(
    attribute
      .replaceAll('&quot;', '"')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&'),
  ) as {
    version: string;
    by: string;
  }[];
  assert.deepEqual(
    deploys.map((d) => `${d.version} by ${d.by}`),
    ['v880 by jörg', `v891${HOSTILE} by jörg`, 'kernel-6.9 by ops'],
  );
  assert.doesNotMatch(text, /<img src=x/);
  const short = await page('/services/web1/shop-http?range=1h');
  assert.equal((short.match(/<line class="deploy"/g) ?? []).length, 2, 'only the range is marked');
});
