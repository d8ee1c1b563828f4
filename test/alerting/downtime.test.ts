import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  DowntimeCalendar,
  type DowntimeWindow,
  intervalAt,
  nextChangeOf,
  parseTarget,
  recurrenceToCron,
} from '../../src/alerting/downtime.ts';
import { modelFromYaml } from '../helpers/model.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2025, 2, 10, 12, 0, 0); // a Monday

const MODEL = modelFromYaml(`
host_groups:
  db: {}
hosts:
  - name: core
  - name: tor
    parents: [core]
  - name: web
    parents: [tor]
    tags: [edge]
    services: [{ name: http, check: { kind: dummy } }]
  - name: db1
    groups: [db]
    services: [{ name: mysql, check: { kind: dummy }, tags: [database] }]
  - name: other
    services: [{ name: disk, check: { kind: dummy }, tags: [edge] }]
`);

function window(fields: Partial<DowntimeWindow>): DowntimeWindow {
  return {
    id: 1,
    target: { kind: 'host', name: 'tor' },
    includeServices: false,
    includeChildren: false,
    type: 'fixed',
    startAt: T0,
    endAt: T0 + HOUR,
    durationMs: null,
    recurrence: null,
    timeZone: 'UTC',
    triggeredAt: null,
    author: 'alice',
    comment: 'swap',
    createdAt: T0 - 1,
    cancelledAt: null,
    ...fields,
  };
}

test('a fixed window covers exactly [start, end), and a cancellation ends it', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1e12 }),
      fc.integer({ min: 1, max: 1e9 }),
      fc.integer({ min: -2e9, max: 2e9 }),
      fc.option(fc.integer({ min: 0, max: 2e9 })),
      (start, length, offset, cancelAfter) => {
        const cancelledAt = cancelAfter === null ? null : start + cancelAfter;
        const w = window({ startAt: start, endAt: start + length, cancelledAt });
        const t = start + offset;
        const expected = t >= start && t < start + length && (cancelledAt === null || t < cancelledAt);
        assert.equal(new DowntimeCalendar(MODEL, [w]).isInDowntime('tor', t), expected);
      },
    ),
  );
});

test('nextChange is the next instant where being in downtime flips, for fixed windows', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 500 })), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.integer({ min: -10, max: 1600 }),
      (spans, t) => {
        const calendar = new DowntimeCalendar(
          MODEL,
          spans.map(([s, l], i) => window({ id: i + 1, startAt: s, endAt: s + l })),
        );
        const next = calendar.nextChange(t);
        // Nothing flips strictly between t and next.
        const limit = next ?? 1600;
        const now = calendar.isInDowntime('tor', t);
        for (let u = t + 1; u < limit; u++) assert.equal(calendar.isInDowntime('tor', u), now, `at ${u}`);
        if (next !== undefined) assert.ok(next > t);
      },
    ),
  );
});

test('a host covers its services; children and services on request; groups and tags expand', () => {
  const at = T0 + 1;
  const cal = (fields: Partial<DowntimeWindow>) => new DowntimeCalendar(MODEL, [window(fields)]);
  const host = cal({});
  assert.equal(host.isInDowntime('tor', at), true);
  assert.equal(host.isInDowntime('web', at), false, 'children only with includeChildren');
  assert.equal(host.isInDowntime('core', at), false, 'parents are not covered');

  const children = cal({ includeChildren: true });
  assert.equal(children.isInDowntime('web', at), true);
  assert.equal(children.isInDowntime('web/http', at), true, 'a covered child host silences its services');
  assert.deepEqual([...children.coveredBy(children.windows[0] as DowntimeWindow)].sort(), ['tor', 'web']);
  const withServices = cal({ includeChildren: true, includeServices: true });
  assert.deepEqual([...withServices.coveredBy(withServices.windows[0] as DowntimeWindow)].sort(), [
    'tor',
    'web',
    'web/http',
  ]);

  const service = cal({ target: { kind: 'service', name: 'db1/mysql' } });
  assert.equal(service.isInDowntime('db1/mysql', at), true);
  assert.equal(service.isInDowntime('db1', at), false, 'a service does not cover its host');

  const group = cal({ target: { kind: 'hostgroup', name: 'db' } });
  assert.equal(group.isInDowntime('db1', at), true);
  assert.equal(group.isInDowntime('db1/mysql', at), true);
  assert.equal(group.isInDowntime('web', at), false);

  const tag = cal({ target: { kind: 'tag', name: 'edge' } });
  assert.equal(tag.isInDowntime('web/http', at), true, 'a tagged host');
  assert.equal(tag.isInDowntime('other/disk', at), true, 'a tagged service');
  assert.equal(tag.isInDowntime('other', at), false, 'the host of a tagged service is not covered');
});

test('a flexible window starts at the first problem inside it and lasts its duration', () => {
  const w = window({ type: 'flexible', startAt: T0, endAt: T0 + HOUR, durationMs: 2 * HOUR });
  const calendar = new DowntimeCalendar(MODEL, [w]);
  assert.equal(calendar.isInDowntime('tor', T0 + 10), false, 'not before it is triggered');
  assert.deepEqual(calendar.triggeredBy('tor', T0 - 1), [], 'not before the window');
  assert.deepEqual(calendar.triggeredBy('tor', T0 + HOUR), [], 'not after the window');
  assert.deepEqual(calendar.triggeredBy('core', T0 + 10), [], 'not by an object it does not cover');
  assert.deepEqual(
    calendar.triggeredBy('tor/any', T0 + 10).map((x) => x.id),
    [1],
    "by the host's services",
  );
  const triggered = { ...w, triggeredAt: T0 + 30 * 60_000 };
  assert.equal(intervalAt(triggered, T0 + 29 * 60_000), undefined);
  assert.deepEqual(intervalAt(triggered, T0 + 2 * HOUR), { start: T0 + 30 * 60_000, end: T0 + 2.5 * HOUR });
  assert.equal(intervalAt(triggered, T0 + 2.5 * HOUR), undefined, 'it may outlast the trigger window');
  assert.equal(nextChangeOf(triggered, T0 + HOUR), T0 + 2.5 * HOUR);
  assert.equal(nextChangeOf(w, T0 - 5), T0, 'wakes at its start to look at objects already failing');
});

test('recurring windows: weekly in a time zone across DST, monthly by weekday, cron', () => {
  // Sundays 02:00-04:00 Berlin; 2025-03-30 is the spring-forward Sunday (02:00 does not exist).
  const weekly = window({
    startAt: T0,
    endAt: null,
    durationMs: 2 * HOUR,
    recurrence: 'weekly sun 02:00',
    timeZone: 'Europe/Berlin',
  });
  assert.deepEqual(intervalAt(weekly, Date.UTC(2025, 2, 16, 1, 30)), {
    start: Date.UTC(2025, 2, 16, 1, 0),
    end: Date.UTC(2025, 2, 16, 3, 0),
  });
  assert.equal(intervalAt(weekly, Date.UTC(2025, 2, 16, 3, 0)), undefined, 'ends at 04:00 CET');
  assert.equal(intervalAt(weekly, Date.UTC(2025, 2, 16, 0, 59)), undefined);
  assert.equal(nextChangeOf(weekly, Date.UTC(2025, 2, 16, 3, 0)), Date.UTC(2025, 2, 23, 1, 0));
  // Summer time: 02:00 CEST is 00:00 UTC.
  assert.ok(intervalAt(weekly, Date.UTC(2025, 3, 6, 0, 30)));
  assert.equal(intervalAt(weekly, Date.UTC(2025, 2, 9, 1, 30)), undefined, 'no occurrence before its start');

  const monthly = window({
    startAt: T0,
    endAt: Date.UTC(2025, 5, 1),
    durationMs: HOUR,
    recurrence: 'monthly first sunday 03:00',
  });
  assert.equal(nextChangeOf(monthly, T0), Date.UTC(2025, 3, 6, 3, 0));
  assert.ok(intervalAt(monthly, Date.UTC(2025, 4, 4, 3, 30)));
  assert.equal(intervalAt(monthly, Date.UTC(2025, 5, 1, 3, 30)), undefined, 'the recurrence has ended');

  const cron = window({ startAt: T0, endAt: null, durationMs: 15 * 60_000, recurrence: '*/30 * * * *' });
  assert.ok(intervalAt(cron, T0 + 30 * 60_000));
  assert.ok(intervalAt(cron, T0 + 44 * 60_000));
  assert.equal(intervalAt(cron, T0 + 45 * 60_000), undefined);
});

test('recurrence and target texts', () => {
  assert.equal(recurrenceToCron('weekly mon,thu 23:30'), '30 23 * * 1,4');
  assert.equal(recurrenceToCron('monthly 15 04:00'), '0 4 15 * *');
  assert.equal(recurrenceToCron('monthly last 04:00'), '0 4 L * *');
  assert.equal(recurrenceToCron('monthly last friday 22:00'), '0 22 * * 5#L');
  assert.match((recurrenceToCron('weekly someday 02:00') as { error: string }).error, /weekly DAY/);
  assert.match((recurrenceToCron('monthly 1') as { error: string }).error, /HH:MM/);
  assert.deepEqual(parseTarget('web/http'), { kind: 'service', name: 'web/http' });
  assert.deepEqual(parseTarget('group:db'), { kind: 'hostgroup', name: 'db' });
  assert.deepEqual(parseTarget('tag:edge'), { kind: 'tag', name: 'edge' });
  assert.match(parseTarget('rack:7') as string, /unknown target kind "rack"/);
});
