import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  isInPeriod,
  nextTransition,
  parseTimePeriod,
  type RawTimePeriod,
  type TimePeriod,
} from '../../src/model/time-period.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function period(raw: unknown): TimePeriod {
  const parsed = parseTimePeriod(raw);
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.path.join('.')}: ${e.message}`).join('\n'));
  return parsed.period;
}

/** The transitions from `from` on, as ISO strings: the period's timetable. */
function transitions(p: TimePeriod, from: string, count: number): string[] {
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < count; i++) {
    const next = nextTransition(p, t);
    if (next === undefined) break;
    out.push(`${iso(next)} ${isInPeriod(p, next) ? 'starts' : 'ends'}`);
    t = next;
  }
  return out;
}

describe('business hours', () => {
  const berlin = period({ time_zone: 'Europe/Berlin', ranges: ['monday-friday 09:00-17:30'] });

  test('in Berlin: 09:00 to 17:30 local, winter (UTC+1) and summer (UTC+2)', () => {
    // Tuesday 2026-03-10, CET.
    assert.equal(isInPeriod(berlin, at('2026-03-10T07:59:59.999Z')), false);
    assert.equal(isInPeriod(berlin, at('2026-03-10T08:00:00Z')), true);
    assert.equal(isInPeriod(berlin, at('2026-03-10T16:29:59Z')), true);
    assert.equal(isInPeriod(berlin, at('2026-03-10T16:30:00Z')), false);
    // Tuesday 2026-07-07, CEST.
    assert.equal(isInPeriod(berlin, at('2026-07-07T06:59:00Z')), false);
    assert.equal(isInPeriod(berlin, at('2026-07-07T07:00:00Z')), true);
    assert.equal(isInPeriod(berlin, at('2026-07-07T15:29:00Z')), true);
    assert.equal(isInPeriod(berlin, at('2026-07-07T15:30:00Z')), false);
    // Saturday.
    assert.equal(isInPeriod(berlin, at('2026-03-14T10:00:00Z')), false);
  });

  test('after Friday closing the next change is Monday 09:00', () => {
    assert.deepEqual(transitions(berlin, '2026-03-13T17:00:00Z', 2), [
      '2026-03-16T08:00:00.000Z starts',
      '2026-03-16T16:30:00.000Z ends',
    ]);
  });

  test('in Chicago: 08:00 to 17:00 Central, CST and CDT', () => {
    const chicago = period({ time_zone: 'America/Chicago', ranges: ['mon-fri 08:00-17:00'] });
    assert.equal(isInPeriod(chicago, at('2026-01-06T13:59:00Z')), false);
    assert.equal(isInPeriod(chicago, at('2026-01-06T14:00:00Z')), true);
    assert.equal(isInPeriod(chicago, at('2026-01-06T22:59:00Z')), true);
    assert.equal(isInPeriod(chicago, at('2026-01-06T23:00:00Z')), false);
    assert.equal(isInPeriod(chicago, at('2026-07-07T13:00:00Z')), true);
    assert.equal(isInPeriod(chicago, at('2026-07-07T12:59:00Z')), false);
    assert.deepEqual(transitions(chicago, '2026-07-10T12:00:00Z', 3), [
      '2026-07-10T13:00:00.000Z starts',
      '2026-07-10T22:00:00.000Z ends',
      '2026-07-13T13:00:00.000Z starts',
    ]);
  });

  test('several ranges a day, and a lunch break', () => {
    const split = period({
      time_zone: 'UTC',
      ranges: ['mon,wed 08:00-12:00, 13:00-17:00', 'saturday 10:00-12:00'],
    });
    assert.deepEqual(transitions(split, '2026-03-09T00:00:00Z', 6), [
      '2026-03-09T08:00:00.000Z starts',
      '2026-03-09T12:00:00.000Z ends',
      '2026-03-09T13:00:00.000Z starts',
      '2026-03-09T17:00:00.000Z ends',
      '2026-03-11T08:00:00.000Z starts',
      '2026-03-11T12:00:00.000Z ends',
    ]);
    assert.equal(isInPeriod(split, at('2026-03-14T11:00:00Z')), true);
    assert.equal(isInPeriod(split, at('2026-03-10T11:00:00Z')), false);
  });
});

describe('holidays', () => {
  const hours = period({
    time_zone: 'Europe/Berlin',
    ranges: ['monday-friday 09:00-17:30'],
    // YAML reads an unquoted 2026-12-25 as a Date; both forms must work.
    exclude: [new Date(Date.UTC(2026, 11, 25)), '2026-12-31 12:00-24:00', 'january 1'],
  });

  test('a listed date is excluded all day, in local time', () => {
    assert.equal(isInPeriod(hours, at('2026-12-24T10:00:00Z')), true);
    assert.equal(isInPeriod(hours, at('2026-12-25T10:00:00Z')), false);
    // From Thursday evening straight to Monday: Friday the 25th is a holiday.
    assert.deepEqual(transitions(hours, '2026-12-24T17:00:00Z', 1), ['2026-12-28T08:00:00.000Z starts']);
  });

  test('part of a day, and a yearly date', () => {
    assert.deepEqual(transitions(hours, '2026-12-31T07:00:00Z', 3), [
      '2026-12-31T08:00:00.000Z starts',
      '2026-12-31T11:00:00.000Z ends',
      // January 1 2027 is a Friday: excluded every year.
      '2027-01-04T08:00:00.000Z starts',
    ]);
    assert.equal(isInPeriod(hours, at('2027-01-01T10:00:00Z')), false);
    assert.equal(isInPeriod(hours, at('2032-01-01T10:00:00Z')), false, 'January 1 2032 is a Thursday');
    assert.equal(isInPeriod(hours, at('2032-01-02T10:00:00Z')), true);
  });

  test('a date range, and 24x7 with a maintenance week', () => {
    const p = period({ time_zone: 'UTC', ranges: ['24x7'], exclude: ['2026-08-03..2026-08-09'] });
    assert.equal(isInPeriod(p, at('2026-08-02T23:59:00Z')), true);
    assert.equal(isInPeriod(p, at('2026-08-05T12:00:00Z')), false);
    assert.deepEqual(transitions(p, '2026-06-01T00:00:00Z', 3), [
      '2026-08-03T00:00:00.000Z ends',
      '2026-08-10T00:00:00.000Z starts',
    ]);
  });

  test('24x7 never changes', () => {
    const always = period('24x7');
    assert.equal(isInPeriod(always, at('2026-03-29T01:30:00Z')), true);
    assert.equal(nextTransition(always, at('2026-03-29T01:30:00Z')), undefined);
  });
});

describe('ranges crossing midnight', () => {
  test('friday 22:00-06:00 runs into Saturday morning', () => {
    const night = period({ time_zone: 'America/Chicago', ranges: ['friday 22:00-06:00'] });
    // Friday 2026-03-13 22:00 CDT = 03:00Z Saturday.
    assert.equal(isInPeriod(night, at('2026-03-14T02:59:00Z')), false);
    assert.equal(isInPeriod(night, at('2026-03-14T03:00:00Z')), true);
    assert.equal(isInPeriod(night, at('2026-03-14T10:59:00Z')), true);
    assert.equal(isInPeriod(night, at('2026-03-14T11:00:00Z')), false);
  });

  test('adjacent nights merge: no transition at midnight', () => {
    const nights = period({ time_zone: 'UTC', ranges: ['daily 18:00-08:00'] });
    assert.deepEqual(transitions(nights, '2026-05-01T12:00:00Z', 3), [
      '2026-05-01T18:00:00.000Z starts',
      '2026-05-02T08:00:00.000Z ends',
      '2026-05-02T18:00:00.000Z starts',
    ]);
  });
});

describe('DST', () => {
  // Europe: clocks go 02:00 CET -> 03:00 CEST on 2026-03-29 (01:00Z) and 03:00 CEST ->
  // 02:00 CET on 2026-10-25 (01:00Z). US Central: 02:00 CST -> 03:00 CDT on 2026-03-08
  // (08:00Z), 02:00 CDT -> 01:00 CST on 2026-11-01 (07:00Z).

  test('09:00 on the day clocks change is 09:00 local', () => {
    const mornings = period({ time_zone: 'Europe/Berlin', ranges: ['daily 09:00-10:00'] });
    assert.deepEqual(transitions(mornings, '2026-03-28T00:00:00Z', 4), [
      '2026-03-28T08:00:00.000Z starts',
      '2026-03-28T09:00:00.000Z ends',
      '2026-03-29T07:00:00.000Z starts',
      '2026-03-29T08:00:00.000Z ends',
    ]);
    assert.deepEqual(transitions(mornings, '2026-10-25T00:00:00Z', 2), [
      '2026-10-25T08:00:00.000Z starts',
      '2026-10-25T09:00:00.000Z ends',
    ]);
  });

  test('Europe spring forward: 01:30-03:00 lasts 30 minutes, a range inside the skipped hour never holds', () => {
    const p = period({ time_zone: 'Europe/Berlin', ranges: ['sunday 01:30-03:00'] });
    assert.deepEqual(transitions(p, '2026-03-28T12:00:00Z', 2), [
      '2026-03-29T00:30:00.000Z starts',
      '2026-03-29T01:00:00.000Z ends',
    ]);
    const skipped = period({ time_zone: 'Europe/Berlin', ranges: ['sunday 02:15-02:45'] });
    assert.equal(isInPeriod(skipped, at('2026-03-29T01:00:00Z')), false);
    // The next time it holds is the following Sunday.
    assert.deepEqual(transitions(skipped, '2026-03-28T12:00:00Z', 1), ['2026-04-05T00:15:00.000Z starts']);
  });

  test('Europe fall back: 01:30-03:00 lasts 2.5 hours; 02:00-02:30 is its first occurrence only', () => {
    const p = period({ time_zone: 'Europe/Berlin', ranges: ['sunday 01:30-03:00'] });
    assert.deepEqual(transitions(p, '2026-10-24T12:00:00Z', 2), [
      '2026-10-24T23:30:00.000Z starts',
      '2026-10-25T02:00:00.000Z ends',
    ]);
    assert.equal(isInPeriod(p, at('2026-10-25T01:30:00Z')), true, 'the repeated 02:30 (CET) is inside');
    const first = period({ time_zone: 'Europe/Berlin', ranges: ['sunday 02:00-02:30'] });
    assert.equal(isInPeriod(first, at('2026-10-25T00:15:00Z')), true, '02:15 CEST');
    assert.equal(isInPeriod(first, at('2026-10-25T01:15:00Z')), false, '02:15 CET, the second time');
  });

  test('US spring forward and fall back in Chicago', () => {
    const p = period({ time_zone: 'America/Chicago', ranges: ['sunday 01:30-03:00'] });
    assert.deepEqual(transitions(p, '2026-03-07T12:00:00Z', 2), [
      '2026-03-08T07:30:00.000Z starts',
      '2026-03-08T08:00:00.000Z ends',
    ]);
    const night = period({ time_zone: 'America/Chicago', ranges: ['saturday 22:00-06:00'] });
    // 22:00 CDT = 03:00Z, 06:00 CST = 12:00Z: nine hours on the night of the change.
    assert.deepEqual(transitions(night, '2026-10-31T12:00:00Z', 2), [
      '2026-11-01T03:00:00.000Z starts',
      '2026-11-01T12:00:00.000Z ends',
    ]);
    assert.equal(isInPeriod(night, at('2026-11-01T07:30:00Z')), true, '01:30 CST, the repeated hour');
  });
});

describe('config errors', () => {
  test('every bad line is named with its path and a plain reason', () => {
    const parsed = parseTimePeriod({
      time_zone: 'Europe/Berlinn',
      ranges: ['mondy-friday 09:00-17:00', 'monday 25:00-26:00', 'tue 09:00-09:00', '09:00-17:00'],
      exclude: ['2026-02-30', '2026-12-26..2026-12-24'],
    });
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    const byPath = Object.fromEntries(parsed.errors.map((e) => [e.path.join('.'), e.message]));
    assert.match(byPath.time_zone ?? '', /not a time zone/);
    assert.match(byPath['ranges.0'] ?? '', /"mondy" is not a day/);
    assert.match(byPath['ranges.1'] ?? '', /"25:00" is not a time of day/);
    assert.match(byPath['ranges.2'] ?? '', /is empty.*00:00-24:00/);
    assert.match(byPath['ranges.3'] ?? '', /has times but no days/);
    assert.match(byPath['exclude.0'] ?? '', /"2026-02-30" is not a date/);
    assert.match(byPath['exclude.1'] ?? '', /ends before it starts/);
  });

  test('a period without time zone or ranges is refused', () => {
    const parsed = parseTimePeriod({ ranges: [] });
    assert.equal(parsed.ok, false);
    if (parsed.ok) return;
    assert.deepEqual(parsed.errors.map((e) => e.path.join('.')).sort(), ['ranges', 'time_zone']);
    assert.equal(parseTimePeriod('always').ok, false);
  });
});

// ---------------------------------------------------------------------------------------
// Properties

const ZONES = [
  'Europe/Berlin',
  'America/Chicago',
  'UTC',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/Santiago',
];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const clock = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** Times on a 5-minute grid, so the DST hours (and Lord Howe's half hour) are hit often. */
const timeRange = fc
  .tuple(fc.integer({ min: 0, max: 287 }), fc.integer({ min: 1, max: 288 }))
  .filter(([a, b]) => a !== b % 288)
  .map(([a, b]) => `${clock(a * 5)}-${b === 288 ? '24:00' : clock(b * 5)}`);

const weeklyRule = fc
  .tuple(fc.subarray(DAYS, { minLength: 1 }), fc.array(timeRange, { minLength: 1, maxLength: 3 }))
  .map(([days, times]) => `${days.join(',')} ${times.join(',')}`);

/** Dates around DST changes of 2026 in the zones above. */
const DATES = [
  '2026-03-08',
  '2026-03-29',
  '2026-04-05',
  '2026-09-06',
  '2026-10-04',
  '2026-10-25',
  '2026-11-01',
];
const dateRule = fc
  .tuple(fc.constantFrom(...DATES), fc.option(timeRange, { nil: undefined }))
  .map(([date, times]) => (times ? `${date} ${times}` : date));

const rawPeriod: fc.Arbitrary<RawTimePeriod> = fc.record({
  time_zone: fc.constantFrom(...ZONES),
  ranges: fc.array(fc.oneof(weeklyRule, dateRule), { minLength: 1, maxLength: 3 }),
  exclude: fc.array(fc.oneof(dateRule, weeklyRule), { maxLength: 2 }),
});

/** Instants from late February to mid November 2026, minute-aligned or not. */
const instant = fc.integer({ min: at('2026-02-25T00:00:00Z'), max: at('2026-11-15T00:00:00Z') });

describe('properties', () => {
  test('nextTransition is strictly after `at`, and the period changes there', () => {
    fc.assert(
      fc.property(rawPeriod, instant, (raw, t) => {
        const p = period(raw);
        const next = nextTransition(p, t);
        if (next === undefined) return;
        assert.ok(next > t, `${iso(next)} after ${iso(t)}`);
        assert.notEqual(isInPeriod(p, next), isInPeriod(p, t));
      }),
      { numRuns: 300 },
    );
  });

  test('isInPeriod is constant between consecutive transitions', () => {
    fc.assert(
      fc.property(
        rawPeriod,
        instant,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
        (raw, t, fractions) => {
          const p = period(raw);
          const first = nextTransition(p, t) ?? t;
          const second = nextTransition(p, first);
          if (second === undefined) return;
          const state = isInPeriod(p, first);
          for (const f of fractions) {
            const x = Math.min(second - 1, first + Math.floor(f * (second - first)));
            assert.equal(isInPeriod(p, x), state, `at ${iso(x)} between ${iso(first)} and ${iso(second)}`);
          }
          assert.equal(isInPeriod(p, second - 1), state);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('nextTransition finds the first change, checked minute by minute over two days', () => {
    fc.assert(
      fc.property(rawPeriod, instant, (raw, t) => {
        const p = period(raw);
        const start = Math.floor(t / 60_000) * 60_000;
        const state = isInPeriod(p, start);
        let firstChange: number | undefined;
        for (let m = start + 60_000; m <= start + 2 * 86_400_000; m += 60_000) {
          if (isInPeriod(p, m) !== state) {
            firstChange = m;
            break;
          }
        }
        const next = nextTransition(p, start);
        if (firstChange === undefined) assert.ok(next === undefined || next > start + 2 * 86_400_000);
        else assert.equal(iso(next), iso(firstChange));
      }),
      { numRuns: 60 },
    );
  });

  test('away from DST changes, isInPeriod agrees with the local clock read by Intl', () => {
    const weekly = fc.record({
      time_zone: fc.constantFrom(...ZONES),
      days: fc.subarray([0, 1, 2, 3, 4, 5, 6], { minLength: 1 }),
      start: fc.integer({ min: 0, max: 1439 }),
      length: fc.integer({ min: 1, max: 1439 }),
    });
    fc.assert(
      fc.property(weekly, instant, ({ time_zone, days, start, length }, t) => {
        const end = Math.min(1440, start + length);
        const p = period({
          time_zone,
          ranges: [
            `${days.map((d) => DAYS[d]).join(',')} ${clock(start)}-${end === 1440 ? '24:00' : clock(end)}`,
          ],
        });
        const local = new Intl.DateTimeFormat('en-US', {
          timeZone: time_zone,
          weekday: 'short',
          hour: 'numeric',
          minute: 'numeric',
          hourCycle: 'h23',
        }).formatToParts(t);
        const part = (type: string) => local.find((x) => x.type === type)?.value ?? '';
        const offsetName = (ms: number) =>
          new Intl.DateTimeFormat('en-US', { timeZone: time_zone, timeZoneName: 'longOffset' }).format(ms);
        // Within three hours after a fall-back the first-moment rule intentionally differs.
        if (offsetName(t) !== offsetName(t - 3 * 3_600_000)) return;
        const weekday = DAYS.indexOf(part('weekday').toLowerCase());
        const minute = Number(part('hour')) * 60 + Number(part('minute'));
        const expected = days.includes(weekday) && minute >= start && minute < end;
        assert.equal(isInPeriod(p, t), expected);
      }),
      { numRuns: 500 },
    );
  });
});
