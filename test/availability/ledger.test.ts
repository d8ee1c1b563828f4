// The ledger on both store backends, fed the way the daemon feeds it: hard state changes,
// downtime windows, restarts after a crash; and the report computed from what was stored.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import pino from 'pino';
import { LedgerKeeper } from '../../src/availability/ledger-keeper.ts';
import type { AvailabilityRow } from '../../src/availability/report.ts';
import { availabilityOptions, loadAvailabilityReport } from '../../src/availability/report-loader.ts';
import type { ObjectState, StateEvent } from '../../src/model/types.ts';
import type {
  LedgerInterval,
  LedgerKind,
  LedgerRecord,
  LedgerSubject,
} from '../../src/store/availability.ts';
import type { Store } from '../../src/store/store.ts';
import { modelFromYaml } from '../helpers/model.ts';
import { backends } from '../store/backends.ts';

const MINUTE = 60_000;
const BASE = Date.UTC(2026, 5, 1, 8, 0);
const at = (minutes: number) => BASE + minutes * MINUTE;

const model = modelFromYaml(`
hosts:
  - name: web-1
    services: [{ name: http, check: { kind: dummy } }]
  - name: web-2
    services: [{ name: http, check: { kind: dummy } }]
components:
  Shop:
    target: 99.9
    match: { services: [web-1/http, web-2/http] }
`);

function event(objectId: string, minute: number, state: number, previousState: number): StateEvent {
  return {
    objectId,
    kind: state === 0 ? 'recovery' : 'hard-change',
    at: at(minute),
    state,
    previousState,
    stateType: 'HARD',
    attempt: 3,
    output: '',
  };
}

function state(objectId: string, hardState: number, sinceMinute: number): ObjectState {
  return {
    objectId,
    state: hardState,
    stateType: 'HARD',
    attempt: 1,
    lastHardState: hardState,
    lastStateChange: at(sinceMinute),
    lastHardStateChange: at(sinceMinute),
    lastCheck: at(sinceMinute),
    output: '',
    longOutput: '',
    recentStates: [],
    percentStateChange: 0,
    flapping: false,
  };
}

const silent = pino({ level: 'silent' });

function keeper(store: Store, clock: { now: number }, states: ObjectState[]): LedgerKeeper {
  return new LedgerKeeper({
    ledger: store.availability,
    downtimes: store.downtimes,
    model,
    states,
    clock: () => clock.now,
    log: silent,
    heartbeatMs: 3_600_000,
  });
}

const rowsOf = (records: LedgerRecord[], subjectId: string) =>
  records
    .filter((r) => r.subjectId === subjectId)
    .map((r) => ({
      kind: r.kind,
      weight: r.weight,
      start: (r.start - BASE) / MINUTE,
      end: r.end === null ? null : (r.end - BASE) / MINUTE,
    }))
    .sort((a, b) => a.start - b.start || a.kind.localeCompare(b.kind));

for (const backend of backends) {
  describe(`availability ledger on ${backend.name}`, () => {
    test('the store opens and closes intervals once, and lists what overlaps a period', async () => {
      const store = await backend.open();
      const ledger = store.availability;
      const outage = {
        subjectKind: 'service' as const,
        subjectId: 'a/b',
        kind: 'outage' as const,
        cause: 'hard CRITICAL',
        weight: 1,
        start: at(0),
      };
      await ledger.open([outage]);
      await ledger.open([outage]);
      assert.equal((await ledger.openIntervals()).length, 1, 'a retried open adds nothing');
      await ledger.close([{ ...outage, end: at(5) }]);
      await ledger.close([{ ...outage, end: at(9) }]);
      const [closed] = await ledger.overlapping(at(0), at(10));
      assert.equal(closed?.end, at(5), 'an interval keeps its first end');
      assert.deepEqual(await ledger.overlapping(at(5), at(10)), [], 'ends are exclusive');
      await ledger.open([{ ...outage, start: at(20) }]);
      assert.equal(
        (await ledger.overlapping(at(100), at(200))).length,
        1,
        'an open interval overlaps the future',
      );
      assert.equal(
        (await ledger.overlapping(at(0), at(200), { subjects: [{ kind: 'host', id: 'a/b' }] })).length,
        0,
      );
      const run = await ledger.startRun(at(0));
      await ledger.heartbeat(run, at(1));
      await ledger.stopRun(run, at(2));
      assert.deepEqual(await ledger.runs(), [
        { id: run, startedAt: at(0), lastSeenAt: at(2), stoppedAt: at(2) },
      ]);
    });

    test('a report reads each subject its own intervals overlapping the period, sorted by start', async () => {
      const store = await backend.open();
      const ledger = store.availability;
      let round = 0;
      const stored = fc.record({
        subject: fc.constantFrom(0, 1, 2, 3),
        kind: fc.constantFrom<LedgerKind>('outage', 'degraded', 'partial', 'maintenance', 'unknown'),
        start: fc.integer({ min: 0, max: 300 }),
        length: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(stored, { maxLength: 25 }),
          fc.integer({ min: 0, max: 300 }),
          fc.integer({ min: 1, max: 200 }),
          async (rows, since, length) => {
            // Fresh names each round: what earlier rounds stored is never asked for.
            round++;
            const subjects: LedgerSubject[] = [
              { kind: 'service', id: `r${round}/a` },
              { kind: 'host', id: `r${round}/a` },
              { kind: 'component', id: `r${round}/a` },
              { kind: 'service', id: `r${round}/b` },
            ];
            const written = rows.map((row, index) => ({
              subjectKind: subjects[row.subject]?.kind ?? 'service',
              subjectId: subjects[row.subject]?.id ?? '',
              kind: row.kind,
              cause: `cause ${index}`,
              weight: 1,
              start: at(row.start),
              end: row.length === null ? null : at(row.start + row.length),
            }));
            await ledger.open(written);
            await ledger.close(written.flatMap((w) => (w.end === null ? [] : [{ ...w, end: w.end }])));
            const window = { since: at(since), until: at(since + length) };
            const expected = (subject: LedgerSubject) =>
              written
                .filter(
                  (w) =>
                    w.subjectKind === subject.kind &&
                    w.subjectId === subject.id &&
                    w.start < window.until &&
                    (w.end === null || w.end > window.since),
                )
                .map((w) => `${w.kind} ${w.start} ${w.end}`)
                .sort();
            const read = async (asked: LedgerSubject[]) => {
              const lists: LedgerInterval[][] = [];
              await ledger.forEachSubject(asked, window.since, window.until, (index, intervals) => {
                lists[index] = intervals;
              });
              return lists;
            };
            // The subjects once, then one asked twice and one with no history; then among more
            // subjects than a query names one by one.
            const asked = [
              ...subjects,
              subjects[0] as LedgerSubject,
              { kind: 'service' as const, id: 'nobody' },
            ];
            const filler = Array.from({ length: 520 }, (_, i) => ({
              kind: 'host' as const,
              id: `filler-${i}`,
            }));
            for (const [lists, all] of [
              [await read(asked), asked],
              [(await read([...filler, ...asked])).slice(filler.length), asked],
            ] as const) {
              assert.equal(lists.length, all.length);
              all.forEach((subject, index) => {
                const intervals = lists[index] ?? [];
                for (let i = 1; i < intervals.length; i++)
                  assert.ok(
                    (intervals[i - 1] as LedgerInterval).start <= (intervals[i] as LedgerInterval).start,
                  );
                assert.deepEqual(
                  intervals.map((r) => `${r.kind} ${r.start} ${r.end}`).sort(),
                  expected(subject),
                  `${subject.kind} ${subject.id}`,
                );
              });
            }
          },
        ),
        { numRuns: 15 },
      );
    });

    test('hard states, downtime and restarts give exact intervals, and the report counts them honestly', async () => {
      const store = await backend.open();
      const clock = { now: at(0) };

      // First run: web-1 fails, then web-2, then web-1 recovers; the daemon then dies (no stop).
      const first = keeper(store, clock, []);
      await first.start();
      clock.now = at(10);
      first.noteStateEvents([event('web-1/http', 10, 2, 0)]);
      clock.now = at(20);
      first.noteStateEvents([event('web-2/http', 20, 2, 0)]);
      clock.now = at(30);
      first.noteStateEvents([event('web-1/http', 30, 0, 2)]);
      await first.heartbeat();
      await first.flushed();

      // Restarted at 40 with the committed states: what was open goes on, nothing is repeated.
      clock.now = at(40);
      const second = keeper(store, clock, [state('web-1/http', 0, 30), state('web-2/http', 2, 20)]);
      await second.start();
      await second.flushed();
      let records = await store.availability.overlapping(at(0), at(100));
      assert.deepEqual(rowsOf(records, 'web-2/http'), [{ kind: 'outage', weight: 1, start: 20, end: null }]);
      clock.now = at(45);
      await second.stop();

      // Down from 45 to 60; web-2 recovered at 50 meanwhile: its outage ends at 50.
      clock.now = at(60);
      const third = keeper(store, clock, [state('web-1/http', 0, 30), state('web-2/http', 0, 50)]);
      await third.start();
      // A downtime window on web-1 (with its services) from 70 to 80.
      await store.downtimes.add({
        target: { kind: 'host', name: 'web-1' },
        includeServices: true,
        includeChildren: false,
        type: 'fixed',
        startAt: at(70),
        endAt: at(80),
        durationMs: null,
        recurrence: null,
        timeZone: 'UTC',
        author: 'test',
        comment: 'kernel update',
        createdAt: at(60),
      });
      clock.now = at(70.5);
      await third.heartbeat();
      clock.now = at(80.2);
      await third.heartbeat();
      clock.now = at(90);
      await third.heartbeat();
      await third.flushed();

      records = await store.availability.overlapping(at(0), at(100));
      assert.deepEqual(rowsOf(records, 'web-1/http'), [
        { kind: 'outage', weight: 1, start: 10, end: 30 },
        { kind: 'maintenance', weight: 1, start: 70, end: 80 },
      ]);
      assert.deepEqual(rowsOf(records, 'web-1'), [{ kind: 'maintenance', weight: 1, start: 70, end: 80 }]);
      assert.deepEqual(rowsOf(records, 'web-2/http'), [{ kind: 'outage', weight: 1, start: 20, end: 50 }]);
      assert.deepEqual(rowsOf(records, 'Shop'), [
        { kind: 'partial', weight: 0.5, start: 10, end: 20 },
        { kind: 'outage', weight: 1, start: 20, end: 30 },
        { kind: 'partial', weight: 0.5, start: 30, end: 60 },
        { kind: 'maintenance', weight: 0.5, start: 70, end: 80 },
      ]);

      // A corrupted row is reported and skipped, never fatal.
      await store.availability.open([
        {
          subjectKind: 'service',
          subjectId: 'web-1/http',
          kind: 'bogus' as LedgerKind,
          cause: 'x',
          weight: 1,
          start: at(1),
        },
      ]);

      const options = availabilityOptions(
        model,
        { since: new Date(at(0)).toISOString(), until: new Date(at(90)).toISOString(), timeZone: 'UTC' },
        at(90),
        'UTC',
      );
      assert.ok(typeof options !== 'string', String(options));
      const report = await loadAvailabilityReport(store, options);
      const row = (id: string): AvailabilityRow => {
        const found = report.rows.find((r) => r.subject.id === id);
        assert.ok(found, id);
        return found;
      };
      // Vigil was not watching 30-40 (crash) and 45-60 (stopped): 25 unknown minutes.
      const web2 = row('web-2/http');
      assert.equal(web2.unknownMinutes, 25);
      assert.equal(web2.measuredMinutes, 65);
      assert.equal(web2.downtimeMinutes, 15, 'watched outage: 20-30 and 40-45');
      assert.equal(web2.incidents, 2);
      assert.ok(Math.abs((web2.availabilityPercent ?? 0) - (100 * 50) / 65) < 1e-9);
      const web1 = row('web-1/http');
      assert.equal(web1.downtimeMinutes, 30, 'the outage and the maintenance window');
      assert.equal(web1.maintenanceMinutes, 10);
      assert.equal(web1.incidents, 1);
      assert.equal(web1.longestIncidentMinutes, 20);
      const shop = row('Shop');
      assert.equal(shop.subject.kind, 'product');
      assert.equal(shop.downtimeMinutes, 5 + 10 + 2.5 + 5);
      assert.equal(shop.maintenanceMinutes, 5);
      assert.deepEqual(shop.budget, {
        targetPercent: 99.9,
        allowedMinutes: 0.065,
        remainingMinutes: 0.065 - 22.5,
      });
      assert.equal(row('web-2').downtimeMinutes, 0);
      assert.equal(report.skipped.length, 1);
      assert.match(report.skipped[0]?.reason ?? '', /unknown kind "bogus"/);
      await third.stop();
    });
  });
}
