import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type AcknowledgementFact,
  type BusinessHours,
  buildNoiseReport,
  type NoiseReportInput,
  percentile,
  type SentNotification,
  type StateChangeFact,
} from '../../src/alerting/noise-report.ts';
import type { NotificationKind, Urgency } from '../../src/alerting/notification.ts';
import { trendLine } from '../../src/cli/noise-report-text.ts';
import { isInPeriod, parseTimePeriod } from '../../src/model/time-period.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Monday 2026-03-02 00:00 UTC: the week reported. */
const SINCE = Date.UTC(2026, 2, 2);
const UNTIL = SINCE + 7 * DAY;
const at = (day: number, hour: number, minute = 0) => SINCE + day * DAY + hour * HOUR + minute * MINUTE;

function businessHours(): BusinessHours {
  const parsed = parseTimePeriod({ time_zone: 'UTC', ranges: ['monday-friday 09:00-18:00'] });
  assert.ok(parsed.ok);
  return { name: 'office', description: 'office (UTC)', period: parsed.period };
}

function sent(
  receiver: string,
  createdAt: number,
  urgency: Urgency,
  route: string,
  objectId: string,
  since: number,
  kind: NotificationKind = 'problem',
): SentNotification {
  const slash = objectId.indexOf('/');
  return {
    receiver,
    createdAt,
    payload: {
      kind,
      urgency,
      route,
      problem: {
        objectId,
        host: slash < 0 ? objectId : objectId.slice(0, slash),
        service: slash < 0 ? null : objectId.slice(slash + 1),
        since,
      },
    },
  };
}

/** A week of a small team's alerting, built by hand so every figure below can be checked by eye. */
function week(): NoiseReportInput {
  const notifications: SentNotification[] = [
    // The previous week: one night page and two chat messages, two problems.
    sent(
      'alice-phone',
      Date.UTC(2026, 1, 25, 2, 0),
      'page',
      'customer-facing',
      'web-1/http',
      Date.UTC(2026, 1, 25, 1, 58),
    ),
    sent(
      'ops-chat',
      Date.UTC(2026, 1, 25, 2, 0),
      'chat',
      'customer-facing',
      'web-1/http',
      Date.UTC(2026, 1, 25, 1, 58),
    ),
    sent(
      'ops-chat',
      Date.UTC(2026, 1, 26, 14, 0),
      'chat',
      'everything else',
      'db-1/disk',
      Date.UTC(2026, 1, 26, 13, 55),
    ),
    // 1. Monday 03:05, a night page that recovers by itself 20 minutes after it started.
    sent('alice-phone', at(0, 3, 5), 'page', 'customer-facing', 'web-1/http', at(0, 3)),
    sent('ops-chat', at(0, 3, 5), 'chat', 'customer-facing', 'web-1/http', at(0, 3)),
    // 2. Tuesday 10:01, db-1 down in office hours: two pages, chat, acknowledged after 10 minutes, recovery sent.
    sent('alice-phone', at(1, 10, 1), 'page', 'customer-facing', 'db-1', at(1, 10)),
    sent('bob-phone', at(1, 10, 1), 'page', 'customer-facing', 'db-1', at(1, 10)),
    sent('ops-chat', at(1, 10, 1), 'chat', 'customer-facing', 'db-1', at(1, 10)),
    sent('ops-chat', at(1, 11), 'chat', 'customer-facing', 'db-1', at(1, 10), 'recovery'),
    // 3. Wednesday 23:02 a night page, escalated to bob at 23:17, acknowledged at 23:32.
    sent('alice-phone', at(2, 23, 2), 'page', 'customer-facing', 'web-1/http', at(2, 23)),
    sent('bob-phone', at(2, 23, 17), 'page', 'customer-facing', 'web-1/http', at(2, 23)),
    // 4. Thursday noon, a disk warning by mail that nobody acknowledges and that does not recover.
    sent('ops-mail', at(3, 12), 'email', 'everything else', 'web-1/disk', at(3, 11, 55)),
    // After the period: not counted.
    sent('ops-chat', UNTIL, 'chat', 'everything else', 'web-1/disk', UNTIL),
  ];
  const acknowledgements: AcknowledgementFact[] = [
    { objectId: 'db-1', author: 'alice', createdAt: at(1, 10, 11) },
    { objectId: 'web-1/http', author: 'bob', createdAt: at(2, 23, 32) },
  ];
  const stateChanges: StateChangeFact[] = [
    { objectId: 'web-1/http', kind: 'recovery', at: at(0, 3, 20) },
    { objectId: 'db-1', kind: 'recovery', at: at(1, 11) },
    { objectId: 'web-1/http', kind: 'flapping-start', at: at(4, 8) },
    { objectId: 'web-1/http', kind: 'flapping-stop', at: at(4, 10) },
    { objectId: 'web-1/http', kind: 'flapping-start', at: at(5, 22) },
  ];
  return {
    since: SINCE,
    until: UNTIL,
    notifications,
    acknowledgements,
    stateChanges,
    contacts: new Map([
      ['alice', ['alice-phone', 'alice-mail']],
      ['bob', ['bob-phone']],
      // carol shares bob's pager: its pages count for both.
      ['carol', ['bob-phone']],
    ]),
    receiverKinds: new Map([
      ['alice-phone', 'pagerduty'],
      ['bob-phone', 'pagerduty'],
      ['ops-chat', 'slack'],
      ['ops-mail', 'email'],
    ]),
    businessHours: businessHours(),
  };
}

describe('noise report', () => {
  it('counts a hand-built week: totals, trend, routes, channels and people', () => {
    const report = buildNoiseReport(week());
    assert.deepEqual(
      { ...report.totals, byKind: undefined, byUrgency: undefined },
      {
        notifications: 9,
        pages: 5,
        pagesOutsideBusinessHours: 3,
        problems: 4,
        byKind: undefined,
        byUrgency: undefined,
      },
    );
    assert.deepEqual(report.totals.byKind, { problem: 8, recovery: 1 });
    assert.deepEqual(report.totals.byUrgency, { total: 9, page: 5, chat: 3, email: 1 });
    assert.deepEqual(report.previous, {
      since: SINCE - 7 * DAY,
      until: SINCE,
      notifications: 3,
      pages: 1,
      pagesOutsideBusinessHours: 1,
      problems: 2,
      complete: true,
    });
    assert.equal(
      trendLine(report),
      'Notifications 9, up 200 % from 3 in the previous 7 days; pages outside business hours 3, up from 1.',
    );
    assert.deepEqual(report.perRoute, [
      { route: 'customer-facing', total: 8, page: 5, chat: 3, email: 0 },
      { route: 'everything else', total: 1, page: 0, chat: 0, email: 1 },
    ]);
    assert.deepEqual(report.perReceiver, [
      { receiver: 'alice-phone', kind: 'pagerduty', total: 3, page: 3, chat: 0, email: 0 },
      { receiver: 'ops-chat', kind: 'slack', total: 3, page: 0, chat: 3, email: 0 },
      { receiver: 'bob-phone', kind: 'pagerduty', total: 2, page: 2, chat: 0, email: 0 },
      { receiver: 'ops-mail', kind: 'email', total: 1, page: 0, chat: 0, email: 1 },
    ]);
    assert.deepEqual(report.perPerson, [
      { person: 'alice', total: 3, page: 3, chat: 0, email: 0 },
      { person: 'bob', total: 2, page: 2, chat: 0, email: 0 },
      { person: 'carol', total: 2, page: 2, chat: 0, email: 0 },
    ]);
    assert.deepEqual(
      report.perDay.map((d) => [d.day, d.notifications, d.pages]),
      [
        ['2026-03-02', 2, 1],
        ['2026-03-03', 4, 2],
        ['2026-03-04', 2, 2],
        ['2026-03-05', 1, 0],
        ['2026-03-06', 0, 0],
        ['2026-03-07', 0, 0],
        ['2026-03-08', 0, 0],
      ],
    );
  });

  it('finds the night pages, the noisy objects, flapping, unacknowledged recoveries and time to acknowledge', () => {
    const report = buildNoiseReport(week());
    assert.deepEqual(report.pages, {
      total: 5,
      inBusinessHours: 2,
      outsideBusinessHours: 3,
      worstNights: [
        {
          night: '2026-03-04',
          pages: 2,
          problems: 1,
          receivers: ['alice-phone', 'bob-phone'],
          firstAt: at(2, 23, 2),
          lastAt: at(2, 23, 17),
        },
        // 03:05 on Monday belongs to the night that began on Sunday evening.
        {
          night: '2026-03-01',
          pages: 1,
          problems: 1,
          receivers: ['alice-phone'],
          firstAt: at(0, 3, 5),
          lastAt: at(0, 3, 5),
        },
      ],
    });
    assert.deepEqual(report.noisiestServices, [
      { objectId: 'web-1/http', notifications: 4, pages: 3, problems: 2 },
      { objectId: 'web-1/disk', notifications: 1, pages: 0, problems: 1 },
    ]);
    assert.deepEqual(report.noisiestHosts, [
      { objectId: 'web-1', notifications: 5, pages: 3, problems: 3 },
      { objectId: 'db-1', notifications: 4, pages: 2, problems: 1 },
    ]);
    // Two episodes: 2 h on Friday, and from Saturday 22:00 to the period's end (26 h).
    assert.deepEqual(report.flapping, [
      { objectId: 'web-1/http', episodes: 2, flappingMs: 28 * HOUR, notifications: 4 },
    ]);
    assert.deepEqual(report.recoveredUnacknowledged, {
      problems: 1,
      objects: [
        {
          objectId: 'web-1/http',
          problems: 1,
          paged: 1,
          medianRecoveryMs: 20 * MINUTE,
          maxRecoveryMs: 20 * MINUTE,
          routes: ['customer-facing'],
        },
      ],
    });
    // 10 min (db-1) and 30 min (web-1/http, from its first page, not from the escalation).
    assert.deepEqual(report.timeToAcknowledge, {
      count: 2,
      medianMs: 10 * MINUTE,
      p90Ms: 30 * MINUTE,
      minMs: 10 * MINUTE,
      maxMs: 30 * MINUTE,
      unacknowledged: 2,
    });
  });

  it('does not take an acknowledgement after the recovery, or of an earlier problem, as an answer', () => {
    const input = week();
    input.acknowledgements = [
      // Before web-1/http's Monday problem started, and after it recovered.
      { objectId: 'web-1/http', author: 'bob', createdAt: at(0, 2) },
      { objectId: 'web-1/http', author: 'bob', createdAt: at(0, 4) },
    ];
    const report = buildNoiseReport(input);
    assert.equal(report.recoveredUnacknowledged.problems, 2, 'web-1/http on Monday and db-1 on Tuesday');
    // Nor does the Monday 04:00 one answer the problem that started on Wednesday.
    assert.equal(report.timeToAcknowledge.count, 0);
    assert.equal(report.timeToAcknowledge.medianMs, null);
  });

  it('lets a recovery or acknowledgement answer only the latest problem of the object before it', () => {
    const t0 = at(2, 12);
    const report = buildNoiseReport({
      ...week(),
      // Two problems of db-1 with no recovery recorded between them (history pruned, a restart).
      notifications: [
        sent('ops-chat', t0 + MINUTE, 'chat', 'db', 'db-1', t0),
        sent('ops-chat', t0 + 2 * HOUR + MINUTE, 'chat', 'db', 'db-1', t0 + 2 * HOUR),
      ],
      acknowledgements: [{ objectId: 'db-1', author: 'alice', createdAt: t0 + 2 * HOUR + 10 * MINUTE }],
      stateChanges: [{ objectId: 'db-1', kind: 'recovery', at: t0 + 3 * HOUR }],
    });
    assert.equal(report.recoveredUnacknowledged.problems, 0);
    assert.equal(report.timeToAcknowledge.count, 1);
    assert.equal(report.timeToAcknowledge.medianMs, 9 * MINUTE);
    assert.equal(report.timeToAcknowledge.unacknowledged, 1);
  });

  it('gives no trend when the previous period reaches past what the store keeps', () => {
    const report = buildNoiseReport({ ...week(), notificationsKeptSince: SINCE - 3 * DAY });
    assert.equal(report.previous.complete, false);
    assert.equal(report.complete, true);
    assert.equal(
      trendLine(report),
      'Notifications 9, pages outside business hours 3; no comparison with the previous 7 days: the store keeps delivered notifications only since 2026-02-27.',
    );
    assert.equal(buildNoiseReport({ ...week(), notificationsKeptSince: SINCE + DAY }).complete, false);
  });

  it('an empty period reports zeros, every day, and no percentiles', () => {
    const report = buildNoiseReport({ ...week(), notifications: [] });
    assert.equal(report.totals.notifications, 0);
    assert.equal(report.perDay.length, 7);
    assert.deepEqual(report.perRoute, []);
    assert.equal(report.timeToAcknowledge.p90Ms, null);
    assert.equal(
      trendLine(report),
      'Notifications 0, none in the previous 7 days; pages outside business hours 0, as before.',
    );
  });
});

describe('noise report properties', () => {
  const receivers = ['alice-phone', 'bob-phone', 'ops-chat', 'ops-mail', 'unowned'];
  const routes = ['customer-facing', 'everything else', 'db'];
  const objects = ['web-1', 'web-1/http', 'web-2/http', 'db-1', 'db-1/disk'];
  const kinds: NotificationKind[] = ['problem', 'recovery', 'acknowledgement', 'flapping', 'downtime-start'];
  const time = fc.integer({ min: SINCE - 7 * DAY, max: UNTIL + DAY });
  const notification = fc
    .record({
      receiver: fc.constantFrom(...receivers),
      createdAt: time,
      urgency: fc.constantFrom<Urgency>('page', 'chat', 'email'),
      route: fc.constantFrom(...routes),
      objectId: fc.constantFrom(...objects),
      startedBefore: fc.integer({ min: 0, max: 3 * HOUR }),
      kind: fc.constantFrom(...kinds),
    })
    .map((n) =>
      sent(n.receiver, n.createdAt, n.urgency, n.route, n.objectId, n.createdAt - n.startedBefore, n.kind),
    );
  const input = fc
    .record({
      notifications: fc.array(notification, { maxLength: 60 }),
      acks: fc.array(fc.record({ objectId: fc.constantFrom(...objects), createdAt: time }), {
        maxLength: 20,
      }),
      changes: fc.array(
        fc.record({
          objectId: fc.constantFrom(...objects),
          kind: fc.constantFrom<StateChangeFact['kind']>('recovery', 'flapping-start', 'flapping-stop'),
          at: time,
        }),
        { maxLength: 20 },
      ),
    })
    .map(
      ({ notifications, acks, changes }): NoiseReportInput => ({
        ...week(),
        notifications,
        acknowledgements: acks.map((a) => ({ ...a, author: 'x' })),
        stateChanges: changes,
      }),
    );
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

  it('totals equal the sums of the per-route, per-channel and per-day parts', () => {
    fc.assert(
      fc.property(input, (data) => {
        const report = buildNoiseReport(data);
        const total = report.totals.notifications;
        assert.equal(sum(report.perRoute.map((r) => r.total)), total);
        assert.equal(sum(report.perReceiver.map((r) => r.total)), total);
        assert.equal(sum(report.perDay.map((d) => d.notifications)), total);
        assert.equal(sum(report.perRoute.map((r) => r.page)), report.totals.pages);
        assert.equal(sum(report.perReceiver.map((r) => r.page)), report.totals.pages);
        assert.equal(sum(report.perDay.map((d) => d.pages)), report.totals.pages);
        assert.equal(sum(Object.values(report.totals.byKind)), total);
        for (const row of [...report.perRoute, ...report.perReceiver, ...report.perPerson])
          assert.equal(row.page + row.chat + row.email, row.total);
        // Exactly the in-period notifications, counted once each.
        assert.equal(
          total,
          data.notifications.filter((n) => n.createdAt >= SINCE && n.createdAt < UNTIL).length,
        );
      }),
      { numRuns: 200 },
    );
  });

  it('every page is either in or outside business hours', () => {
    fc.assert(
      fc.property(input, (data) => {
        const report = buildNoiseReport(data);
        const pages = data.notifications.filter(
          (n) => n.payload.urgency === 'page' && n.createdAt >= SINCE && n.createdAt < UNTIL,
        );
        const outside = pages.filter((n) => !isInPeriod(data.businessHours.period, n.createdAt));
        assert.equal(report.pages.total, pages.length);
        assert.equal(report.pages.inBusinessHours + report.pages.outsideBusinessHours, report.pages.total);
        assert.equal(report.pages.outsideBusinessHours, outside.length);
        assert.equal(report.totals.pagesOutsideBusinessHours, outside.length);
        assert.ok(sum(report.pages.worstNights.map((n) => n.pages)) <= outside.length);
      }),
      { numRuns: 200 },
    );
  });

  it('time-to-acknowledge percentiles lie within the smallest and largest delay', () => {
    fc.assert(
      fc.property(input, (data) => {
        const { timeToAcknowledge: t, recoveredUnacknowledged, totals } = buildNoiseReport(data);
        assert.ok(t.count + t.unacknowledged === totals.problems);
        assert.ok(recoveredUnacknowledged.problems <= t.unacknowledged);
        if (t.count === 0) return;
        const [min, median, p90, max] = [t.minMs, t.medianMs, t.p90Ms, t.maxMs].map(Number) as [
          number,
          number,
          number,
          number,
        ];
        assert.ok(min <= median && median <= p90 && p90 <= max, JSON.stringify(t));
        assert.ok(min >= 0);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          const p = percentile(values, q) as number;
          assert.ok(values.includes(p));
          assert.ok(p >= Math.min(...values) && p <= Math.max(...values));
        },
      ),
    );
  });
});
