// Deploys beside incidents on the status site: every public incident lists the deploys of its
// components in the hour before it started, and uptime bars mark the days with deploys. The
// selection is checked against a brute-force reference on generated data, then end to end on a
// real SQLite store, the rendered site and `vigil incident show`.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { statusSiteOf } from '../../src/status/incidents/settings.ts';
import { renderSite } from '../../src/status/site/render-site.ts';
import { buildStatusSnapshot, loadStatusSnapshot } from '../../src/status/snapshot-builder.ts';
import type { Deploy } from '../../src/store/deploys.ts';
import type { IncidentRecord } from '../../src/store/incidents.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { vigil } from '../helpers/cli.ts';
import { modelFromYaml, tempDir } from '../helpers/model.ts';

const HOUR = 3_600_000;
const CONFIG = `
settings:
  store: { path: vigil.db }
hosts:
  - name: web1
    services: [{ name: shop-http, check: { kind: dummy } }]
  - name: api1
    services: [{ name: api, check: { kind: dummy } }]
components:
  Shop:
    match: { services: [web1/shop-http] }
  Checkout:
    parent: Shop
    match: { hosts: [web1] }
  API:
    match: { services: [api1/api] }
`;
const model = modelFromYaml(CONFIG);
const SERVICES = [
  'shop-http',
  'web1/shop-http',
  'web1',
  'Shop',
  'Checkout',
  'api',
  'api1/api',
  'API',
  'billing',
];
/** Which deploy names count for which component, written out by hand (Checkout is the host only, so not its service). */
const COUNTS_FOR: Record<string, string[]> = {
  Shop: ['shop-http', 'web1/shop-http', 'web1', 'Shop', 'Checkout'],
  Checkout: ['web1', 'Checkout', 'Shop'],
  API: ['api', 'api1/api', 'API'],
};

function incident(id: number, components: string[], startedAt: number): IncidentRecord {
  return {
    id,
    title: `incident ${id}`,
    impact: 'major',
    phase: 'investigating',
    status: 'published',
    components,
    causes: [],
    startedAt,
    createdAt: startedAt,
    publishAt: null,
    publishedAt: startedAt + 60_000,
    firstPostMs: 60_000,
    heldBy: null,
    resolvedAt: null,
    resolveAt: null,
    postmortemUrl: null,
    origin: 'automatic',
    updates: [],
  } as unknown as IncidentRecord;
}

const T0 = Date.UTC(2026, 5, 15, 12);

test('each public incident lists exactly the deploys of its components in the hour before it started', () => {
  const deployArb = fc.record({
    service: fc.constantFrom(...SERVICES),
    at: fc.integer({ min: T0 - 3 * HOUR, max: T0 + HOUR }),
  });
  fc.assert(
    fc.property(
      fc.array(deployArb, { maxLength: 30 }),
      fc.array(
        fc.record({
          components: fc.subarray(['Shop', 'Checkout', 'API'], { minLength: 1 }),
          at: fc.integer({ min: T0 - 2 * HOUR, max: T0 + HOUR }),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      (raw, shapes) => {
        const deploys: Deploy[] = raw
          .map((d, i) => ({
            id: i + 1,
            ...d,
            version: `v${i}`,
            by: 'ci',
            description: '',
            link: '',
            recordedAt: d.at,
          }))
          .sort((a, b) => a.at - b.at || a.id - b.id);
        const incidents = shapes.map((s, i) => incident(i + 1, s.components, s.at));
        const snapshot = buildStatusSnapshot({
          site: statusSiteOf(model.settings),
          components: model.components,
          statuses: new Map(),
          incidents,
          maintenance: [],
          uptimeSince: T0 - 90 * 24 * HOUR,
          deploys,
          services: model.services,
          now: T0 + 2 * HOUR,
        });
        for (const shown of snapshot.incidents) {
          const source = incidents.find((i) => String(i.id) === shown.id);
          assert.ok(source);
          const names = new Set(source.components.flatMap((c) => COUNTS_FOR[c] ?? []));
          const expected = deploys
            .filter(
              (d) => d.at >= source.startedAt - HOUR && d.at <= source.startedAt && names.has(d.service),
            )
            .map((d) => ({ service: d.service, version: d.version, at: d.at }));
          assert.deepEqual(shown.deploysBefore ?? [], expected);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('from the store: incident pages list the deploys, uptime bars mark deploy days, `vigil incident show` lists them', async () => {
  const dir = await tempDir('vigil-incident-deploys-');
  const configPath = path.join(dir, 'vigil.yml');
  await writeFile(configPath, CONFIG);
  const fileModel = modelFromYaml(CONFIG, dir);
  const store = await openSqliteStore(path.join(dir, 'vigil.db'));
  await store.migrate();
  const now = Date.now();
  const started = now - 2 * HOUR;
  const record = (service: string, version: string, at: number) =>
    store.deploys.record({ service, version, at, by: 'jörg', description: '', link: '' }, at);
  await record('shop-http', 'v<b>891</b>', started - 20 * 60_000);
  await record('api', '2.4.0', started - 10 * 60_000); // another component's
  await record('Shop', 'v892', started); // names the component itself
  await record('shop-http', 'v890', started - 2 * HOUR); // too early
  const made = await store.incidents.create(
    {
      title: 'Shop is down',
      impact: 'critical',
      phase: 'investigating',
      status: 'published',
      components: ['Shop'],
      causes: [],
      startedAt: started,
      createdAt: started,
      publishAt: null,
      origin: 'automatic',
    },
    { phase: 'investigating', message: 'Looking into it', author: 'vigil' },
  );
  await store.incidents.change(made.id, {
    publishedAt: started + 60_000,
    firstPostMs: 60_000,
    updatedAt: started + 60_000,
  });

  const snapshot = await loadStatusSnapshot(store, fileModel, new Map(), now);
  await store.close();
  const shown = snapshot.incidents.find((i) => i.id === String(made.id));
  assert.deepEqual(
    shown?.deploysBefore?.map((d) => `${d.service} ${d.version}`),
    ['shop-http v<b>891</b>', 'Shop v892'],
  );
  const shop = snapshot.components.find((c) => c.name === 'Shop');
  const api = snapshot.components.find((c) => c.name === 'API');
  const deployDays = (shop?.uptime ?? []).reduce((sum, d) => sum + (d.deploys ?? 0), 0);
  assert.equal(deployDays, 3, 'the Shop bar counts its three deploys');
  assert.equal(
    (api?.uptime ?? []).reduce((sum, d) => sum + (d.deploys ?? 0), 0),
    1,
  );

  const files = renderSite(snapshot);
  const page = [...files].find(
    ([name, body]) => name.startsWith('incidents/') && body.includes('Shop is down'),
  );
  assert.ok(page, 'the incident has its page');
  assert.match(page[1], /Deploys in the hour before/);
  assert.match(page[1], /shop-http v&lt;b&gt;891&lt;\/b&gt;/, 'versions are escaped');
  assert.doesNotMatch(page[1], /2\.4\.0/, "another component's deploy is not listed");
  const home = files.get('index.html') ?? '';
  assert.match(home, /<path class="deploy" d="M\d+\.37 0v2/, 'a tick marks the deploy days');
  assert.match(home, /\d+ deploys?(: [^<]*)?<\/title>/, "the day's title names its deploys");

  const shownByCli = await vigil(['incident', 'show', String(made.id), '-c', configPath], { TZ: 'UTC' });
  assert.equal(shownByCli.code, 0, shownByCli.stderr);
  assert.match(
    shownByCli.stdout,
    /deploys in the hour before:\n.*shop-http v<b>891<\/b> by jörg\n.*Shop v892 by jörg\n/,
  );
  assert.doesNotMatch(shownByCli.stdout, /2\.4\.0|v890/);
  const json = await vigil(['incident', 'show', String(made.id), '--json', '-c', configPath]);
  assert.deepEqual(
    (JSON.parse(json.stdout) as { deploysBefore: { version: string }[] }).deploysBefore.map((d) => d.version),
    ['v<b>891</b>', 'v892'],
  );
});
