// `vigil report noise` on a real SQLite store filled through the store's own APIs, and the
// same report from the running daemon's API.
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import type { NoiseReport } from '../../src/alerting/noise-report.ts';
import type { Notification, NotificationKind, Urgency } from '../../src/alerting/notification.ts';
import type { StateEvent } from '../../src/model/types.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { adminHeaders } from '../helpers/api-auth.ts';
import { freePort, startVigil, vigil } from '../helpers/cli.ts';
import { eventually, tempDir } from '../helpers/model.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/**
 * Midnight UTC of last week's Monday: the report covers that week and compares it with the
 * one before, both recent enough that the store still keeps their notifications.
 */
const SINCE = (() => {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const weekday = (new Date(today).getUTCDay() + 6) % 7;
  return today - (weekday + 7) * DAY;
})();
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);
const at = (day: number, hour: number, minute = 0) => SINCE + day * DAY + hour * HOUR + minute * MINUTE;

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function config(port: number): string {
  return `
settings:
  listen: 127.0.0.1:${port}
  store: { path: vigil.db }
channels:
  alice-phone: { kind: webhook, url: "http://127.0.0.1:9/alice" }
  bob-phone: { kind: webhook, url: "http://127.0.0.1:9/bob" }
  ops-chat: { kind: webhook, url: "http://127.0.0.1:9/chat" }
routes:
  - { name: customer-facing, match: { tags: [customer-facing] }, page: [alice-phone, bob-phone], chat: [ops-chat] }
  - { name: everything else, chat: [ops-chat] }
time_periods:
  office: { time_zone: UTC, ranges: ["monday-friday 09:00-18:00"] }
contacts:
  alice: { notify: [alice-phone] }
  bob: { notify: [bob-phone] }
hosts:
  - name: web-1
    tags: [customer-facing]
  - name: db-1
`;
}

function notification(
  receiver: string,
  createdAt: number,
  urgency: Urgency,
  route: string,
  objectId: string,
  since: number,
  kind: NotificationKind = 'problem',
): Notification {
  const [host, service] = objectId.split('/') as [string, string | undefined];
  return {
    id: `${objectId}@${since}:${kind}:${receiver}:${createdAt}`,
    kind,
    urgency,
    route,
    receiver,
    problem: {
      objectId,
      host,
      service: service ?? null,
      state: kind === 'recovery' ? 'OK' : 'CRITICAL',
      output: '',
      since,
      affected: [],
      affectedHosts: 0,
      affectedServices: 0,
      degraded: [],
      location: {},
      flapping: false,
      tags: [],
    },
    title: `${objectId} ${kind}`,
    text: '',
    createdAt,
  };
}

function event(objectId: string, kind: StateEvent['kind'], time: number): StateEvent {
  return {
    objectId,
    kind,
    at: time,
    state: kind === 'recovery' ? 0 : 2,
    previousState: kind === 'recovery' ? 2 : 0,
    stateType: 'HARD',
    attempt: 1,
    output: '',
  };
}

async function fillStore(file: string): Promise<void> {
  const store = await openSqliteStore(file);
  try {
    await store.migrate();
    const sent = [
      // The week before: three chat messages.
      notification('ops-chat', at(-5, 14), 'chat', 'everything else', 'db-1/disk', at(-5, 13)),
      notification('ops-chat', at(-4, 14), 'chat', 'everything else', 'db-1/disk', at(-4, 13)),
      notification('ops-chat', at(-3, 14), 'chat', 'everything else', 'db-1/disk', at(-3, 13)),
      // Monday 03:05: web-1/http pages both at night and recovers unacknowledged after 15 minutes.
      notification('alice-phone', at(0, 3, 5), 'page', 'customer-facing', 'web-1/http', at(0, 3)),
      notification('bob-phone', at(0, 3, 5), 'page', 'customer-facing', 'web-1/http', at(0, 3)),
      notification('ops-chat', at(0, 3, 5), 'chat', 'customer-facing', 'web-1/http', at(0, 3)),
      // Tuesday 10:00: web-1 down in office hours, alice acknowledges after 6 minutes.
      notification('alice-phone', at(1, 10), 'page', 'customer-facing', 'web-1', at(1, 9, 58)),
      notification('ops-chat', at(1, 10), 'chat', 'customer-facing', 'web-1', at(1, 9, 58)),
      notification('ops-chat', at(1, 11), 'chat', 'customer-facing', 'web-1', at(1, 9, 58), 'recovery'),
      // Thursday: db-1/disk in chat, acknowledged after 40 minutes.
      notification('ops-chat', at(3, 12), 'chat', 'everything else', 'db-1/disk', at(3, 11, 50)),
    ];
    await store.outbox.enqueue(
      sent.map((n) => ({ id: n.id, receiver: n.receiver, payload: n, createdAt: n.createdAt })),
    );
    for (const n of sent) await store.outbox.markDelivered([n.id], n.createdAt + 500);
    for (const [objectId, createdAt] of [
      ['web-1', at(1, 10, 6)],
      ['db-1/disk', at(3, 12, 40)],
    ] as const) {
      await store.acknowledgements.add({
        objectId,
        state: 2,
        author: 'alice',
        comment: 'on it',
        sticky: false,
        expiresAt: null,
        createdAt,
      });
    }
    await store.write({
      results: [],
      states: [],
      events: [
        event('web-1/http', 'recovery', at(0, 3, 15)),
        event('web-1', 'recovery', at(1, 11)),
        event('db-1/disk', 'flapping-start', at(4, 9)),
        event('db-1/disk', 'flapping-stop', at(4, 12)),
      ],
    });
  } finally {
    await store.close();
  }
}

async function setup() {
  const dir = await tempDir('vigil-noise-');
  dirs.push(dir);
  const file = path.join(dir, 'vigil.yml');
  const port = await freePort();
  await writeFile(file, config(port));
  await fillStore(path.join(dir, 'vigil.db'));
  return { file, port };
}

const iso = (time: number) => new Date(time).toISOString().slice(0, 16);
const WEEK = [
  '--since',
  `${iso(SINCE)}Z`,
  '--until',
  `${iso(SINCE + 7 * DAY)}Z`,
  '--business-hours',
  'office',
];

test('vigil report noise --json counts what the store holds', async () => {
  const { file } = await setup();
  const run = await vigil(['report', 'noise', ...WEEK, '--json', '-c', file]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as NoiseReport;
  assert.equal(report.since, SINCE);
  assert.equal(report.until, SINCE + 7 * DAY);
  assert.deepEqual(report.businessHours, { name: 'office', description: 'office (UTC)', timeZone: 'UTC' });
  assert.equal(report.totals.notifications, 7);
  assert.equal(report.totals.pages, 3);
  assert.equal(report.totals.pagesOutsideBusinessHours, 2);
  assert.equal(report.totals.problems, 3);
  assert.deepEqual(report.totals.byKind, { problem: 6, recovery: 1 });
  assert.equal(report.previous.notifications, 3);
  assert.equal(report.previous.complete, true);
  assert.equal(report.complete, true);
  assert.deepEqual(
    report.perRoute.map((r) => [r.route, r.total, r.page, r.chat]),
    [
      ['customer-facing', 6, 3, 3],
      ['everything else', 1, 0, 1],
    ],
  );
  assert.deepEqual(
    report.perReceiver.map((r) => [r.receiver, r.kind, r.total]),
    [
      ['ops-chat', 'webhook', 4],
      ['alice-phone', 'webhook', 2],
      ['bob-phone', 'webhook', 1],
    ],
  );
  assert.deepEqual(
    report.perPerson.map((p) => [p.person, p.total, p.page]),
    [
      ['alice', 2, 2],
      ['bob', 1, 1],
    ],
  );
  assert.deepEqual(
    report.pages.worstNights.map((n) => [n.night, n.pages, n.receivers]),
    // 03:05 on Monday: the night that began on Sunday.
    [[isoDay(SINCE - DAY), 2, ['alice-phone', 'bob-phone']]],
  );
  assert.deepEqual(report.noisiestHosts[0], { objectId: 'web-1', notifications: 6, pages: 3, problems: 2 });
  assert.deepEqual(report.flapping, [
    { objectId: 'db-1/disk', episodes: 1, flappingMs: 3 * HOUR, notifications: 1 },
  ]);
  assert.deepEqual(
    report.recoveredUnacknowledged.objects.map((o) => [o.objectId, o.problems, o.paged, o.medianRecoveryMs]),
    [['web-1/http', 1, 1, 15 * MINUTE]],
  );
  assert.deepEqual(report.timeToAcknowledge, {
    count: 2,
    medianMs: 6 * MINUTE,
    p90Ms: 40 * MINUTE,
    minMs: 6 * MINUTE,
    maxMs: 40 * MINUTE,
    unacknowledged: 1,
  });
});

test('vigil report noise prints the trend first, a chart per day and the tables', async () => {
  const { file } = await setup();
  const run = await vigil(['report', 'noise', ...WEEK, '-c', file]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split('\n');
  assert.equal(
    lines[0],
    `Noise report ${iso(SINCE).replace('T', ' ')} – ${iso(SINCE + 7 * DAY).replace('T', ' ')} (UTC)`,
  );
  assert.equal(
    lines[1],
    'Notifications 7, up 133 % from 3 in the previous 7 days; pages outside business hours 2, up from 0.',
  );
  // Monday has the most notifications: the longest bar.
  assert.match(run.stdout, new RegExp(`${isoDay(SINCE)} {2}3 █{40} {2}\\(2 pages\\)`));
  assert.match(run.stdout, new RegExp(`${isoDay(SINCE + 4 * DAY)} {2}0\n`));
  assert.match(run.stdout, /Pages outside business hours: 2 of 3/);
  assert.match(run.stdout, /Recovered before anyone acknowledged: 1 problem /);
  assert.match(run.stdout, /web-1\/http +1 +1 +15m +15m +customer-facing/);
  assert.match(
    run.stdout,
    /Time to acknowledge\n {2}median 6m, p90 40m over 2 acknowledged problems; 1 never/,
  );
});

test('vigil report noise says what is wrong with its options', async () => {
  const { file } = await setup();
  const badTime = await vigil(['report', 'noise', '--since', 'last tuesday', '-c', file]);
  assert.equal(badTime.code, 1);
  assert.match(badTime.stderr, /since "last tuesday" is not a time/);
  const badPeriod = await vigil(['report', 'noise', '--business-hours', 'office-hours', '-c', file]);
  assert.match(badPeriod.stderr, /no time period "office-hours" in the configuration \(known: office\)/);
  const empty = await vigil([
    'report',
    'noise',
    '--since',
    '2026-03-09',
    '--until',
    '2026-03-02',
    '-c',
    file,
  ]);
  assert.match(empty.stderr, /the period is empty/);
  const byDefault = await vigil(['report', 'noise', '-c', file], { TZ: 'UTC' });
  assert.equal(byDefault.code, 0, byDefault.stderr);
  assert.match(byDefault.stdout, /Business hours: Mon–Fri 09:00–18:00 UTC \(default; choose a time period/);
  // Delivered notifications are kept 400 days: the default report compares with the 30 days before.
  assert.match(byDefault.stdout, /the previous 30 days/);
  assert.doesNotMatch(byDefault.stdout, /no comparison/);
});

test('GET /api/v1/reports/noise answers the same JSON as the CLI', async () => {
  const { file, port } = await setup();
  const cli = await vigil(['report', 'noise', ...WEEK, '--json', '-c', file]);
  const daemon = startVigil(['run', '-c', file, '--log-level', 'error']);
  try {
    const base = `http://127.0.0.1:${port}/api/v1/reports/noise`;
    const query = `since=${iso(SINCE)}Z&until=${iso(SINCE + 7 * DAY)}Z&business_hours=office`;
    assert.ok(
      await eventually(
        async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok ?? false,
        30_000,
      ),
      daemon.output(),
    );
    const headers = await adminHeaders(path.dirname(file));
    const answer = await fetch(`${base}?${query}`, { headers });
    assert.equal(answer.status, 200);
    // The same figures; only the retention horizon moves with the time of asking.
    const withoutHorizon = (report: NoiseReport) => ({ ...report, notificationsKeptSince: null });
    const fromApi = (await answer.json()) as NoiseReport;
    assert.equal(fromApi.totals.notifications, 7);
    assert.deepEqual(withoutHorizon(fromApi), withoutHorizon(JSON.parse(cli.stdout) as NoiseReport));
    const bad = await fetch(`${base}?since=yesterday-ish`, { headers });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /since "yesterday-ish" is not a time/);
  } finally {
    daemon.child.kill('SIGTERM');
    await new Promise((resolve) => daemon.child.once('exit', resolve));
  }
});
