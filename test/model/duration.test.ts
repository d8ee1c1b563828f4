import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../src/model/duration.ts';

test('durations in the forms operators write', () => {
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration(30), 30_000);
  assert.equal(parseDuration('2d'), 172_800_000);
  for (const bad of ['', 'soon', '5 minutes', '-1s', '1x', null, {}])
    assert.equal(parseDuration(bad), undefined, String(bad));
});

test('formatted durations parse back to the same whole seconds', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 10_000_000 }), (seconds) => {
      assert.equal(parseDuration(formatDuration(seconds * 1000)), seconds * 1000);
    }),
  );
});
