import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  breachedRange,
  breaches,
  fixedRange,
  parseRange,
  perfdataRanges,
  stateFor,
  worstState,
} from '../../src/checks/thresholds.ts';

test('the Monitoring Plugins range table', () => {
  // From the guidelines: each row is a range, a value, and whether it alerts.
  const table: [string, number, boolean][] = [
    ['10', -1, true],
    ['10', 0, false],
    ['10', 10, false],
    ['10', 11, true],
    ['10:', 9.9, true],
    ['10:', 10, false],
    ['10:', 1e9, false],
    ['~:10', -1e9, false],
    ['~:10', 10.5, true],
    ['10:20', 9, true],
    ['10:20', 15, false],
    ['10:20', 21, true],
    ['@10:20', 10, true],
    ['@10:20', 20, true],
    ['@10:20', 21, false],
    ['@10:20', 9, false],
  ];
  for (const [text, value, alerts] of table)
    assert.equal(breaches(fixedRange(text), value), alerts, `${text} with ${value}`);
});

test('bad ranges are explained, not thrown', () => {
  for (const bad of ['', 'ten', '20:10', '1:x', 'x:1', '@']) {
    const parsed = parseRange(bad);
    assert.equal(typeof parsed, 'string', bad);
  }
});

test('an @ range alerts exactly where the plain range does not', () => {
  fc.assert(
    fc.property(
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      fc.double({ min: -2e6, max: 2e6, noNaN: true }),
      (a, b, value) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const plain = fixedRange(`${low}:${high}`);
        const inverted = fixedRange(`@${low}:${high}`);
        assert.notEqual(breaches(plain, value), breaches(inverted, value));
      },
    ),
  );
});

test('critical wins over warning; the worst of several states', () => {
  assert.equal(stateFor(95, { warn: fixedRange('80'), crit: fixedRange('90') }), 2);
  assert.equal(stateFor(85, { warn: fixedRange('80'), crit: fixedRange('90') }), 1);
  assert.equal(stateFor(5, { warn: fixedRange('80'), crit: fixedRange('90') }), 0);
  assert.equal(worstState([0, 3, 1]), 1);
  assert.equal(worstState([0, 3]), 3);
  assert.equal(worstState([2, 1, 3]), 2);
  assert.equal(worstState([]), 0);
});

test('perfdata carries each range as written, and leaves an unset one out', () => {
  assert.deepEqual(perfdataRanges({ warn: fixedRange('@0:5'), crit: fixedRange('~:10') }), {
    warn: '@0:5',
    crit: '~:10',
  });
  const onlyCrit = perfdataRanges({ warn: undefined, crit: fixedRange('2') });
  assert.deepEqual(onlyCrit, { crit: '2' });
  assert.ok(!('warn' in onlyCrit), 'an unset warn must not become an empty perfdata field');
  assert.deepEqual(perfdataRanges({}), {});
});

test('the breached range is the one that earned the state', () => {
  const thresholds = { warn: fixedRange('80'), crit: fixedRange('90') };
  assert.equal(breachedRange(stateFor(85, thresholds), thresholds), '80');
  assert.equal(breachedRange(stateFor(95, thresholds), thresholds), '90');
  assert.equal(breachedRange(2, { warn: fixedRange('80') }), '');
});

test('a range fixed in code is parsed, and a bad one throws instead of passing as a range', () => {
  assert.deepEqual(fixedRange(30), { start: 0, end: 30, alertInside: false, text: '30' });
  assert.throws(() => fixedRange('30:10'), /starts above its end/);
});
