// The dashboard's availability page against a real daemon and its store: a known outage and a
// maintenance window in the ledger come out as the figures an operator reads (downtime with
// maintenance counted in and shown beside it, incidents, error budget), the daily chart marks
// the bad day and the deploys, and names from the configuration stay text.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { localDayOf, startOfLocalDay } from '../../src/availability/periods.ts';
import { statusSiteOf } from '../../src/status/incidents/settings.ts';
import { type ApiHarness, startHarness } from '../api/harness.ts';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
const HOSTILE_NAME = 'Shop <img src=x onerror=alert(1)>';

let api: ApiHarness;
let badDay = '';

before(async () => {
  api = await startHarness(`
hosts:
  - name: web1
    services: [{ name: shop-http, check: { kind: dummy } }]
  - name: api1
    services: [{ name: api, check: { kind: dummy } }]
components:
  "${HOSTILE_NAME}":
    target: 99.9
    match: { services: [web1/shop-http] }
  API:
    match: { services: [api1/api] }
`);
  const { store, engine } = api.daemon;
  const now = Date.now();
  const zone = statusSiteOf(engine.currentModel.settings).timeZone;
  const today = localDayOf(now, zone);
  // Monitoring ran all week, so nothing of it is unknown.
  const run = await store.availability.startRun(now - 10 * DAY);
  await store.availability.stopRun(run, now);
  const outageStart = startOfLocalDay(today - 2, zone) + 10 * 60 * MINUTE;
  const maintenanceStart = startOfLocalDay(today - 4, zone) + 3 * 60 * MINUTE;
  badDay = new Date(startOfLocalDay(today - 2, zone) + 12 * 60 * MINUTE).toISOString().slice(0, 10);
  const rows = [
    {
      subjectKind: 'component' as const,
      subjectId: HOSTILE_NAME,
      kind: 'outage' as const,
      cause: 'web1/shop-http CRITICAL',
      weight: 1,
      start: outageStart,
      end: outageStart + 60 * MINUTE,
    },
    {
      subjectKind: 'component' as const,
      subjectId: HOSTILE_NAME,
      kind: 'maintenance' as const,
      cause: 'kernel update',
      weight: 1,
      start: maintenanceStart,
      end: maintenanceStart + 30 * MINUTE,
    },
  ];
  await store.availability.open(rows);
  await store.availability.close(rows);
  await store.deploys.record(
    {
      service: 'shop-http',
      version: 'v<script>9</script>',
      at: outageStart - 10 * MINUTE,
      by: 'jörg',
      description: '',
      link: '',
    },
    now,
  );
  await store.deploys.record(
    {
      service: 'api',
      version: 'api-2.4.0',
      at: outageStart - 5 * MINUTE,
      by: 'ci',
      description: '',
      link: '',
    },
    now,
  );
});

after(() => api?.stop());

async function page(path: string, as: 'viewer' | null = 'viewer'): Promise<{ status: number; text: string }> {
  const response = await api.fetch(path, { as, redirect: 'manual' });
  return { status: response.status, text: await response.text() };
}

/** The table row of one component, as text between its <tr> and </tr>. */
function rowOf(text: string, marker: string): string {
  const start = text.indexOf(`data-component="${marker}"`);
  assert.ok(start > 0, `a row for ${marker}`);
  return text.slice(start, text.indexOf('</tr>', start));
}

test('availability page: figures from the ledger, maintenance shown and counted, budget, chart with deploys, names escaped', async () => {
  assert.equal((await page('/availability', null)).status, 302, 'anonymous visitors sign in first');
  const { status, text } = await page('/availability?period=7d');
  assert.equal(status, 200);
  assert.match(text, /<a href="\/availability" aria-current="page">Availability<\/a>/, 'in the navigation');
  assert.match(text, /<a href="\/availability\?period=7d[^"]*" aria-current="true">7d<\/a>/);
  assert.doesNotMatch(text, /<img src=x/, 'the component name is text');
  assert.doesNotMatch(text, /<script>9/, 'the version is text');

  const shop = rowOf(text, 'Shop &lt;img src=x onerror=alert(1)&gt;');
  const cells = [...shop.matchAll(/<td class="figure[^"]*">([^<]*)</g)].map((m) => m[1]);
  // availability, downtime, maintenance, unknown, incidents, longest, target, budget used, budget left
  assert.match(cells[0] ?? '', /^99\.\d+ %$/);
  assert.equal(cells[1], '90', 'downtime counts the maintenance');
  assert.equal(cells[2], '30', 'the maintenance is shown on its own');
  assert.equal(cells[3], '0', 'monitoring ran all week: nothing unknown');
  assert.equal(cells[4], '1', 'the outage; maintenance is not an incident');
  assert.equal(cells[5], '60');
  assert.equal(cells[6], '99.90 %');
  const allowed = Number(/^90 of (\d+(?:\.\d)?)$/.exec(cells[7] ?? '')?.[1]);
  assert.ok(
    allowed > 8.6 && allowed <= 10.08,
    `six to seven days of 99.9 % allow 8.6 to 10 minutes, not ${cells[7]}`,
  );
  assert.match(shop, /over-budget">-\d+(\.\d)? \(over\)/);

  const apiRow = rowOf(text, 'API');
  assert.match(apiRow, /<td class="figure">100 %<\/td>/);
  assert.match(apiRow, /no target/);

  // The chart is the first component's by default: the bad day red, with its deploy and not API's.
  assert.match(
    text,
    new RegExp(`<rect class="day down"[^>]*><title>${badDay}: 9\\d\\.\\d+ % available, 60 min down`),
  );
  assert.match(
    text,
    /<line class="deploy"[^>]*><title>shop-http: version v&lt;script&gt;9&lt;\/script&gt; by jörg at /,
  );
  assert.doesNotMatch(text, /api-2\.4\.0/);

  const other = await page('/availability?period=30d&component=API');
  assert.match(other.text, /<h2 id="daily-title">API day by day<\/h2>/);
  assert.match(other.text, /api: version api-2\.4\.0 by ci/);
  assert.equal((other.text.match(/<rect class="day/g) ?? []).length, 30, 'one bar per day');

  const unknown = await page('/availability?period=5y&component=nope');
  assert.equal(unknown.status, 200, 'an unknown period or component falls back to the defaults');
  assert.match(unknown.text, /last 30d/);
});
