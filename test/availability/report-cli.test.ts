// `vigil report availability` on a real SQLite store, and GET /api/v1/reports/availability
// over real HTTP, with a corrupted ledger row in the store.
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { registerAvailabilityRoutes } from '../../src/api/availability-routes.ts';
import type { Daemon } from '../../src/api/daemon.ts';
import type { AvailabilityReport } from '../../src/availability/report.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { vigil } from '../helpers/cli.ts';
import { modelFromYaml, tempDir } from '../helpers/model.ts';

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
// Two whole days in Berlin (the 29th of March 2026 has 23 hours), watched throughout.
const SINCE = Date.parse('2026-03-28T00:00:00+01:00');
const UNTIL = Date.parse('2026-03-30T00:00:00+02:00');

const CONFIG = `
settings:
  store: { path: vigil.db }
hosts:
  - name: web-1
    services: [{ name: http, check: { kind: dummy } }]
  - name: web-2
    services: [{ name: http, check: { kind: dummy } }]
components:
  Shop:
    target: 99.9
    match: { services: [web-1/http, web-2/http] }
  Checkout:
    parent: Shop
    match: { services: [web-2/http] }
`;

let dir = '';
let configPath = '';

before(async () => {
  dir = await tempDir('vigil-availability-');
  configPath = path.join(dir, 'vigil.yml');
  await writeFile(configPath, CONFIG);
  const store = await openSqliteStore(path.join(dir, 'vigil.db'));
  await store.migrate();
  const run = await store.availability.startRun(SINCE - DAY);
  await store.availability.stopRun(run, UNTIL + DAY);
  const interval = (
    subjectKind: 'service' | 'component',
    subjectId: string,
    kind: 'outage' | 'maintenance' | 'partial',
    weight: number,
    start: number,
    minutes: number,
  ) => ({
    subjectKind,
    subjectId,
    kind,
    cause: kind,
    weight,
    start,
    end: start + minutes * MINUTE,
  });
  const rows = [
    interval('service', 'web-1/http', 'outage', 1, SINCE + 60 * MINUTE, 12),
    interval('service', 'web-1/http', 'maintenance', 1, SINCE + DAY + 120 * MINUTE, 30),
    interval('component', 'Shop', 'partial', 0.5, SINCE + 60 * MINUTE, 12),
    interval('component', 'Shop', 'maintenance', 0.5, SINCE + DAY + 120 * MINUTE, 30),
  ];
  await store.availability.open(rows);
  await store.availability.close(rows);
  await store.availability.open([
    {
      subjectKind: 'service',
      subjectId: 'web-2/http',
      kind: 'outage',
      cause: 'x',
      weight: 1,
      start: SINCE + 5 * MINUTE,
    },
  ]);
  await store.close();
  // A row damaged outside Vigil: it ends before it starts.
  const raw = new Database(path.join(dir, 'vigil.db'));
  raw
    .prepare("update availability_intervals set end_at = start_at - 60000 where subject_id = 'web-2/http'")
    .run();
  raw.close();
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const range = ['--since', '2026-03-28', '--until', '2026-03-30', '--time-zone', 'Europe/Berlin'];

test('the JSON report splits days at local midnight and counts maintenance as downtime', async () => {
  const result = await vigil([
    'report',
    'availability',
    '-c',
    configPath,
    ...range,
    '--period',
    'day',
    '--format',
    'json',
  ]);
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(result.stdout) as AvailabilityReport;
  const web1 = report.rows.filter((r) => r.subject.id === 'web-1/http');
  assert.deepEqual(
    web1.map((r) => [r.period.label, r.periodMinutes, r.downtimeMinutes, r.maintenanceMinutes, r.incidents]),
    [
      ['2026-03-28', 1440, 12, 0, 0 + 1],
      ['2026-03-29', 1380, 30, 30, 0],
    ],
  );
  const shop = report.rows.find((r) => r.subject.id === 'Shop' && r.period.label === '2026-03-28');
  assert.equal(shop?.subject.kind, 'product');
  assert.equal(shop?.downtimeMinutes, 6, 'a partial outage counts half');
  assert.equal(shop?.budget?.allowedMinutes, 1.44);
  const checkout = report.rows.find((r) => r.subject.id === 'Checkout');
  assert.equal(checkout?.subject.parent, 'Shop');
  // The damaged row is left out of web-2's figures and named on stderr.
  const web2 = report.rows.filter((r) => r.subject.id === 'web-2/http');
  assert.deepEqual(
    web2.map((r) => r.availabilityPercent),
    [100, 100],
  );
  assert.equal(report.skipped.length, 1);
  assert.match(result.stderr, /ledger row \d+ \(service web-2\/http\) skipped: ends .* before it starts/);
});

test('the table and CSV show the same figures; one component is chosen with --component', async () => {
  const table = await vigil([
    'report',
    'availability',
    '-c',
    configPath,
    ...range,
    '--component',
    'Shop',
    '--show-maintenance',
  ]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /SUBJECT\s+KIND\s+PERIOD\s+AVAILABILITY\s+DOWNTIME\s+OF WHICH MAINTENANCE/);
  // 6 + 15 weighted minutes of 2,820: 99.2553... %, cut, not rounded up.
  assert.match(
    table.stdout,
    /Shop\s+product\s+2026-03-28\.\.2026-03-29\s+99\.2553 %\s+21 min\s+15 min\s+1\s+1\s+12 min/,
  );
  assert.match(table.stdout, /99\.9 %\s+-18 min of 2\.82 min/);
  assert.match(table.stdout, /Checkout\s+component/);
  assert.doesNotMatch(table.stdout, /web-1/);
  const everything = await vigil(['report', 'availability', '-c', configPath, ...range]);
  assert.match(everything.stdout, /warning: ledger row \d+ \(service web-2\/http\) skipped/);

  const csv = await vigil([
    'report',
    'availability',
    '-c',
    configPath,
    ...range,
    '--service',
    'web-1/http',
    '--format',
    'csv',
  ]);
  assert.equal(csv.code, 0, csv.stderr);
  const [header, line] = csv.stdout.trim().split('\n');
  assert.match(
    header ?? '',
    /^subject_kind,subject,parent,period,period_start,period_end,availability_percent,downtime_minutes/,
  );
  assert.match(
    line ?? '',
    /^service,web-1\/http,,2026-03-28\.\.2026-03-29,2026-03-27T23:00:00.000Z,2026-03-29T22:00:00.000Z,[\d.]+,42,30,1,1,12,0,2820,,,$/,
  );
});

test('bad options get one clear line naming the option', async () => {
  const cases: [string[], RegExp][] = [
    [['--since', 'yesterday-ish'], /since "yesterday-ish" is not a time/],
    [['--component', 'Nope'], /no component "Nope" in the configuration \(known: Shop, Checkout\)/],
    [['--time-zone', 'Mars/Olympus'], /time zone "Mars\/Olympus" is not known/],
    [['--target', '100'], /target "100" is not a percentage/],
    [['--since', '2026-03-02', '--until', '2026-03-01'], /the period is empty/],
  ];
  for (const [args, message] of cases) {
    const result = await vigil(['report', 'availability', '-c', configPath, ...args]);
    assert.equal(result.code, 1, args.join(' '));
    assert.match(result.stderr, message);
  }
  const help = await vigil(['report', 'availability', '--help']);
  assert.match(help.stdout, /availability per product, component, host and service/);
});

test('GET /api/v1/reports/availability answers the same report, and 400 with the reason', async () => {
  const store = await openSqliteStore(path.join(dir, 'vigil.db'));
  const model = modelFromYaml(CONFIG, dir);
  // As the daemon's API: unknown query fields are refused, not dropped.
  const app = Fastify({ ajv: { customOptions: { removeAdditional: false } } });
  registerAvailabilityRoutes(app, { engine: { currentModel: model }, store } as unknown as Daemon);
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const address = app.server.address();
    assert.ok(address && typeof address === 'object');
    const base = `http://127.0.0.1:${address.port}/api/v1/reports/availability`;
    const ok = await fetch(
      `${base}?since=2026-03-28&until=2026-03-30&time_zone=Europe/Berlin&service=web-1/http&target=99.99`,
    );
    assert.equal(ok.status, 200);
    const report = (await ok.json()) as AvailabilityReport;
    assert.equal(report.rows.length, 1);
    assert.equal(report.rows[0]?.downtimeMinutes, 42);
    assert.equal(report.rows[0]?.budget?.targetPercent, 99.99);
    const bad = await fetch(`${base}?since=2026-03-28&component=Nope`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /no component "Nope"/);
    const unknownField = await fetch(`${base}?colour=blue`);
    assert.equal(unknownField.status, 400);
  } finally {
    await app.close();
    await store.close();
  }
});
