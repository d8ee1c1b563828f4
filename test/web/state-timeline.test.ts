import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StateEvent } from '../../src/model/types.ts';
import { timelineSegments } from '../../web/state-timeline.ts';

const event = (at: number, kind: StateEvent['kind'], state: number, previousState: number): StateEvent => ({
  objectId: 'web-1/http',
  kind,
  at,
  state,
  previousState,
  stateType: kind === 'soft-change' ? 'SOFT' : 'HARD',
  attempt: 1,
  output: '',
});

test('timeline: hard changes split the range; soft changes do not count; order does not matter', () => {
  const events = [
    event(700, 'recovery', 0, 2),
    event(250, 'soft-change', 2, 0),
    event(300, 'hard-change', 2, 0),
  ];
  assert.deepEqual(timelineSegments(events, 0, 1000, 0), [
    { start: 0, end: 300, state: 0 },
    { start: 300, end: 700, state: 2 },
    { start: 700, end: 1000, state: 0 },
  ]);
});

test('timeline: no change in the range is one bar in the current state; unknown state, no bars', () => {
  assert.deepEqual(timelineSegments([], 0, 1000, 1), [{ start: 0, end: 1000, state: 1 }]);
  assert.deepEqual(timelineSegments([], 0, 1000, undefined), []);
});
