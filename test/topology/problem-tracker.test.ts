import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ObjectState, StateEvent } from '../../src/model/types.ts';
import { describeProblem } from '../../src/topology/describe-problem.ts';
import { type ProblemEvent, ProblemTracker } from '../../src/topology/problem-tracker.ts';
import { modelFromYaml } from '../helpers/model.ts';

const RACK = `
hosts:
  - { name: core, check: { kind: dummy } }
  - name: tor-a
    parents: [core]
    check: { kind: dummy }
    location: { room: "2", cabinet: B4 }
    # The switch port web-1 is plugged into: the switch's, and part of web-1's problem when web-1 is down.
    services: [{ name: port-1, attached_to: web-1, check: { kind: dummy } }]
  - { name: tor-b, parents: [core], check: { kind: dummy } }
  - name: web-1
    parents: [tor-a, tor-b]
    check: { kind: dummy }
    services: [{ name: http, check: { kind: dummy } }]
  - name: web-2
    parents: [tor-a]
    check: { kind: dummy }
    services: [{ name: http, check: { kind: dummy } }]
  - name: db
    services: [{ name: mysql, check: { kind: dummy } }]
dependencies:
  - { objects: [web-1/http, web-2/http], on: [db/mysql] }
`;

const DOWN = 1;
const UNREACHABLE = 2;
const CRITICAL = 2;
let clock = 1_000;

function hard(objectId: string, state: number): StateEvent {
  clock += 1;
  return {
    objectId,
    kind: state === 0 ? 'recovery' : 'hard-change',
    at: clock,
    state,
    previousState: 0,
    stateType: 'HARD',
    attempt: 3,
    output: '',
  };
}
function soft(objectId: string, state: number): StateEvent {
  clock += 1;
  return {
    objectId,
    kind: 'soft-change',
    at: clock,
    state,
    previousState: 0,
    stateType: 'SOFT',
    attempt: 1,
    output: '',
  };
}
const summary = (events: ProblemEvent[]) =>
  events.map((e) => `${e.kind} ${e.objectId} [${e.affected.join(' ')}]`);

test('a top-of-rack switch failure opens one problem with everything behind it attached', () => {
  const model = modelFromYaml(RACK);
  const tracker = new ProblemTracker(model, []);
  // Symptoms arrive first (soft, then hard), the switch last: nothing may escape before it.
  const early = tracker.apply([soft('web-2', DOWN), soft('web-2/http', CRITICAL), soft('tor-a', DOWN)]);
  assert.deepEqual(early, []);
  const symptoms = tracker.apply([
    hard('web-2', UNREACHABLE),
    hard('web-2/http', CRITICAL),
    hard('tor-a/port-1', CRITICAL),
  ]);
  assert.deepEqual(summary(symptoms), [], 'held while the switch is only soft DOWN');
  const opened = tracker.apply([hard('tor-a', DOWN)]);
  assert.deepEqual(summary(opened), ['opened tor-a [tor-a/port-1 web-2 web-2/http]']);
  assert.deepEqual(opened[0]?.degraded, ['web-1'], 'web-1 is still reachable through tor-b alone');
  assert.equal(
    describeProblem(model, opened[0] as ProblemEvent),
    'tor-a DOWN — 1 host unreachable, 2 services affected, 1 losing redundancy (room 2, cabinet B4)',
  );
  const resolved = tracker.apply([
    hard('tor-a', 0),
    hard('web-2', 0),
    hard('web-2/http', 0),
    hard('tor-a/port-1', 0),
  ]);
  assert.deepEqual(summary(resolved), ['resolved tor-a []']);
});

test('when the cause recovers, what still fails after its own re-check becomes its own problem', () => {
  const tracker = new ProblemTracker(modelFromYaml(RACK), []);
  tracker.apply([hard('tor-a', DOWN), hard('web-2', UNREACHABLE), hard('web-2/http', CRITICAL)]);
  const after = tracker.apply([hard('tor-a', 0)]);
  assert.deepEqual(
    summary(after),
    ['resolved tor-a []'],
    'web-2 is not announced on a result older than the recovery',
  );
  assert.deepEqual(tracker.takeRechecks(), ['web-2']);
  assert.deepEqual(tracker.takeRechecks(), [], 'each re-check is asked for once');
  const stillDown = { ...restoredState('web-2', DOWN), lastCheck: clock + 5 };
  assert.deepEqual(summary(tracker.confirm('web-2', stillDown)), ['opened web-2 [web-2/http]']);
  assert.deepEqual(tracker.confirm('web-2', stillDown), [], 'confirmed once');
});

test('an explained problem that recovers on its re-check is never announced', () => {
  const tracker = new ProblemTracker(modelFromYaml(RACK), []);
  tracker.apply([hard('tor-a', DOWN), hard('web-2', UNREACHABLE)]);
  tracker.apply([hard('tor-a', 0)]);
  assert.deepEqual(tracker.takeRechecks(), ['web-2']);
  assert.deepEqual(tracker.apply([hard('web-2', 0)]), []);
  assert.deepEqual(tracker.confirm('web-2', restoredState('web-2', 0)), []);
});

test('a dual-homed host rebooting is one problem: the host, with its ports and services', () => {
  const tracker = new ProblemTracker(modelFromYaml(RACK), []);
  const events = tracker.apply([
    hard('tor-a/port-1', CRITICAL),
    hard('web-1/http', CRITICAL),
    hard('web-1', DOWN),
  ]);
  assert.deepEqual(summary(events), ['opened web-1 [tor-a/port-1 web-1/http]']);
});

test('losing one uplink port while the host is up is its own problem', () => {
  const tracker = new ProblemTracker(modelFromYaml(RACK), []);
  assert.deepEqual(summary(tracker.apply([hard('tor-a/port-1', CRITICAL)])), ['opened tor-a/port-1 []']);
});

test('a database down explains the applications that depend on it', () => {
  const tracker = new ProblemTracker(modelFromYaml(RACK), []);
  const events = tracker.apply([
    hard('web-1/http', CRITICAL),
    hard('web-2/http', CRITICAL),
    hard('db/mysql', CRITICAL),
  ]);
  assert.deepEqual(summary(events), ['opened db/mysql [web-1/http web-2/http]']);
});

function restoredState(objectId: string, state: number): ObjectState {
  return {
    objectId,
    state,
    stateType: 'HARD',
    attempt: 3,
    lastHardState: state,
    lastStateChange: 1,
    lastHardStateChange: 1,
    lastCheck: 1,
    output: '',
    longOutput: '',
    recentStates: [],
    percentStateChange: 0,
    flapping: false,
  };
}

test('problems open before a restart are not announced again', () => {
  const model = modelFromYaml(RACK);
  const restored = [restoredState('db/mysql', CRITICAL)];
  const tracker = new ProblemTracker(model, restored);
  assert.deepEqual(tracker.openProblems(), ['db/mysql']);
  assert.deepEqual(tracker.apply([hard('db/mysql', CRITICAL)]), []);
  assert.deepEqual(summary(tracker.apply([hard('db/mysql', 0)])), ['resolved db/mysql []']);
});

test('a flapping host is announced once, not once per flap', () => {
  const tracker = new ProblemTracker(modelFromYaml(RACK), []);
  clock += 1;
  const flapping: StateEvent = {
    objectId: 'web-2',
    kind: 'flapping-start',
    at: clock,
    state: 0,
    previousState: 0,
    stateType: 'HARD',
    attempt: 1,
    output: '',
  };
  const events = [
    ...tracker.apply([soft('web-2', DOWN)]),
    ...tracker.apply([flapping]),
    ...tracker.apply([hard('web-2', DOWN)]),
    ...tracker.apply([hard('web-2', 0)]),
    ...tracker.apply([hard('web-2', DOWN)]),
  ];
  assert.deepEqual(summary(events), ['opened web-2 []']);
  assert.equal(events[0]?.flapping, true);
});

test('a dependency limited to a time period explains problems only inside it', () => {
  const model = modelFromYaml(`
time_periods:
  nightly-backup: { time_zone: UTC, ranges: ["daily 02:00-03:00"] }
hosts:
  - name: backup
    services: [{ name: job, check: { kind: dummy } }]
  - name: db
    services: [{ name: mysql, check: { kind: dummy } }]
dependencies:
  # The database is slow only while the backup runs; outside that window it stands alone.
  - { objects: [db/mysql], on: [backup/job], period: nightly-backup }
`);
  const day = Date.UTC(2026, 10, 28);
  const inside = day + 2.5 * 3_600_000;
  const outside = day + 4 * 3_600_000;
  const tracker = new ProblemTracker(model, [], inside);
  clock = inside;
  const during = tracker.apply([hard('backup/job', CRITICAL), hard('db/mysql', CRITICAL)]);
  assert.deepEqual(summary(during), ['opened backup/job [db/mysql]']);
  const later = tracker.tick(outside);
  assert.deepEqual(summary(later), [], 'leaving the window asks for a re-check first');
  assert.deepEqual(tracker.takeRechecks(), ['db/mysql']);
  const stillFailing = { ...restoredState('db/mysql', CRITICAL), lastCheck: outside + 1 };
  assert.deepEqual(summary(tracker.confirm('db/mysql', stillFailing)), ['opened db/mysql []']);
});

test('a reload keeps announced problems open and announces what the new configuration exposes', () => {
  const before = modelFromYaml(RACK);
  const tracker = new ProblemTracker(before, []);
  tracker.apply([hard('db/mysql', CRITICAL), hard('web-2/http', CRITICAL)]);
  // web-2/http is explained by db/mysql; the reload removes that dependency.
  const after = modelFromYaml(
    RACK.replace('  - { objects: [web-1/http, web-2/http], on: [db/mysql] }\n', ''),
  );
  const states = ['db/mysql', 'web-2/http'].map((id) => restoredState(id, CRITICAL));
  const reloaded = new ProblemTracker(after, states);
  assert.deepEqual(summary(reloaded.adopt(tracker.openProblems())), ['opened web-2/http []']);
  assert.deepEqual(reloaded.openProblems().sort(), ['db/mysql', 'web-2/http']);
  assert.deepEqual(summary(reloaded.apply([hard('db/mysql', 0)])), ['resolved db/mysql []']);
});

test('after a restart, a problem whose notification was never queued is announced; others are not', () => {
  const model = modelFromYaml(RACK);
  const states = ['db/mysql', 'web-2/http'].map((id) => restoredState(id, CRITICAL));
  const tracker = new ProblemTracker(model, [...states, restoredState('tor-a', 0)]);
  // The store recorded db/mysql as announced, and tor-a, which has since recovered.
  assert.deepEqual(summary(tracker.adopt(['db/mysql', 'tor-a'])), ['resolved tor-a []']);
  const fresh = new ProblemTracker(
    modelFromYaml(RACK.replace('  - { objects: [web-1/http, web-2/http], on: [db/mysql] }\n', '')),
    states,
  );
  assert.deepEqual(summary(fresh.adopt(['db/mysql'])), ['opened web-2/http []']);
});
