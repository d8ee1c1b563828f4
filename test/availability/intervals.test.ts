// The availability arithmetic against a brute-force minute-by-minute reference, and the
// calendar periods across DST changes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  classify,
  errorBudget,
  figuresOf,
  mergeSpans,
  type Span,
  totalLength,
  type WeightedInterval,
} from '../../src/availability/intervals.ts';
import { endOfPeriod, splitIntoPeriods, startOfPeriod } from '../../src/availability/periods.ts';
import type { LedgerKind } from '../../src/store/availability.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const KINDS: LedgerKind[] = ['outage', 'degraded', 'partial', 'maintenance', 'unknown'];
type Closed = WeightedInterval & Span;

const minuteSpan = (maxMinute: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: maxMinute }), fc.integer({ min: 0, max: maxMinute }))
    .map(([a, b]) => ({ start: Math.min(a, b) * MINUTE, end: Math.max(a, b) * MINUTE }));

const interval = (maxMinute: number) =>
  fc.tuple(minuteSpan(maxMinute), fc.constantFrom(...KINDS), fc.constantFrom(0, 0.25, 0.5, 1)).map(
    ([span, kind, weight]): Closed => ({
      ...span,
      kind,
      weight: kind === 'outage' || kind === 'maintenance' ? 1 : kind === 'unknown' ? 0 : weight,
    }),
  );

/** The rules of intervals.ts applied to each minute on its own. */
function reference(intervals: Closed[], gaps: Span[], window: Span) {
  let downtime = 0;
  let maintenance = 0;
  let unknown = 0;
  let incidents = 0;
  let longest = 0;
  let run = 0;
  let maintenanceWindows = 0;
  let inMaintenance = false;
  for (let t = window.start; t < window.end; t += MINUTE) {
    const covering = intervals.filter((i) => i.start <= t && t < i.end);
    const maint = covering.filter((i) => i.kind === 'maintenance');
    const observed = covering.filter((i) => ['outage', 'partial', 'degraded'].includes(i.kind));
    const gap = gaps.some((g) => g.start <= t && t < g.end);
    const worst = Math.max(0, ...[...maint, ...observed].map((i) => i.weight));
    let down = false;
    if (maint.length > 0) {
      downtime += worst * MINUTE;
      maintenance += worst * MINUTE;
      if (!inMaintenance) maintenanceWindows++;
      inMaintenance = true;
    } else {
      inMaintenance = false;
      if (gap) unknown += MINUTE;
      else if (observed.length > 0) {
        downtime += worst * MINUTE;
        down = worst > 0;
      } else if (covering.some((i) => i.kind === 'unknown')) unknown += MINUTE;
    }
    if (down) {
      if (run === 0) incidents++;
      run += MINUTE;
      longest = Math.max(longest, run);
    } else run = 0;
  }
  const measured = window.end - window.start - unknown;
  return { downtime, maintenance, unknown, incidents, longest, maintenanceWindows, measured };
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(b));

test('figures match a minute-by-minute reference on generated ledgers', () => {
  fc.assert(
    fc.property(
      fc.array(interval(600), { maxLength: 12 }),
      fc.array(minuteSpan(600), { maxLength: 3 }),
      minuteSpan(600),
      (intervals, gaps, window) => {
        fc.pre(window.end > window.start);
        const figures = figuresOf(classify(intervals, gaps, window), window);
        const expected = reference(intervals, gaps, window);
        assert.ok(
          close(figures.downtimeMs, expected.downtime),
          `downtime ${figures.downtimeMs} vs ${expected.downtime}`,
        );
        assert.ok(close(figures.maintenanceMs, expected.maintenance));
        assert.equal(figures.unknownMs, expected.unknown);
        assert.equal(figures.measuredMs, expected.measured);
        assert.equal(figures.incidents, expected.incidents);
        assert.equal(figures.longestIncidentMs, expected.longest);
        assert.equal(figures.maintenanceWindows, expected.maintenanceWindows);
        const availability = figures.availabilityPercent;
        if (expected.measured === 0) assert.equal(availability, null);
        else {
          assert.ok(availability !== null && availability >= 0 && availability <= 100);
          assert.ok(close(availability, (100 * (expected.measured - expected.downtime)) / expected.measured));
        }
      },
    ),
    { numRuns: 400 },
  );
});

test('long ledgers, sorted by start as the store hands them over or in any order, match the reference', () => {
  // A year of history is hundreds of intervals per subject, mostly in order with a few
  // overlaps and monitoring gaps: the sweep must not depend on the order it is given.
  fc.assert(
    fc.property(
      fc
        .array(interval(1500), { minLength: 20, maxLength: 120 })
        .chain((intervals) =>
          fc
            .shuffledSubarray(intervals, { minLength: intervals.length, maxLength: intervals.length })
            .map((shuffled) => ({ sorted: [...intervals].sort((a, b) => a.start - b.start), shuffled })),
        ),
      fc.array(minuteSpan(1500), { maxLength: 3 }),
      ({ sorted, shuffled }, gaps) => {
        const window = { start: 0, end: 1500 * MINUTE };
        const expected = reference(sorted, gaps, window);
        const segments = classify(sorted, gaps, window);
        assert.deepEqual(classify(shuffled, gaps, window), segments);
        const figures = figuresOf(segments, window);
        assert.ok(
          close(figures.downtimeMs, expected.downtime),
          `${figures.downtimeMs} vs ${expected.downtime}`,
        );
        assert.ok(close(figures.maintenanceMs, expected.maintenance));
        assert.equal(figures.unknownMs, expected.unknown);
        assert.equal(figures.incidents, expected.incidents);
        assert.equal(figures.longestIncidentMs, expected.longest);
        assert.equal(figures.maintenanceWindows, expected.maintenanceWindows);
      },
    ),
    { numRuns: 60 },
  );
});

test('overlapping outages count once: the downtime is the length of their union', () => {
  fc.assert(
    fc.property(fc.array(minuteSpan(10_000), { minLength: 1, maxLength: 30 }), (spans) => {
      const outages = spans.map((s): WeightedInterval => ({ ...s, kind: 'outage', weight: 1 }));
      const window = { start: 0, end: 10_000 * MINUTE };
      const figures = figuresOf(classify(outages, [], window), window);
      assert.equal(figures.downtimeMs, totalLength(spans));
      assert.equal(figures.incidents, mergeSpans(spans).length);
      assert.ok(figures.downtimeMs <= window.end - window.start);
    }),
  );
});

test('a partial outage overlapping a full one counts the worse weight once', () => {
  const window = { start: 0, end: 100 * MINUTE };
  const figures = figuresOf(
    classify(
      [
        { start: 10 * MINUTE, end: 40 * MINUTE, kind: 'partial', weight: 0.5 },
        { start: 20 * MINUTE, end: 30 * MINUTE, kind: 'outage', weight: 1 },
      ],
      [],
      window,
    ),
    window,
  );
  // 20 partial minutes at half weight + 10 full minutes; one incident of 30 minutes.
  assert.equal(figures.downtimeMs, 20 * MINUTE);
  assert.equal(figures.incidents, 1);
  assert.equal(figures.longestIncidentMs, 30 * MINUTE);
  assert.equal(figures.availabilityPercent, 80);
});

test('maintenance counts as downtime and unknown time is left out of the measured time', () => {
  const window = { start: 0, end: 1000 * MINUTE };
  const figures = figuresOf(
    classify(
      [
        { start: 0, end: 10 * MINUTE, kind: 'maintenance', weight: 1 },
        { start: 500 * MINUTE, end: 600 * MINUTE, kind: 'outage', weight: 1 },
      ],
      [{ start: 550 * MINUTE, end: 800 * MINUTE }],
      window,
    ),
    window,
  );
  assert.equal(figures.maintenanceMs, 10 * MINUTE);
  assert.equal(figures.downtimeMs, 60 * MINUTE, '10 maintenance + 50 observed before Vigil stopped');
  assert.equal(figures.unknownMs, 250 * MINUTE);
  assert.equal(figures.measuredMs, 750 * MINUTE);
  assert.equal(figures.availabilityPercent, 92);
  const budget = errorBudget(figures, 99);
  assert.equal(budget.allowedMs, 7.5 * MINUTE);
  assert.equal(budget.remainingMs, -52.5 * MINUTE);
});

test('splitting a window into periods and adding the parts gives the whole', () => {
  const base = Date.UTC(2026, 2, 20);
  fc.assert(
    fc.property(
      fc.array(interval(20 * 24 * 60), { maxLength: 15 }),
      fc.array(minuteSpan(20 * 24 * 60), { maxLength: 2 }),
      fc.constantFrom('day', 'week', 'month') as fc.Arbitrary<'day' | 'week' | 'month'>,
      fc.constantFrom('Europe/Berlin', 'America/New_York', 'UTC', 'Australia/Lord_Howe'),
      (generated, gaps, unit, zone) => {
        const shift = (s: Span) => ({ start: base + s.start, end: base + s.end });
        const intervals = generated.map((i) => ({ ...i, ...shift(i) }));
        const window = { start: base + 7 * MINUTE, end: base + 20 * 24 * HOUR - 3 * MINUTE };
        const segments = classify(intervals, gaps.map(shift), window);
        const whole = figuresOf(segments, window);
        const parts = splitIntoPeriods(window, unit, zone).map((p) => figuresOf(segments, p));
        const sum = (f: (x: (typeof parts)[number]) => number) => parts.reduce((t, p) => t + f(p), 0);
        assert.equal(
          sum((p) => p.periodMs),
          window.end - window.start,
        );
        assert.ok(
          close(
            sum((p) => p.downtimeMs),
            whole.downtimeMs,
          ),
        );
        assert.ok(
          close(
            sum((p) => p.maintenanceMs),
            whole.maintenanceMs,
          ),
        );
        assert.equal(
          sum((p) => p.unknownMs),
          whole.unknownMs,
        );
        assert.equal(
          sum((p) => p.measuredMs),
          whole.measuredMs,
        );
        // An incident crossing a boundary counts in each period it touches.
        assert.ok(sum((p) => p.incidents) >= whole.incidents);
      },
    ),
    { numRuns: 150 },
  );
});

test('days in a time zone last 23 or 25 hours when the clocks change', () => {
  const lengths = (zone: string, since: string, until: string) =>
    splitIntoPeriods({ start: Date.parse(since), end: Date.parse(until) }, 'day', zone).map((p) => ({
      label: p.label,
      hours: (p.end - p.start) / HOUR,
    }));
  const berlin = lengths('Europe/Berlin', '2026-03-28T00:00:00+01:00', '2026-03-31T00:00:00+02:00');
  assert.deepEqual(berlin, [
    { label: '2026-03-28', hours: 24 },
    { label: '2026-03-29', hours: 23 },
    { label: '2026-03-30', hours: 24 },
  ]);
  const autumn = lengths('Europe/Berlin', '2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00');
  assert.deepEqual(autumn, [{ label: '2026-10-25', hours: 25 }]);
  const newYork = lengths('America/New_York', '2026-03-08T00:00:00-05:00', '2026-03-09T00:00:00-04:00');
  assert.deepEqual(newYork, [{ label: '2026-03-08', hours: 23 }]);
  const fall = lengths('America/New_York', '2026-11-01T00:00:00-04:00', '2026-11-02T00:00:00-05:00');
  assert.deepEqual(fall, [{ label: '2026-11-01', hours: 25 }]);

  // Any day of a decade: 23, 24 or 25 hours, back to back, starting at local midnight.
  fc.assert(
    fc.property(
      fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
      fc.constantFrom('Europe/Berlin', 'America/New_York'),
      (at, zone) => {
        const start = startOfPeriod('day', at, zone);
        const end = endOfPeriod('day', at, zone);
        assert.ok(start <= at && at < end);
        assert.ok([23, 24, 25].includes((end - start) / HOUR), `${new Date(start).toISOString()}`);
        assert.equal(startOfPeriod('day', end, zone), end);
        const local = new Intl.DateTimeFormat('en-GB', {
          timeZone: zone,
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        });
        assert.equal(local.format(start), '00:00');
      },
    ),
  );
});

test('weeks are ISO weeks starting on Monday; months, quarters and years follow the calendar', () => {
  const zone = 'Europe/Berlin';
  const weeks = splitIntoPeriods(
    { start: Date.parse('2026-01-01T00:00:00+01:00'), end: Date.parse('2026-01-13T00:00:00+01:00') },
    'week',
    zone,
  );
  assert.deepEqual(
    weeks.map((w) => [w.label, new Date(w.start).toISOString()]),
    [
      ['2026-W01', '2025-12-31T23:00:00.000Z'],
      ['2026-W02', '2026-01-04T23:00:00.000Z'],
      ['2026-W03', '2026-01-11T23:00:00.000Z'],
    ],
  );
  const year = {
    start: Date.parse('2026-01-01T00:00:00+01:00'),
    end: Date.parse('2027-01-01T00:00:00+01:00'),
  };
  assert.deepEqual(
    splitIntoPeriods(year, 'quarter', zone).map((q) => q.label),
    ['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4'],
  );
  assert.equal(splitIntoPeriods(year, 'month', zone).length, 12);
  assert.equal(splitIntoPeriods(year, 'day', zone).length, 365);
  assert.deepEqual(
    splitIntoPeriods(year, 'year', zone).map((y) => y.label),
    ['2026'],
  );
});

test('an open interval lasts to the end of the measured time', () => {
  const window = { start: 0, end: 60 * MINUTE };
  const figures = figuresOf(
    classify([{ start: 45 * MINUTE, end: null, kind: 'outage', weight: 1 }], [], window),
    window,
  );
  assert.equal(figures.downtimeMs, 15 * MINUTE);
  assert.equal(figures.incidents, 1);
});
