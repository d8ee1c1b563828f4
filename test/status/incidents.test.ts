// The incident manager driven by problem events with an injected clock, on a real store:
// drafts, the publish delay, holds, updates, automatic resolution, restarts, the report.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { firstPostReport } from '../../src/status/incidents/first-post-report.ts';
import { IncidentManager } from '../../src/status/incidents/manager.ts';
import {
  holdIncident,
  postUpdate,
  publishIncident,
  resolveIncident,
} from '../../src/status/incidents/operator-changes.ts';
import { buildStatusSnapshot } from '../../src/status/snapshot-builder.ts';
import type { Store } from '../../src/store/store.ts';
import type { ProblemEvent } from '../../src/topology/problem-tracker.ts';
import { modelFromYaml } from '../helpers/model.ts';
import { backends, sqlite } from '../store/backends.ts';

const model = modelFromYaml(`
settings:
  status_site:
    title: Example Status
    publish_delay: 60s
    resolve_after: 10m
hosts:
  - { name: web1, address: 127.0.0.1 }
  - { name: web2, address: 127.0.0.1 }
  - { name: db1, address: 127.0.0.1 }
  - { name: backup1, address: 127.0.0.1 }
components:
  Shop:
    match: { hosts: [web1, web2] }
  Checkout:
    parent: Shop
    match: { hosts: [db1] }
`);

const T0 = Date.UTC(2026, 2, 16, 9, 0, 0);

function opened(objectId: string, at: number, affected: string[] = []): ProblemEvent {
  return { kind: 'opened', objectId, at, state: 1, flapping: false, affected, degraded: [] };
}
function resolved(objectId: string, at: number): ProblemEvent {
  return { kind: 'resolved', objectId, at, state: 0, flapping: false, affected: [], degraded: [] };
}

function harness(store: Store, start = T0) {
  let now = start;
  const changes: number[] = [];
  const manager = new IncidentManager({
    store,
    model: () => model,
    clock: () => now,
    log: pino({ level: 'silent' }),
    failingSince: () => start - 30_000,
    onPublicChange: () => changes.push(now),
  });
  return {
    manager,
    changes,
    at: (t: number) => {
      now = t;
    },
    now: () => now,
  };
}

for (const backend of backends) {
  describe(`incidents on ${backend.name}`, () => {
    it('drafts an incident for a root cause affecting a component and publishes it after the delay, not before', async () => {
      const store = await backend.open();
      const h = harness(store);
      await h.manager.noteProblems([opened('web1', T0)]);
      const [draft] = await store.incidents.open();
      assert.ok(draft);
      assert.equal(draft.status, 'draft');
      assert.deepEqual(draft.components, ['Shop']);
      assert.equal(draft.startedAt, T0 - 30_000, 'the first hard failure, not the decision');
      assert.equal(draft.causes[0]?.objectId, 'web1');
      assert.doesNotMatch(draft.title, /web1/, 'customers never read internal names');

      h.at(T0 + 59_000);
      await h.manager.tick();
      assert.equal((await store.incidents.get(draft.id))?.status, 'draft');
      h.at(T0 + 60_000);
      await h.manager.tick();
      const published = await store.incidents.get(draft.id);
      assert.equal(published?.status, 'published');
      assert.equal(published?.publishedAt, T0 + 60_000);
      assert.equal(published?.firstPostMs, 90_000);
      assert.ok(h.changes.includes(T0 + 60_000), 'the public picture changed');

      const report = firstPostReport(
        await store.incidents.firstPosts(T0 - 3_600_000, T0 + 3_600_000),
        60_000,
      );
      assert.equal(report.incidents, 1);
      assert.equal(report.maxMs, 90_000);
      assert.equal(report.overPromise, 1);
    });

    it('keeps a pending publish across a restart and publishes at start once it is due', async () => {
      const store = await backend.open();
      const first = harness(store);
      await first.manager.noteProblems([opened('db1', T0)]);
      await first.manager.stop();
      const [draft] = await store.incidents.open();
      assert.equal(draft?.status, 'draft');
      const second = harness(store, T0 + 5 * 60_000);
      await second.manager.start();
      await second.manager.stop();
      const published = await store.incidents.get(draft?.id ?? 0);
      assert.equal(published?.status, 'published');
      assert.equal(published?.publishedAt, T0 + 5 * 60_000);
    });
  });
}

describe('incident lifecycle', () => {
  it('opens nothing for a root cause that affects no component', async () => {
    const store = await sqlite.open();
    const h = harness(store);
    await h.manager.noteProblems([opened('backup1', T0)]);
    assert.deepEqual(await store.incidents.open(), []);
  });

  it('counts what a root cause explains: a dead host behind which a component fails', async () => {
    const store = await sqlite.open();
    const h = harness(store);
    await h.manager.noteProblems([opened('backup1', T0, ['db1'])]);
    const [incident] = await store.incidents.open();
    assert.deepEqual(incident?.components, ['Checkout'], 'the most specific component, not its parent');
  });

  it('a hold stops the automatic publish; an operator publishes sooner', async () => {
    const store = await sqlite.open();
    const h = harness(store);
    await h.manager.noteProblems([opened('web1', T0)]);
    const [draft] = await store.incidents.open();
    assert.ok(draft);
    await holdIncident(store.incidents, draft.id, T0 + 10_000, 'alice');
    h.at(T0 + 3_600_000);
    await h.manager.tick();
    const held = await store.incidents.get(draft.id);
    assert.equal(held?.status, 'draft');
    assert.equal(held?.heldBy, 'held by alice');

    await h.manager.noteProblems([opened('db1', T0 + 3_600_000)]);
    const other = (await store.incidents.open()).find((i) => i.id !== draft.id);
    assert.equal(other, undefined, 'db1 is under Shop: it joins the open incident');
    await publishIncident(store.incidents, draft.id, T0 + 3_700_000);
    const published = await store.incidents.get(draft.id);
    assert.equal(published?.status, 'published');
    assert.deepEqual(published?.components, ['Checkout', 'Shop']);
    assert.equal(published?.causes.length, 2);
  });

  it('posts updates, moves to monitoring when the causes recover and resolves after the quiet period', async () => {
    const store = await sqlite.open();
    const h = harness(store);
    await h.manager.noteProblems([opened('web1', T0)]);
    h.at(T0 + 60_000);
    await h.manager.tick();
    const [incident] = await store.incidents.open();
    assert.ok(incident);
    await postUpdate(
      store.incidents,
      incident.id,
      { phase: 'identified', message: 'A failed disk on a web server.' },
      T0 + 120_000,
      'alice',
    );
    h.at(T0 + 180_000);
    await h.manager.noteProblems([resolved('web1', T0 + 180_000)]);
    let current = await store.incidents.get(incident.id);
    assert.equal(current?.phase, 'monitoring');
    assert.equal(current?.resolveAt, T0 + 180_000 + 600_000);
    h.at(T0 + 180_000 + 599_000);
    await h.manager.tick();
    assert.equal((await store.incidents.get(incident.id))?.status, 'published');
    h.at(T0 + 180_000 + 600_000);
    await h.manager.tick();
    current = await store.incidents.get(incident.id);
    assert.equal(current?.status, 'resolved');
    assert.deepEqual(
      current?.updates.map((u) => `${u.phase}:${u.author}`),
      ['resolved:vigil', 'monitoring:vigil', 'identified:alice', 'investigating:vigil'],
    );
    const snapshot = buildStatusSnapshot({
      site: model.settings.statusSite as NonNullable<typeof model.settings.statusSite>,
      components: model.components,
      statuses: new Map(),
      incidents: [current as NonNullable<typeof current>],
      maintenance: [],
      uptimeSince: T0,
      now: T0 + 3_600_000,
    });
    assert.equal(snapshot.incidents[0]?.resolvedAt, T0 + 780_000);
    assert.deepEqual(snapshot.components.find((c) => c.name === 'Shop')?.uptime.at(-1)?.incidentIds, [
      String(incident.id),
    ]);
  });

  it('a problem that comes back while monitoring reopens the investigation', async () => {
    const store = await sqlite.open();
    const h = harness(store);
    await h.manager.noteProblems([opened('web1', T0)]);
    h.at(T0 + 60_000);
    await h.manager.tick();
    await h.manager.noteProblems([resolved('web1', T0 + 90_000)]);
    h.at(T0 + 120_000);
    await h.manager.noteProblems([opened('web1', T0 + 120_000)]);
    const [incident] = await store.incidents.open();
    assert.equal(incident?.phase, 'investigating');
    assert.equal(incident?.resolveAt, null);
    h.at(T0 + 3_600_000);
    await h.manager.tick();
    assert.equal((await store.incidents.get(incident?.id ?? 0))?.status, 'published');
  });

  it('withdraws a draft whose cause recovered before it went public; drafts never reach the snapshot', async () => {
    const store = await sqlite.open();
    const h = harness(store);
    await h.manager.noteProblems([opened('web1', T0)]);
    const [draft] = await store.incidents.open();
    const snapshotWithDraft = buildStatusSnapshot({
      site: model.settings.statusSite as NonNullable<typeof model.settings.statusSite>,
      components: model.components,
      statuses: new Map(),
      incidents: draft ? [draft] : [],
      maintenance: [],
      uptimeSince: T0,
      now: T0 + 1_000,
    });
    assert.deepEqual(snapshotWithDraft.incidents, []);
    await h.manager.noteProblems([resolved('web1', T0 + 20_000)]);
    h.at(T0 + 120_000);
    await h.manager.tick();
    assert.equal((await store.incidents.get(draft?.id ?? 0))?.status, 'withdrawn');
    assert.equal((await store.incidents.firstPosts(0, T0 * 2)).length, 0);
  });

  it('an operator resolves early with a message', async () => {
    const store = await sqlite.open();
    const h = harness(store);
    await h.manager.noteProblems([opened('web1', T0)]);
    const [draft] = await store.incidents.open();
    await publishIncident(store.incidents, draft?.id ?? 0, T0 + 5_000);
    const resolvedIncident = await resolveIncident(
      store.incidents,
      draft?.id ?? 0,
      'All fixed.',
      T0 + 50_000,
      'bob',
    );
    assert.equal(resolvedIncident.status, 'resolved');
    assert.equal(resolvedIncident.updates[0]?.message, 'All fixed.');
    await assert.rejects(
      postUpdate(
        store.incidents,
        resolvedIncident.id,
        { phase: 'monitoring', message: 'x' },
        T0 + 60_000,
        'bob',
      ),
      /already resolved/,
    );
  });
});
