import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  OVERRIDE_LAYER,
  resolveSchedule,
  type Schedule,
  scheduleSchema,
  upcoming,
  whoIsOnCall,
} from '../../src/model/oncall.ts';
import { parseTimePeriod, type TimePeriod } from '../../src/model/time-period.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const BUSINESS_HOURS = (() => {
  const parsed = parseTimePeriod({
    time_zone: 'Europe/Berlin',
    ranges: ['monday-friday 09:00-17:30'],
    exclude: ['2026-12-25'],
  });
  if (!parsed.ok) throw new Error('bad fixture');
  return parsed.period;
})();

function schedule(
  raw: unknown,
  periods: Map<string, TimePeriod> = new Map([['business-hours', BUSINESS_HOURS]]),
): Schedule {
  const parsed = scheduleSchema.safeParse(raw);
  if (!parsed.success)
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n'));
  const resolved = resolveSchedule('test', parsed.data, periods);
  if (!resolved.ok) throw new Error(resolved.errors.map((e) => e.message).join('\n'));
  return resolved.schedule;
}

/** `person until` for each shift from `from`: the schedule's timetable. */
function timetable(s: Schedule, from: string, count: number): string[] {
  return upcoming(s, at(from), count).map(
    (shift) => `${shift.person ?? '(nobody)'}/${shift.layer ?? '-'} until ${iso(shift.end)}`,
  );
}

describe('rotations', () => {
  const daily = schedule({
    time_zone: 'UTC',
    layers: [
      {
        name: 'primary',
        participants: ['alice', 'bob', 'carol'],
        rotation: 'daily',
        hand_off: '09:00',
        start: '2026-01-05',
      },
    ],
  });

  test('a daily rotation of three people hands off at 09:00 in turn', () => {
    assert.deepEqual(whoIsOnCall(daily, at('2026-01-05T09:00:00Z')), {
      person: 'alice',
      layer: 'primary',
      until: at('2026-01-06T09:00:00Z'),
    });
    assert.equal(whoIsOnCall(daily, at('2026-01-06T08:59:59Z')).person, 'alice');
    assert.equal(whoIsOnCall(daily, at('2026-01-06T09:00:00Z')).person, 'bob');
    assert.equal(whoIsOnCall(daily, at('2026-01-07T12:00:00Z')).person, 'carol');
    assert.equal(whoIsOnCall(daily, at('2026-01-08T12:00:00Z')).person, 'alice');
    // 100 days later: 100 mod 3 = 1.
    assert.equal(whoIsOnCall(daily, at('2026-04-15T10:00:00Z')).person, 'bob');
  });

  test('before its start a layer does not apply', () => {
    assert.deepEqual(whoIsOnCall(daily, at('2026-01-05T08:00:00Z')), {
      person: null,
      layer: null,
      until: at('2026-01-05T09:00:00Z'),
    });
  });

  test('a weekly Monday 09:00 hand-off stays at 09:00 local across the DST change (Berlin)', () => {
    const weekly = schedule({
      time_zone: 'Europe/Berlin',
      layers: [
        {
          name: 'weekly',
          participants: ['alice', 'bob'],
          rotation: 'weekly',
          hand_off: 'monday 09:00',
          start: '2026-03-02',
        },
      ],
    });
    assert.deepEqual(timetable(weekly, '2026-03-20T12:00:00Z', 3), [
      'alice/weekly until 2026-03-23T08:00:00.000Z', // 09:00 CET
      'bob/weekly until 2026-03-30T07:00:00.000Z', // 09:00 CEST: a 167-hour week
      'alice/weekly until 2026-04-06T07:00:00.000Z',
    ]);
  });

  test('a weekly hand-off across the US fall-back (Chicago) makes a 169-hour week', () => {
    const weekly = schedule({
      time_zone: 'America/Chicago',
      layers: [
        { participants: ['ann', 'ben', 'cy'], rotation: '1w', hand_off: 'mon 09:00', start: '2026-10-19' },
      ],
    });
    const shifts = upcoming(weekly, at('2026-10-26T14:00:00Z'), 2);
    assert.equal(shifts[0]?.person, 'ben');
    assert.equal(shifts[0]?.layer, 'layer 1');
    assert.equal(iso(shifts[0]?.end ?? null), '2026-11-02T15:00:00.000Z');
    assert.equal(((shifts[0]?.end ?? 0) - (shifts[0]?.start ?? 0)) / 3_600_000, 169);
  });

  test('a rotation every 3 days', () => {
    const s = schedule({
      time_zone: 'UTC',
      layers: [{ participants: ['a', 'b'], rotation: '3d', hand_off: '00:00', start: '2026-01-01' }],
    });
    assert.deepEqual(timetable(s, '2026-01-01T00:00:00Z', 3), [
      'a/layer 1 until 2026-01-04T00:00:00.000Z',
      'b/layer 1 until 2026-01-07T00:00:00.000Z',
      'a/layer 1 until 2026-01-10T00:00:00.000Z',
    ]);
  });

  test('one person on every shift: no change ahead', () => {
    const s = schedule({
      time_zone: 'UTC',
      layers: [{ participants: ['solo'], rotation: 'daily', hand_off: '09:00', start: '2026-01-01' }],
    });
    assert.deepEqual(whoIsOnCall(s, at('2026-02-01T00:00:00Z')), {
      person: 'solo',
      layer: 'layer 1',
      until: null,
    });
  });
});

describe('layers and overrides', () => {
  const layered = schedule({
    time_zone: 'Europe/Berlin',
    layers: [
      {
        name: 'around-the-clock',
        participants: ['alice', 'bob'],
        rotation: 'weekly',
        hand_off: 'monday 09:00',
        start: '2026-03-02',
      },
      {
        name: 'office',
        participants: ['dave'],
        rotation: 'weekly',
        hand_off: 'monday 09:00',
        start: '2026-03-02',
        restrict_to: 'business-hours',
      },
    ],
    overrides: [
      { person: 'erin', start: '2026-03-10 18:00', end: '2026-03-11 09:00', reason: 'swap with alice' },
      { person: 'frank', start: '2026-03-10 20:00', end: '2026-03-10 22:00' },
    ],
  });

  test('the business-hours layer wins during business hours, the 24x7 layer outside', () => {
    // Tuesday 2026-03-10 11:00 CET.
    assert.deepEqual(whoIsOnCall(layered, at('2026-03-10T10:00:00Z')), {
      person: 'dave',
      layer: 'office',
      until: at('2026-03-10T16:30:00Z'),
    });
    // Week of Monday 2026-03-09: bob's week in the 24x7 layer.
    assert.equal(whoIsOnCall(layered, at('2026-03-10T16:30:00Z')).person, 'bob');
    assert.equal(whoIsOnCall(layered, at('2026-03-14T10:00:00Z')).layer, 'around-the-clock', 'Saturday');
    assert.equal(whoIsOnCall(layered, at('2026-12-25T10:00:00Z')).layer, 'around-the-clock', 'a holiday');
  });

  test('an override covers its window; where overrides overlap the later one wins', () => {
    assert.deepEqual(timetable(layered, '2026-03-10T16:00:00Z', 6), [
      'dave/office until 2026-03-10T16:30:00.000Z',
      'bob/around-the-clock until 2026-03-10T17:00:00.000Z',
      `erin/${OVERRIDE_LAYER} until 2026-03-10T19:00:00.000Z`,
      `frank/${OVERRIDE_LAYER} until 2026-03-10T21:00:00.000Z`,
      `erin/${OVERRIDE_LAYER} until 2026-03-11T08:00:00.000Z`,
      'dave/office until 2026-03-11T16:30:00.000Z',
    ]);
  });

  test('an override by the person already on call does not end their shift early', () => {
    const s = schedule({
      time_zone: 'UTC',
      layers: [{ participants: ['alice', 'bob'], rotation: 'daily', hand_off: '09:00', start: '2026-01-01' }],
      overrides: [{ person: 'alice', start: '2026-01-01T12:00:00Z', end: '2026-01-02T12:00:00Z' }],
    });
    assert.deepEqual(whoIsOnCall(s, at('2026-01-01T10:00:00Z')), {
      person: 'alice',
      layer: 'layer 1',
      until: at('2026-01-02T12:00:00Z'),
    });
  });
});

describe('config errors', () => {
  function errors(raw: unknown): Record<string, string> {
    const parsed = scheduleSchema.safeParse(raw);
    assert.equal(parsed.success, false);
    return Object.fromEntries((parsed.error?.issues ?? []).map((i) => [i.path.join('.'), i.message]));
  }

  test('empty rotation, bad rotation and hand-off, unknown zone', () => {
    const found = errors({
      time_zone: 'Europe/Berlin',
      layers: [
        { name: 'a', participants: [], rotation: 'weekly', hand_off: 'monday 09:00', start: '2026-03-02' },
        { name: 'c', participants: ['x'], rotation: 'fortnightly', hand_off: '9am', start: '2026-03-02' },
        {
          name: 'd',
          participants: ['x'],
          rotation: '3d',
          hand_off: 'friday 09:00',
          start: '2026-03-06',
          time_zone: 'Moon/Base',
        },
      ],
    });
    assert.match(found['layers.0.participants'] ?? '', /no participants/);
    assert.match(found['layers.1.rotation'] ?? '', /"fortnightly" is not a rotation/);
    assert.match(found['layers.1.hand_off'] ?? '', /"9am" is not a hand-off time/);
    assert.match(found['layers.2.time_zone'] ?? '', /not a known time zone/);
    assert.equal(Object.keys(found).length, 4, JSON.stringify(found));
  });

  test('rules that need the whole schedule are checked once the layers parse', () => {
    const found = errors({
      time_zone: 'Europe/Berlin',
      layers: [
        { name: 'a', participants: ['x'], rotation: '3d', hand_off: 'friday 09:00', start: '2026-03-06' },
        { name: 'a', participants: ['y'], rotation: 'daily', hand_off: '09:00', start: '2026-03-06' },
        { name: 'b', participants: ['x'], rotation: 'weekly', hand_off: 'monday 09:00', start: '2026-03-04' },
      ],
      overrides: [{ person: 'x', start: '2026-03-10 18:00', end: '2026-03-10 08:00' }],
    });
    assert.match(found['layers.0.hand_off'] ?? '', /must be whole weeks/);
    assert.match(found['layers.1.name'] ?? '', /a second layer is named "a"/);
    assert.match(
      found['layers.2.start'] ?? '',
      /2026-03-04 is a wednesday, but hand-offs are on monday.*2026-03-09/,
    );
    assert.match(found['overrides.0.end'] ?? '', /ends before it starts/);
  });

  test('an unknown time period is named with the known ones', () => {
    const parsed = scheduleSchema.parse({
      time_zone: 'UTC',
      layers: [
        {
          participants: ['x'],
          rotation: 'daily',
          hand_off: '09:00',
          start: '2026-03-06',
          restrict_to: 'office-hours',
        },
      ],
    });
    const resolved = resolveSchedule('s', parsed, new Map([['business-hours', BUSINESS_HOURS]]));
    assert.equal(resolved.ok, false);
    if (resolved.ok) return;
    assert.deepEqual(resolved.errors, [
      {
        path: ['layers', 0, 'restrict_to'],
        message: 'no time period "office-hours" (known: business-hours)',
      },
    ]);
  });
});

// ---------------------------------------------------------------------------------------
// Properties

const ZONES = ['Europe/Berlin', 'America/Chicago', 'UTC', 'Australia/Lord_Howe'];
const PEOPLE = ['ann', 'ben', 'cy', 'dee', 'eve'];
const DAY = 86_400_000;
const FROM = at('2026-01-01T00:00:00Z');
const TO = at('2026-12-31T00:00:00Z');

const clock = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const restriction = fc.oneof(
  fc.constant(undefined),
  fc.constant('business-hours'),
  fc
    .record({
      zone: fc.constantFrom(...ZONES),
      start: fc.integer({ min: 0, max: 95 }),
      end: fc.integer({ min: 1, max: 96 }),
    })
    .filter(({ start, end }) => start !== end % 96)
    .map(({ zone, start, end }) => ({
      time_zone: zone,
      ranges: [`daily ${clock(start * 15)}-${end === 96 ? '24:00' : clock(end * 15)}`],
    })),
);

const layer = fc.record({
  participants: fc.array(fc.constantFrom(...PEOPLE), { minLength: 1, maxLength: 4 }),
  rotation: fc.constantFrom('daily', 'weekly', '2d', '3d', '2w'),
  hand_off: fc.integer({ min: 0, max: 95 }).map((q) => clock(q * 15)),
  start: fc.integer({ min: FROM - 30 * DAY, max: TO }).map(date),
  time_zone: fc.constantFrom(...ZONES),
  restrict_to: restriction,
});

const override = fc
  .tuple(
    fc.constantFrom(...PEOPLE, 'sub'),
    fc.integer({ min: FROM, max: TO }),
    fc.integer({ min: 1, max: 4 * 96 }),
  )
  .map(([person, start, quarters]) => ({
    person,
    start: new Date(start).toISOString().replace(/\.\d+Z$/, 'Z'),
    end: new Date(start + quarters * 900_000).toISOString().replace(/\.\d+Z$/, 'Z'),
  }));

const rawSchedule = fc.record({
  time_zone: fc.constantFrom(...ZONES),
  layers: fc.array(layer, { minLength: 1, maxLength: 3 }).map((layers) =>
    layers.map(({ restrict_to, ...rest }, i) => ({
      name: `l${i}`,
      ...rest,
      ...(restrict_to ? { restrict_to } : {}),
    })),
  ),
  overrides: fc.array(override, { maxLength: 3 }),
});

const instant = fc.integer({ min: FROM, max: TO });

describe('properties', () => {
  test('the person on call is a participant of the answering layer, or an override', () => {
    fc.assert(
      fc.property(rawSchedule, instant, (raw, t) => {
        const s = schedule(raw);
        const now = whoIsOnCall(s, t);
        if (now.person === null) {
          assert.equal(now.layer, null);
          return;
        }
        if (now.layer === OVERRIDE_LAYER) {
          assert.ok(s.overrides.some((o) => o.person === now.person && o.start <= t && t < o.end));
          return;
        }
        const answering = s.layers.find((l) => l.name === now.layer);
        assert.ok(answering, `layer ${now.layer}`);
        assert.ok(answering.participants.includes(now.person));
      }),
      { numRuns: 200 },
    );
  });

  test('`until` is after `at`; the same person holds until just before it, and someone else from then', () => {
    fc.assert(
      fc.property(rawSchedule, instant, fc.double({ min: 0, max: 1, noNaN: true }), (raw, t, f) => {
        const s = schedule(raw);
        const now = whoIsOnCall(s, t);
        if (now.until === null) return;
        assert.ok(now.until > t);
        assert.equal(whoIsOnCall(s, now.until - 1).person, now.person);
        const between = Math.min(now.until - 1, t + Math.floor(f * (now.until - t)));
        assert.equal(whoIsOnCall(s, between).person, now.person);
        assert.notEqual(whoIsOnCall(s, now.until).person, now.person);
      }),
      { numRuns: 150 },
    );
  });

  test('upcoming shifts are contiguous and each changes the person', () => {
    fc.assert(
      fc.property(rawSchedule, instant, (raw, t) => {
        const s = schedule(raw);
        const shifts = upcoming(s, t, 5);
        assert.equal(shifts[0]?.start, t);
        for (let i = 1; i < shifts.length; i++) {
          assert.equal(shifts[i]?.start, shifts[i - 1]?.end);
          assert.notEqual(shifts[i]?.person, shifts[i - 1]?.person);
        }
      }),
      { numRuns: 100 },
    );
  });
});
