// The incidents page as HTTP answers (no browser): what viewers and operators see, and that
// incident text with markup stays text.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ApiHarness, post, startHarness } from '../api/harness.ts';

const HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

let api: ApiHarness;

before(async () => {
  api = await startHarness(
    `
hosts:
  - { name: web1, address: 127.0.0.1 }
  - { name: api1, address: 127.0.0.1 }
components:
  Shop:
    match: { hosts: [web1] }
  API:
    match: { hosts: [api1] }
`,
    '  status_site:\n    publish_delay: 10m\n',
  );
});

after(() => api?.stop());

async function page(
  path: string,
  as: 'viewer' | 'operator' | null,
): Promise<{ status: number; text: string }> {
  const response = await api.fetch(path, { as, redirect: 'manual' });
  return { status: response.status, text: await response.text() };
}

test('incidents page: drafts with their countdown, public incidents, report, maintenance, components; markup stays text', async () => {
  // A draft as the daemon opens one, with a hostile title and first message.
  const now = Date.now();
  const draft = await api.daemon.store.incidents.create(
    {
      title: `Shop ${HOSTILE}`,
      impact: 'critical',
      phase: 'investigating',
      status: 'draft',
      components: ['Shop'],
      causes: [
        { objectId: 'web1', openedAt: now - 5_000, recoveredAt: null, description: `web1 DOWN ${HOSTILE}` },
      ],
      startedAt: now - 5_000,
      createdAt: now,
      publishAt: now + 600_000,
      origin: 'automatic',
    },
    { phase: 'investigating', message: `Message ${HOSTILE}`, author: 'vigil' },
  );
  const opened = await api.json<{ incident: { id: number } }>(
    '/api/v1/incidents',
    post({ components: ['API'], title: 'API errors', message: `Checking & fixing ${HOSTILE}` }, 'operator'),
  );
  assert.equal(opened.status, 201);
  const announced = await api.json(
    '/api/v1/maintenance-announcements',
    post(
      {
        title: `Upgrade ${HOSTILE}`,
        components: ['API'],
        from: new Date(now + 3_600_000).toISOString(),
        until: new Date(now + 7_200_000).toISOString(),
      },
      'operator',
    ),
  );
  assert.equal(announced.status, 201);

  assert.equal((await page('/incidents', null)).status, 302, 'anonymous visitors sign in first');
  const viewer = await page('/incidents', 'viewer');
  assert.equal(viewer.status, 200);
  const text = viewer.text;
  assert.doesNotMatch(text, /<script>window|<img src=x/, 'no hostile markup anywhere');
  assert.ok(text.includes('Shop &lt;script&gt;window.__pwned=1&lt;/script&gt;'), 'the title shows as text');
  assert.ok(text.includes('Message &lt;script&gt;'), 'updates show as text');
  assert.ok(text.includes('Upgrade &lt;script&gt;'), 'maintenance titles show as text');
  assert.match(
    text,
    new RegExp(`data-publish-at="${draft.publishAt}"`),
    'the draft carries its publish time',
  );
  assert.match(text, /Goes public automatically in <strong>(9m|10m)<\/strong>/);
  assert.match(text, /Checking &amp; fixing/);
  assert.match(text, /<dd data-figure="incidents">1<\/dd>/, 'the opened incident counts in the report');
  assert.match(text, /<dd data-figure="over-promise">0<\/dd>/);
  assert.match(text, /<td>upcoming<\/td>/);
  assert.match(text, /data-component="API"><span class="component-status status-\w+">/);
  assert.match(text, /hx-trigger="every 10s, vigil-incidents-refresh"/);
  assert.doesNotMatch(text, /data-incident-action/, 'viewers get no actions');
  assert.doesNotMatch(text, /incident-update-dialog/);
  assert.match(text, /src="\/assets\/incidents\.js\?v=\w+"/);

  const operator = await page('/incidents', 'operator');
  assert.match(operator.text, new RegExp(`data-incident-action="hold" data-incident="${draft.id}"`));
  assert.match(operator.text, new RegExp(`data-incident-action="publish" data-incident="${draft.id}"`));
  assert.match(operator.text, /data-title="Shop &lt;script&gt;/, 'attributes are escaped too');
  assert.match(operator.text, /<dialog id="incident-update-dialog"/);

  // After a hold the countdown gives way to who holds it; the fragment alone refreshes.
  await api.json(`/api/v1/incidents/${draft.id}/hold`, post({}, 'operator'));
  const fragment = await page('/fragments/incidents', 'viewer');
  assert.equal(fragment.status, 200);
  assert.match(fragment.text, /^<div id="incidents"/);
  assert.match(fragment.text, /<strong>Held<\/strong> \(held by test-operator\)/);
  assert.doesNotMatch(fragment.text, /data-publish-at/);
  assert.equal((await page('/fragments/incidents', null)).status, 401);
});
