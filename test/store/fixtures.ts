// Builders for store tests: every field set to something other than its zero value, so a
// column that is not written or not read back fails the round trip.
import type { CheckResult, ObjectState, PerfDatum, StateEvent } from '../../src/model/types.ts';
import type { StoreBatch } from '../../src/store/store.ts';

export const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);

export function objectState(objectId: string, overrides: Partial<ObjectState> = {}): ObjectState {
  return {
    objectId,
    state: 2,
    stateType: 'SOFT',
    attempt: 2,
    lastHardState: 1,
    lastStateChange: T0 - 120_000,
    lastHardStateChange: T0 - 3_600_000,
    lastCheck: T0,
    output: 'CRITICAL - disk /var at 97% — ünïcode',
    longOutput: 'line two\nline three',
    recentStates: [0, 0, 1, 2, 2, 3],
    percentStateChange: 12.5,
    flapping: true,
    ...overrides,
  };
}

export function checkResult(objectId: string, startedAt: number, perfdata: PerfDatum[] = []): CheckResult {
  return {
    objectId,
    exitCode: 1,
    output: `WARNING - ${objectId}`,
    longOutput: 'details\nmore details',
    perfdata,
    plannedAt: startedAt - 3,
    startedAt,
    durationMs: 42.5,
  };
}

export function stateEvent(objectId: string, at: number, overrides: Partial<StateEvent> = {}): StateEvent {
  return {
    objectId,
    kind: 'hard-change',
    at,
    state: 2,
    previousState: 0,
    stateType: 'HARD',
    attempt: 3,
    output: `CRITICAL at ${at}`,
    ...overrides,
  };
}

export function loadDatum(value: number): PerfDatum {
  return { label: 'load1', value, unit: '', warn: '5', crit: '10', min: 0 };
}

/** A batch as the engine would write it at 100,000 services every 60 s: 1,667 results a write. */
export function engineBatch(batchNumber: number, size: number): StoreBatch {
  const at = T0 + batchNumber * 1000;
  const batch: StoreBatch = { results: [], states: [], events: [] };
  for (let i = 0; i < size; i++) {
    const objectId = `host${i % 500}/svc${i}`;
    batch.results.push(
      checkResult(objectId, at + i, [
        { label: 'time', value: i / 1000, unit: 's', warn: '1', crit: '2', min: 0 },
        { label: 'size', value: i * 10, unit: 'B', min: 0 },
      ]),
    );
    batch.states.push(objectState(objectId, { lastCheck: at + i, stateType: 'HARD', flapping: false }));
    if (i % 100 === 0) batch.events.push(stateEvent(objectId, at + i));
  }
  return batch;
}

/** The crash test's child writes this many events per batch, batch n at CRASH_FIRST_AT + n. */
export const CRASH_EVENTS_PER_BATCH = 50;
export const CRASH_FIRST_AT = 1_000_000;
