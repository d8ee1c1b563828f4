// Acknowledgements and downtime windows, run against both backends: SQLite in a temporary
// file and PostgreSQL in a freshly created database (dropped afterwards).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewDowntime } from '../../src/store/suppressions.ts';
import { backends } from './backends.ts';

const T0 = Date.UTC(2025, 5, 2, 8, 0, 0);
const HOUR = 3_600_000;

const recurring: NewDowntime = {
  target: { kind: 'hostgroup', name: 'db' },
  includeServices: true,
  includeChildren: true,
  type: 'fixed',
  startAt: T0,
  endAt: null,
  durationMs: 2 * HOUR,
  recurrence: 'weekly sun 02:00',
  timeZone: 'Europe/Berlin',
  author: 'alice',
  comment: 'patch night — ünïcode',
  createdAt: T0 - 1,
};

for (const backend of backends) {
  describe(`${backend.name}: acknowledgements and downtime`, () => {
    it('round-trips an acknowledgement; a new one on the same object replaces the old', async () => {
      const store = await backend.open();
      const first = await store.acknowledgements.add({
        objectId: 'db1/mysql',
        state: 2,
        author: 'alice',
        comment: 'looking',
        sticky: true,
        expiresAt: T0 + HOUR,
        createdAt: T0,
      });
      assert.deepEqual(await store.acknowledgements.current(), [first]);
      assert.equal(first.sticky, true);
      assert.equal(first.expiresAt, T0 + HOUR);
      const second = await store.acknowledgements.add({
        objectId: 'db1/mysql',
        state: 1,
        author: 'bob',
        comment: 'now warning',
        sticky: false,
        expiresAt: null,
        createdAt: T0 + 10,
      });
      assert.deepEqual(await store.acknowledgements.current(), [second]);
      const history = await store.acknowledgements.list('db1/mysql');
      assert.deepEqual(
        history.map((a) => [a.author, a.removedAt, a.removedReason]),
        [
          ['bob', null, ''],
          ['alice', T0 + 10, 'replaced'],
        ],
      );
    });

    it('removes an acknowledgement by object and ends one by id, keeping both on record', async () => {
      const store = await backend.open();
      const ack = { state: 2, author: 'a', comment: '', sticky: false, expiresAt: null, createdAt: T0 };
      const a = await store.acknowledgements.add({ ...ack, objectId: 'h1' });
      await store.acknowledgements.add({ ...ack, objectId: 'h2' });
      assert.equal(await store.acknowledgements.remove('h2', T0 + 5, 'removed by bob'), 1);
      assert.equal(await store.acknowledgements.remove('h2', T0 + 6, 'again'), 0);
      await store.acknowledgements.end(a.id, T0 + 7, 'recovered');
      assert.deepEqual(await store.acknowledgements.current(), []);
      const all = await store.acknowledgements.list();
      assert.deepEqual(all.map((x) => [x.objectId, x.removedAt, x.removedReason]).sort(), [
        ['h1', T0 + 7, 'recovered'],
        ['h2', T0 + 5, 'removed by bob'],
      ]);
    });

    it('round-trips every downtime field; cancel and trigger happen once; nothing is deleted', async () => {
      const store = await backend.open();
      const saved = await store.downtimes.add(recurring);
      assert.deepEqual(saved, { ...recurring, id: saved.id, triggeredAt: null, cancelledAt: null });
      const flexible = await store.downtimes.add({
        ...recurring,
        target: { kind: 'service', name: 'web/http' },
        includeServices: false,
        includeChildren: false,
        type: 'flexible',
        endAt: T0 + 4 * HOUR,
        durationMs: HOUR,
        recurrence: null,
      });
      assert.ok(flexible.id > saved.id);
      await store.downtimes.trigger(flexible.id, T0 + 100);
      await store.downtimes.trigger(flexible.id, T0 + 200);
      assert.equal((await store.downtimes.get(flexible.id))?.triggeredAt, T0 + 100, 'the first trigger wins');

      assert.equal(await store.downtimes.cancel(saved.id, T0 + 300), true);
      assert.equal(await store.downtimes.cancel(saved.id, T0 + 400), false);
      assert.equal(await store.downtimes.cancel(999, T0), false);
      assert.deepEqual(
        (await store.downtimes.current()).map((w) => w.id),
        [flexible.id],
      );
      const all = await store.downtimes.all();
      assert.deepEqual(
        all.map((w) => [w.id, w.cancelledAt]),
        [
          [saved.id, T0 + 300],
          [flexible.id, null],
        ],
      );
      assert.equal(await store.downtimes.get(12345), undefined);
    });
  });
}
