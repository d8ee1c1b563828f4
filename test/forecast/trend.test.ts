import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { answerCapacity, resolveLimit } from '../../src/forecast/capacity.ts';
import { formatQuantity } from '../../src/forecast/quantity.ts';
import { DAY_MS, fitTrend, forecast, type TimedValue } from '../../src/forecast/trend.ts';

const NOW = Date.UTC(2026, 10, 28, 12);
const HOUR = 3_600_000;

/** `count` samples every `stepMs` ending at `end`, on the line value(t) = base + perDay × days since the first. */
function line(count: number, stepMs: number, base: number, perDay: number, end = NOW): TimedValue[] {
  const first = end - (count - 1) * stepMs;
  return Array.from({ length: count }, (_, i) => ({
    at: first + i * stepMs,
    value: base + (perDay * i * stepMs) / DAY_MS,
  }));
}

const request = (samples: readonly TimedValue[], limit: number, direction: 'up' | 'down' = 'up') => ({
  samples,
  limit,
  direction,
  now: NOW,
  minSamples: 10,
  minSpanMs: DAY_MS,
});

/** Relative closeness for times far from zero: within `ms` milliseconds. */
const closeMs = (actual: number, expected: number, ms = 1000) =>
  assert.ok(
    Math.abs(actual - expected) <= ms,
    `${new Date(actual).toISOString()} vs ${new Date(expected).toISOString()}`,
  );

const seriesShape = fc
  .record({
    count: fc.integer({ min: 25, max: 600 }),
    stepHours: fc.integer({ min: 1, max: 6 }),
    base: fc.double({ min: 0, max: 1e12, noNaN: true }),
    // Growth per day as a share of the base (or of 1): at least 1/10,000, so that the steps
    // between samples stay far above the rounding of doubles as large as the base.
    growth: fc.double({ min: 1e-4, max: 10, noNaN: true }),
    headroomDays: fc.double({ min: 1, max: 3000, noNaN: true }),
  })
  .map(({ growth, ...shape }) => ({ ...shape, perDay: Math.max(1, shape.base) * growth }));

test('a perfectly linear series gives the exact crossing time', () => {
  fc.assert(
    fc.property(seriesShape, ({ count, stepHours, base, perDay, headroomDays }) => {
      const samples = line(count, stepHours * HOUR, base, perDay);
      const valueNow = samples.at(-1)?.value ?? 0;
      const limit = valueNow + perDay * headroomDays;
      const result = forecast(request(samples, limit));
      assert.equal(result.verdict, 'crossing');
      if (result.verdict !== 'crossing') return;
      closeMs(result.at, NOW + headroomDays * DAY_MS, Math.max(1000, headroomDays * DAY_MS * 1e-9));
      assert.ok(Math.abs(result.fit.slopePerDay - perDay) <= perDay * 1e-9);
    }),
    // Each run fits up to 400 points (80,000 pairs): fewer runs keep the file fast.
    { numRuns: 40 },
  );
});

test('a constant offset on the limit shifts the crossing by offset / slope', () => {
  fc.assert(
    fc.property(
      seriesShape,
      fc.double({ min: 0, max: 500, noNaN: true }),
      ({ count, stepHours, base, perDay, headroomDays }, offsetDays) => {
        const samples = line(count, stepHours * HOUR, base, perDay);
        const limit = (samples.at(-1)?.value ?? 0) + perDay * headroomDays;
        const offset = perDay * offsetDays;
        const near = forecast(request(samples, limit));
        const far = forecast(request(samples, limit + offset));
        assert.equal(near.verdict, 'crossing');
        assert.equal(far.verdict, 'crossing');
        if (near.verdict !== 'crossing' || far.verdict !== 'crossing') return;
        const shift = offset / near.fit.slopePerMs;
        closeMs(far.at - near.at, shift, Math.max(1000, shift * 1e-9));
      },
    ),
    { numRuns: 40 },
  );
});

test('shuffling the samples does not change the fit', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          at: fc.integer({ min: NOW - 60 * DAY_MS, max: NOW }),
          value: fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        }),
        { minLength: 2, maxLength: 900 },
      ),
      fc.infiniteStream(fc.nat()),
      (samples, randomness) => {
        fc.pre(new Set(samples.map((s) => s.at)).size >= 2);
        const shuffled = [...samples];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (randomness.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as TimedValue, shuffled[i] as TimedValue];
        }
        assert.deepEqual(fitTrend(shuffled, NOW), fitTrend(samples, NOW));
      },
    ),
  );
});

test('a series that does not rise never reports a crossing of an upper limit', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 10, maxLength: 300 }),
      fc.double({ min: -1e6, max: 2e6, noNaN: true }),
      (drops, limit) => {
        // A falling walk: each step is at most the last value.
        let value = 1e6;
        const samples = drops.map((drop, i) => {
          value -= drop;
          return { at: NOW - (drops.length - i) * HOUR * 3, value };
        });
        const result = forecast(request(samples, limit, 'up'));
        assert.notEqual(result.verdict, 'crossing');
        // And, mirrored, a rising series never reaches a floor.
        const mirrored = forecast(
          request(
            samples.map((s) => ({ at: s.at, value: -s.value })),
            -limit,
            'down',
          ),
        );
        assert.notEqual(mirrored.verdict, 'crossing');
      },
    ),
  );
});

test('outliers do not move the robust line', () => {
  const samples = line(24 * 30, HOUR, 500e9, 2e9);
  const clean = forecast(request(samples, 800e9));
  // A nightly dump: for two hours a day the disk holds 80 GB more.
  const spiky = samples.map((s, i) => (i % 24 < 2 ? { at: s.at, value: s.value + 80e9 } : s));
  const noisy = forecast(request(spiky, 800e9));
  assert.equal(clean.verdict, 'crossing');
  assert.equal(noisy.verdict, 'crossing');
  if (clean.verdict !== 'crossing' || noisy.verdict !== 'crossing') return;
  assert.ok(Math.abs(noisy.daysLeft - clean.daysLeft) < 1, `${noisy.daysLeft} vs ${clean.daysLeft}`);
  assert.ok(clean.fit.rSquared > 0.999);
});

test('too few samples or too short a span is not enough data', () => {
  const few = forecast(request(line(5, HOUR * 12, 0, 1), 100));
  assert.equal(few.verdict, 'not-enough-data');
  assert.match(few.verdict === 'not-enough-data' ? few.reason : '', /5 samples, at least 10 needed/);
  const short = forecast(request(line(30, 60_000, 0, 1), 100));
  assert.equal(short.verdict, 'not-enough-data');
  assert.match(short.verdict === 'not-enough-data' ? short.reason : '', /span 29 minutes, at least 1 days/);
});

test('a limit already passed is reached, a flat series is not growing', () => {
  assert.equal(forecast(request(line(48, HOUR, 120, 1), 100)).verdict, 'reached');
  const flat = forecast(request(line(48, HOUR, 50, 0), 100));
  assert.equal(flat.verdict, 'not-growing');
  const crawling = forecast(request(line(48, HOUR, 50, 1e-6), 100));
  assert.equal(crawling.verdict, 'not-growing');
  assert.match(crawling.verdict === 'not-growing' ? crawling.reason : '', /more than 10 years/);
});

test('the limit: max is the declared maximum, a falling metric defaults to the floor 0', () => {
  assert.deepEqual(resolveLimit(undefined, 'up', 1000), { value: 1000, exhausts: true });
  assert.deepEqual(resolveLimit(undefined, 'down', undefined), { value: 0, exhausts: true });
  assert.deepEqual(resolveLimit(90, 'up', 1000), { value: 90, exhausts: false });
  assert.match(String(Object.values(resolveLimit('max', 'up', undefined))), /declares no maximum/);
  assert.match(String(Object.values(resolveLimit('max', 'down', 5))), /needs a number/);
});

test('the summary reads like an operator would say it', () => {
  const GB = 1024 ** 3;
  // 1.2 GB a day toward a 1 TB disk that holds 892 GB now: 90 days.
  const samples = line(24 * 30, HOUR, (892 - 1.2 * 29.96) * GB, 1.2 * GB);
  const answer = answerCapacity(
    { samples, unit: 'B', declaredMax: 1000 * GB, labels: ['used'] },
    { direction: 'up', windowMs: 30 * DAY_MS, minSamples: 10, what: 'storage' },
    NOW,
  );
  assert.ok(!('problem' in answer));
  assert.match(answer.summary, /^storage exhausted in about 90 days \(2027-02-2\d\), growing 1\.2 GB\/day$/);
  assert.equal(answer.projection.at(-1)?.at, answer.forecast.verdict === 'crossing' ? answer.forecast.at : 0);
  assert.ok(Math.abs((answer.projection.at(-1)?.value ?? 0) - 1000 * GB) < 1e3);
});

test('quantities: byte units scale, others stay', () => {
  assert.equal(formatQuantity(1.2 * 1024 ** 3, 'B'), '1.2 GB');
  assert.equal(formatQuantity(512, 'MB'), '512 MB');
  assert.equal(formatQuantity(2048, 'MB'), '2 GB');
  assert.equal(formatQuantity(87.54, '%'), '87.5%');
  assert.equal(formatQuantity(3, ''), '3');
  assert.equal(formatQuantity(-1536, 'KB'), '-1.5 MB');
});
