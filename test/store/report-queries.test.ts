// The range reads the noise report is built on, against both backends: SQLite in a temporary
// file and PostgreSQL in a freshly created database (dropped afterwards).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StateEvent } from '../../src/model/types.ts';
import { backends } from './backends.ts';

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0);
const HOUR = 3_600_000;

const event = (objectId: string, kind: StateEvent['kind'], at: number): StateEvent => ({
  objectId,
  kind,
  at,
  state: kind === 'recovery' ? 0 : 2,
  previousState: kind === 'recovery' ? 2 : 0,
  stateType: 'HARD',
  attempt: 1,
  output: '',
});

for (const backend of backends) {
  describe(`report reads (${backend.name})`, () => {
    it('outbox entries, acknowledgements and events of a time range, half-open, oldest first', async () => {
      const store = await backend.open();
      await store.outbox.enqueue(
        [-1, 0, 1, 2, 3].map((hour) => ({
          id: `n${hour}`,
          receiver: 'ops-chat',
          payload: { kind: 'problem', hour },
          createdAt: T0 + hour * HOUR,
        })),
      );
      await store.outbox.markDelivered(['n1'], T0 + HOUR + 1);
      const entries = await store.outbox.createdBetween(T0, T0 + 3 * HOUR);
      assert.deepEqual(
        entries.map((e) => [e.id, e.status]),
        [
          ['n0', 'pending'],
          ['n1', 'delivered'],
          ['n2', 'pending'],
        ],
      );
      assert.deepEqual(entries[1]?.payload, { kind: 'problem', hour: 1 });

      for (const [objectId, hour] of [
        ['web-1', -1],
        ['web-1', 1],
        ['db-1', 0],
        ['db-1', 3],
      ] as const) {
        await store.acknowledgements.add({
          objectId,
          state: 2,
          author: 'alice',
          comment: '',
          sticky: false,
          expiresAt: null,
          createdAt: T0 + hour * HOUR,
        });
      }
      // Each object's first acknowledgement was replaced by its second: ended ones are listed too.
      const acks = await store.acknowledgements.createdBetween(T0 - HOUR, T0 + 3 * HOUR);
      assert.deepEqual(
        acks.map((a) => [a.objectId, a.createdAt, a.removedReason]),
        [
          ['web-1', T0 - HOUR, 'replaced'],
          ['db-1', T0, 'replaced'],
          ['web-1', T0 + HOUR, ''],
        ],
      );

      await store.write({
        results: [],
        states: [],
        events: [
          event('web-1', 'hard-change', T0),
          event('web-1/http', 'flapping-start', T0 + HOUR),
          event('web-1', 'recovery', T0 + 2 * HOUR),
          event('db-1', 'recovery', T0 + 3 * HOUR),
        ],
      });
      const events = await store.eventsBetween(T0, T0 + 3 * HOUR, ['recovery', 'flapping-start']);
      assert.deepEqual(
        events.map((e) => [e.objectId, e.kind, e.at]),
        [
          ['web-1/http', 'flapping-start', T0 + HOUR],
          ['web-1', 'recovery', T0 + 2 * HOUR],
        ],
      );
      assert.equal((await store.eventsBetween(T0, T0 + 4 * HOUR)).length, 4);
      assert.deepEqual(await store.eventsBetween(T0, T0 + 4 * HOUR, []), []);
    });
  });
}
