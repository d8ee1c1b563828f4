import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nextRunAfter, spreadFirstRuns } from '../../src/engine/spread.ts';

test('first runs of checks added together are spread evenly over their interval', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2_000 }),
      fc.integer({ min: 1_000, max: 3_600_000 }),
      fc.integer({ min: 0, max: 2 ** 40 }),
      (count, intervalMs, now) => {
        const checks = Array.from({ length: count }, (_, i) => ({ objectId: `s${i}`, intervalMs }));
        const runs = [...spreadFirstRuns(checks, now).values()].sort((a, b) => a - b);
        assert.equal(runs.length, count);
        for (const at of runs) assert.ok(at >= now && at < now + intervalMs);
        // No herd: no slot holds more than its share (allowing for rounding to whole ms).
        const step = intervalMs / count;
        for (let i = 1; i < runs.length; i++) {
          const gap = (runs[i] as number) - (runs[i - 1] as number);
          assert.ok(Math.abs(gap - step) <= 1, `gap ${gap} vs step ${step}`);
        }
      },
    ),
  );
});

test('next runs stay on the planned grid: no drift however late checks start', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1_000, max: 600_000 }),
      fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 1, maxLength: 500 }),
      (intervalMs, lateness) => {
        const first = 1_000_000;
        let planned = first;
        for (const [i, late] of lateness.entries()) {
          const startedAndFinished = planned + (late * intervalMs) / 1000;
          planned = nextRunAfter(planned, intervalMs, startedAndFinished);
          assert.equal(planned, first + (i + 1) * intervalMs);
        }
      },
    ),
  );
});

test('an engine more than an interval behind restarts from now instead of racing', () => {
  assert.equal(nextRunAfter(0, 1_000, 5_000), 5_000);
});
