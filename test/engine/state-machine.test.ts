import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  applyHostResult,
  applyServiceResult,
  FLAP_HISTORY_LENGTH,
  initialState,
  percentStateChange,
  type StatePolicy,
  type Transition,
} from '../../src/engine/state-machine.ts';
import type { ObjectState } from '../../src/model/types.ts';

const T0 = 1_700_000_000_000;
const noFlap = { low: 5, high: 20, enabled: false };
const policy3: StatePolicy = { maxAttempts: 3, flap: noFlap };

type Code = 0 | 1 | 2 | 3;

function runService(codes: Code[], policy = policy3, hostUp = true): Transition[] {
  let s = initialState('web/http', 'service', T0);
  return codes.map((exitCode, i) => {
    const t = applyServiceResult(
      s,
      { exitCode, output: `r${i}`, longOutput: '', at: T0 + (i + 1) * 60_000, hostUp },
      policy,
    );
    s = t.state;
    return t;
  });
}

function row(t: Transition): [number, string, number, string[]] {
  return [t.state.state, t.state.stateType, t.state.attempt, t.events.map((e) => e.kind)];
}

describe('service state types (Nagios "State Types" example, max_check_attempts 3)', () => {
  test('OK -> soft problems -> hard WARNING -> hard recovery -> soft UNKNOWN -> soft recovery', () => {
    const ts = runService([0, 1, 2, 1, 1, 0, 0, 3, 0, 0]);
    assert.deepEqual(ts.map(row), [
      [0, 'HARD', 1, []],
      [1, 'SOFT', 1, ['soft-change']],
      [2, 'SOFT', 2, ['soft-change']],
      [1, 'HARD', 3, ['hard-change']],
      [1, 'HARD', 3, []],
      [0, 'HARD', 1, ['recovery']],
      [0, 'HARD', 1, []],
      [3, 'SOFT', 1, ['soft-change']],
      // Soft recovery: reported SOFT (attempt 2, as Nagios logs it), stored HARD attempt 1.
      [0, 'HARD', 1, ['soft-change']],
      [0, 'HARD', 1, []],
    ]);
    const softRecovery = ts[8]?.events[0];
    assert.equal(softRecovery?.stateType, 'SOFT');
    assert.equal(softRecovery?.attempt, 2);
    assert.equal(softRecovery?.previousState, 3);
    assert.deepEqual(
      ts.map((t) => t.nextCheck),
      ['normal', 'retry', 'retry', 'normal', 'normal', 'normal', 'normal', 'retry', 'normal', 'normal'],
    );
  });

  test('hard-change event names the previous hard state; times follow Nagios', () => {
    const ts = runService([2, 2, 2, 2, 0]);
    const hard = ts[2];
    assert.ok(hard);
    assert.deepEqual(hard.events[0], {
      objectId: 'web/http',
      kind: 'hard-change',
      at: T0 + 180_000,
      state: 2,
      previousState: 0,
      stateType: 'HARD',
      attempt: 3,
      output: 'r2',
    });
    // Nagios moves last_state_change on the soft -> hard change even though the state stayed CRITICAL.
    assert.equal(hard.state.lastStateChange, T0 + 180_000);
    assert.equal(hard.state.lastHardStateChange, T0 + 180_000);
    assert.equal(hard.state.lastHardState, 2);
    assert.equal(ts[3]?.state.attempt, 3, 'a repeated hard problem keeps attempt at max');
    assert.equal(ts[3]?.state.lastStateChange, T0 + 180_000);
    const recovery = ts[4]?.events[0];
    assert.equal(recovery?.kind, 'recovery');
    assert.equal(recovery?.previousState, 2);
    assert.equal(ts[4]?.state.lastHardState, 0);
  });

  test('WARNING -> CRITICAL while hard is a hard change and keeps the attempt', () => {
    const ts = runService([1, 1, 1, 2, 2]);
    assert.deepEqual(row(ts[3] as Transition), [2, 'HARD', 3, ['hard-change']]);
    assert.equal(ts[3]?.events[0]?.previousState, 1);
    assert.equal(ts[3]?.nextCheck, 'normal');
    assert.deepEqual(row(ts[4] as Transition), [2, 'HARD', 3, []]);
  });

  test('soft recovery moves lastHardStateChange but not lastHardState (nagioscore #575 block)', () => {
    const ts = runService([2, 0]);
    const s = ts[1]?.state as ObjectState;
    assert.equal(s.lastHardState, 0);
    assert.equal(s.lastStateChange, T0 + 120_000);
    assert.equal(s.lastHardStateChange, T0 + 120_000);
  });

  test('maxAttempts 1 goes hard on the first problem', () => {
    const ts = runService([2, 0], { maxAttempts: 1, flap: noFlap });
    assert.deepEqual(ts.map(row), [
      [2, 'HARD', 1, ['hard-change']],
      [0, 'HARD', 1, ['recovery']],
    ]);
  });

  test('pending is lastCheck 0 and the first result starts the attempts', () => {
    const s = initialState('x', 'service', T0);
    assert.equal(s.lastCheck, 0);
    assert.equal(s.stateType, 'HARD');
    assert.equal(s.attempt, 1);
    assert.equal(s.recentStates.length, FLAP_HISTORY_LENGTH);
    const t = applyServiceResult(
      s,
      { exitCode: 2, output: '', longOutput: '', at: T0 + 5, hostUp: true },
      policy3,
    );
    assert.equal(t.state.lastCheck, T0 + 5);
    assert.deepEqual(row(t), [2, 'SOFT', 1, ['soft-change']]);
  });
});

describe('services on a host that is not UP', () => {
  test('OK -> CRITICAL goes hard at once with attempt 1 (nagioscore t-tap test_checks.c)', () => {
    const ts = runService([2, 2, 0], policy3, false);
    assert.deepEqual(ts.map(row), [
      [2, 'HARD', 1, ['hard-change']],
      [2, 'HARD', 1, []],
      [0, 'HARD', 1, ['recovery']],
    ]);
  });

  test('soft CRITICAL -> WARNING with the host down is a hard WARNING at max attempts', () => {
    let s = runService([2])[0]?.state as ObjectState;
    const t = applyServiceResult(
      s,
      { exitCode: 1, output: '', longOutput: '', at: T0 + 1e6, hostUp: false },
      policy3,
    );
    assert.deepEqual(row(t), [1, 'HARD', 3, ['hard-change']]);
    assert.equal(t.state.lastHardState, 1);
    assert.equal(t.events[0]?.previousState, 0);
    s = t.state;
    const again = applyServiceResult(
      s,
      { exitCode: 1, output: '', longOutput: '', at: T0 + 2e6, hostUp: true },
      policy3,
    );
    assert.deepEqual(row(again), [1, 'HARD', 3, []]);
  });

  test('host comes back: a hard problem stays hard, a different problem is a hard change', () => {
    const down = runService([2], policy3, false)[0]?.state as ObjectState;
    const t = applyServiceResult(
      down,
      { exitCode: 1, output: '', longOutput: '', at: T0 + 1e6, hostUp: true },
      policy3,
    );
    assert.deepEqual(row(t), [1, 'HARD', 1, ['hard-change']]);
  });
});

describe('hosts', () => {
  function runHost(steps: [number, boolean][], maxAttempts = 3): Transition[] {
    let s = initialState('sw1', 'host', T0);
    return steps.map(([exitCode, reachable], i) => {
      const t = applyHostResult(
        s,
        { exitCode, output: `h${i}`, longOutput: '', at: T0 + i * 1000, reachable },
        { maxAttempts, flap: noFlap },
      );
      s = t.state;
      return t;
    });
  }

  test('exit 1 is UP, 2 and 3 DOWN; soft -> hard DOWN -> hard UNREACHABLE -> hard recovery', () => {
    const ts = runHost([
      [1, true],
      [2, true],
      [3, true],
      [2, true],
      [2, true],
      [2, false],
      [0, true],
    ]);
    assert.deepEqual(ts.map(row), [
      [0, 'HARD', 1, []],
      [1, 'SOFT', 1, ['soft-change']],
      [1, 'SOFT', 2, []],
      [1, 'HARD', 3, ['hard-change']],
      [1, 'HARD', 3, []],
      [2, 'HARD', 3, ['hard-change']],
      [0, 'HARD', 1, ['recovery']],
    ]);
    assert.equal(ts[5]?.state.lastHardStateChange, T0 + 5000);
  });

  test('soft DOWN -> UNREACHABLE keeps counting attempts', () => {
    const ts = runHost([
      [2, true],
      [2, false],
      [2, false],
    ]);
    assert.deepEqual(ts.map(row), [
      [1, 'SOFT', 1, ['soft-change']],
      [2, 'SOFT', 2, ['soft-change']],
      [2, 'HARD', 3, ['hard-change']],
    ]);
    assert.deepEqual(
      ts.map((t) => t.nextCheck),
      ['retry', 'retry', 'normal'],
    );
  });

  test('host soft recovery is reported SOFT with attempt 1 and leaves lastHardStateChange', () => {
    const ts = runHost([
      [2, true],
      [2, true],
      [0, true],
    ]);
    assert.deepEqual(row(ts[2] as Transition), [0, 'HARD', 1, ['soft-change']]);
    assert.equal(ts[2]?.events[0]?.stateType, 'SOFT');
    assert.equal(ts[2]?.events[0]?.attempt, 1);
    assert.equal(ts[2]?.state.lastHardStateChange, T0);
    assert.equal(ts[2]?.state.lastStateChange, T0 + 2000);
  });
});

describe('flap detection', () => {
  test('percentStateChange matches flapping.c weights', () => {
    assert.equal(percentStateChange(new Array(21).fill(0)), 0);
    const alternating = Array.from({ length: 21 }, (_, i) => i % 2);
    assert.ok(Math.abs(percentStateChange(alternating) - 100) < 1e-9);
    const newestOnly = [...new Array(20).fill(0), 2];
    assert.ok(Math.abs(percentStateChange(newestOnly) - 6.25) < 1e-9);
    const oldestOnly = [0, ...new Array(20).fill(2)];
    assert.ok(Math.abs(percentStateChange(oldestOnly) - 3.75) < 1e-9);
    // A short history counts as padded with its oldest state.
    assert.equal(percentStateChange([0, 2]), percentStateChange(newestOnly));
  });

  test('a service that keeps recovering starts and then stops flapping', () => {
    const flapPolicy: StatePolicy = { maxAttempts: 1, flap: { low: 5, high: 20, enabled: true } };
    const codes: Code[] = [2, 0, 2, 0, 2, 0, ...new Array<Code>(25).fill(0)];
    const ts = runService(codes, flapPolicy);
    const kinds = ts.flatMap((t) => t.events.filter((e) => e.kind.startsWith('flapping')).map((e) => e.kind));
    assert.deepEqual(kinds, ['flapping-start', 'flapping-stop']);
    const start = ts.findIndex((t) => t.events.some((e) => e.kind === 'flapping-start'));
    assert.ok((ts[start]?.state.percentStateChange ?? 0) >= 20);
    assert.ok((ts[start - 1]?.state.percentStateChange ?? 100) < 20);
  });

  test('soft service problems are not recorded in the flap history', () => {
    const ts = runService([2, 2]);
    assert.equal(ts[0]?.state.recentStates, ts[1]?.state.recentStates);
    assert.equal(ts[1]?.state.recentStates.length, 21);
    assert.equal(ts[1]?.state.recentStates.at(-1), 0);
  });

  test('steady OK reuses the history array', () => {
    const s = initialState('x', 'service', T0);
    const t = applyServiceResult(
      s,
      { exitCode: 0, output: '', longOutput: '', at: T0 + 1, hostUp: true },
      policy3,
    );
    assert.equal(t.state.recentStates, s.recentStates);
  });
});

// ---- properties ----

interface Step {
  kind: 'service' | 'host';
  code: number;
  up: boolean;
}

const policyArb = fc.record({
  maxAttempts: fc.integer({ min: 1, max: 6 }),
  flap: fc.record({
    low: fc.double({ min: 0, max: 50, noNaN: true }),
    high: fc.double({ min: 0, max: 100, noNaN: true }),
    enabled: fc.boolean(),
  }),
});
const stepsArb = fc.array(fc.record({ code: fc.integer({ min: 0, max: 3 }), up: fc.boolean() }), {
  maxLength: 80,
});
const kindArb = fc.constantFrom<'service' | 'host'>('service', 'host');

function apply(
  kind: 'service' | 'host',
  s: ObjectState,
  code: number,
  up: boolean,
  at: number,
  p: StatePolicy,
) {
  return kind === 'service'
    ? applyServiceResult(s, { exitCode: code as Code, output: 'o', longOutput: '', at, hostUp: up }, p)
    : applyHostResult(s, { exitCode: code, output: 'o', longOutput: '', at, reachable: up }, p);
}

function walk(
  kind: 'service' | 'host',
  steps: { code: number; up: boolean }[],
  p: StatePolicy,
  check: (prev: ObjectState, t: Transition, step: Step, index: number) => void,
): void {
  let s = initialState('obj', kind, T0);
  steps.forEach((step, i) => {
    const t = apply(kind, s, step.code, step.up, T0 + (i + 1) * 1000, p);
    check(s, t, { kind, ...step }, i);
    s = t.state;
  });
}

describe('state machine properties', () => {
  test('attempt stays within 1..maxAttempts; SOFT means a non-OK state retried with lastHardState OK', () => {
    fc.assert(
      fc.property(kindArb, policyArb, stepsArb, (kind, p, steps) => {
        walk(kind, steps, p, (_prev, t) => {
          assert.ok(t.state.attempt >= 1 && t.state.attempt <= p.maxAttempts);
          if (t.state.stateType === 'SOFT') {
            assert.notEqual(t.state.state, 0);
            assert.equal(t.state.lastHardState, 0);
            assert.equal(t.nextCheck, 'retry');
          } else {
            assert.equal(t.nextCheck, 'normal');
          }
          for (const e of t.events) assert.ok(e.attempt >= 1 && e.attempt <= p.maxAttempts);
        });
      }),
    );
  });

  test('a HARD problem is only reached after maxAttempts consecutive problems, host not UP, or maxAttempts 1', () => {
    fc.assert(
      fc.property(kindArb, policyArb, stepsArb, (kind, p, steps) => {
        let consecutive = 0;
        walk(kind, steps, p, (prev, t, step) => {
          consecutive = t.state.state === 0 ? 0 : consecutive + 1;
          const becameHardProblem =
            t.state.state !== 0 &&
            t.state.stateType === 'HARD' &&
            (prev.stateType === 'SOFT' || prev.state === 0);
          if (becameHardProblem) {
            const forcedByHost = kind === 'service' && !step.up;
            assert.ok(consecutive >= p.maxAttempts || forcedByHost || p.maxAttempts === 1);
          }
        });
      }),
    );
  });

  test('lastHardState equals the state of the last hard event; hard events match a hard state change', () => {
    fc.assert(
      fc.property(kindArb, policyArb, stepsArb, (kind, p, steps) => {
        let lastHardEventState = 0;
        walk(kind, steps, p, (prev, t) => {
          for (const e of t.events) {
            if (e.kind === 'hard-change' || e.kind === 'recovery') {
              assert.equal(e.previousState, prev.lastHardState);
              assert.notEqual(e.state, e.previousState);
              assert.equal(e.state, t.state.lastHardState);
              assert.equal(e.stateType, 'HARD');
              assert.equal(e.kind === 'recovery', e.state === 0);
              lastHardEventState = e.state;
            }
          }
          assert.equal(t.state.lastHardState, lastHardEventState);
          const hardEvents = t.events.filter((e) => e.kind === 'hard-change' || e.kind === 'recovery').length;
          assert.equal(hardEvents, t.state.lastHardState !== prev.lastHardState ? 1 : 0);
          assert.equal(
            t.state.lastHardStateChange !== prev.lastHardStateChange,
            hardEvents === 1 || isSoftServiceRecovery(kind, prev, t),
          );
        });
      }),
    );
  });

  test('lastStateChange moves iff the state changed or a problem became hard', () => {
    fc.assert(
      fc.property(kindArb, policyArb, stepsArb, (kind, p, steps) => {
        walk(kind, steps, p, (prev, t) => {
          const changed = t.state.state !== prev.state;
          const wentHard = t.events.some((e) => e.kind === 'hard-change');
          assert.equal(t.state.lastStateChange !== prev.lastStateChange, changed || wentHard);
          const stateEvents = t.events.filter((e) => !e.kind.startsWith('flapping'));
          assert.equal(stateEvents.length, changed || wentHard ? 1 : 0);
          if (changed)
            assert.equal(stateEvents[0]?.stateType === 'SOFT', stateEvents[0]?.kind === 'soft-change');
        });
      }),
    );
  });

  test('never mutates its input', () => {
    fc.assert(
      fc.property(kindArb, policyArb, stepsArb, (kind, p, steps) => {
        walk(kind, steps, p, (prev, _t, step, i) => {
          const before = structuredClone(prev);
          const frozen = deepFreeze(structuredClone(prev));
          apply(kind, frozen, step.code, step.up, T0 + i, p);
          assert.deepEqual(prev, before);
        });
      }),
    );
  });

  test('percentStateChange is within 0..100 and 0 for constant sequences', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 30 }), (states) => {
        const v = percentStateChange(states);
        assert.ok(v >= 0 && v <= 100 + 1e-9);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 30 }), (v, n) => {
        assert.equal(percentStateChange(new Array(n).fill(v)), 0);
      }),
    );
  });

  test('stored percentStateChange and history agree; flapping toggles only across thresholds', () => {
    fc.assert(
      fc.property(kindArb, policyArb, stepsArb, (kind, p, steps) => {
        walk(kind, steps, p, (prev, t) => {
          const s = t.state;
          assert.ok(s.recentStates.length <= FLAP_HISTORY_LENGTH);
          assert.equal(s.percentStateChange, percentStateChange(s.recentStates));
          const starts = t.events.filter((e) => e.kind === 'flapping-start').length;
          const stops = t.events.filter((e) => e.kind === 'flapping-stop').length;
          assert.equal(starts, !prev.flapping && s.flapping ? 1 : 0);
          assert.equal(stops, prev.flapping && !s.flapping ? 1 : 0);
          if (starts) assert.ok(p.flap.enabled && s.percentStateChange >= p.flap.high);
          if (stops) assert.ok(!p.flap.enabled || s.percentStateChange <= p.flap.low);
          if (!p.flap.enabled) assert.equal(s.flapping, false);
        });
      }),
    );
  });
});

function isSoftServiceRecovery(kind: 'service' | 'host', prev: ObjectState, t: Transition): boolean {
  return kind === 'service' && prev.stateType === 'SOFT' && t.state.state === 0;
}

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}
