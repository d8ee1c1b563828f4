// `vigil incident ...` and `vigil maintenance ...` as an operator runs them, against a real
// SQLite store and no daemon. Each CLI start costs seconds, so the commands that touch
// different incidents run side by side (the store takes concurrent writers), in two rounds.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import type { Model } from '../../src/model/types.ts';
import { announceMaintenance } from '../../src/status/incidents/maintenance-announcements.ts';
import { openIncident } from '../../src/status/incidents/operator-changes.ts';
import type { IncidentRecord, ScheduledMaintenance } from '../../src/store/incidents.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { vigil } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model.ts';

const CONFIG = `
settings:
  status_site:
    title: Example Status
    first_post_promise: 1h
hosts:
  - { name: web1, address: 127.0.0.1 }
  - { name: web2, address: 127.0.0.1 }
  - { name: api1, address: 127.0.0.1 }
components:
  Shop:
    match: { hosts: [web1, web2] }
  API:
    match: { hosts: [api1] }
`;

async function withStore<T>(model: Model, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    return await work(store);
  } finally {
    await store.close();
  }
}

const iso = (at: number) => new Date(at).toISOString();

test('vigil incident list|show|publish|hold|update|resolve|report and maintenance announce|list|cancel', async () => {
  const dir = await tempDir('vigil-incident-cli-');
  const file = path.join(dir, 'vigil.yml');
  await writeFile(file, CONFIG);
  const loaded = await loadConfig(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const model = loaded.model;
  const env = { USER: 'olivia' };
  const now = Date.now();

  // What the daemon would have made: drafts waiting to go out, public incidents, an announcement.
  const seeded = await withStore(model, async (store) => {
    const draft = async (title: string) => {
      const made = await store.incidents.create(
        {
          title,
          impact: 'critical',
          phase: 'investigating',
          status: 'draft',
          components: ['Shop'],
          causes: [{ objectId: 'web1', openedAt: now - 30_000, recoveredAt: null, description: 'web1 DOWN' }],
          startedAt: now - 30_000,
          createdAt: now - 20_000,
          publishAt: now + 3_600_000,
          origin: 'automatic',
        },
        { phase: 'investigating', message: 'We are investigating.', author: 'vigil' },
      );
      return made;
    };
    const toHold = await draft('Shop is unavailable');
    const toPublish = await draft('Shop checkout fails');
    const opened = (title: string) =>
      openIncident(store.incidents, model, { title, components: ['API'] }, now - 10_000, 'olivia');
    const toUpdate = await opened('API errors');
    const toResolve = await opened('API slow');
    const announced = await announceMaintenance(
      store,
      model,
      {
        title: 'Shop database upgrade',
        components: ['Shop'],
        from: iso(now + 86_400_000),
        until: iso(now + 90_000_000),
        message: '',
        createDowntime: true,
      },
      now,
      'olivia',
    );
    return { toHold, toPublish, toUpdate, toResolve, announced };
  });
  assert.equal(seeded.announced.createdDowntimeIds.length, 2, 'one downtime window per Shop host');

  const run = async (args: string[]) => {
    const result = await vigil([...args, '-c', file], env);
    assert.equal(result.code, 0, `vigil ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const from = iso(now + 7_200_000);
  const until = iso(now + 10_800_000);
  const [held, published, updated, resolved, cancelled, announcedOut] = await Promise.all([
    run(['incident', 'hold', String(seeded.toHold.id)]),
    run(['incident', 'publish', String(seeded.toPublish.id)]),
    run(['incident', 'update', String(seeded.toUpdate.id), '--phase', 'identified', '-m', 'A bad <deploy>.']),
    run(['incident', 'resolve', String(seeded.toResolve.id), '-m', 'Back to normal.']),
    run(['maintenance', 'cancel', String(seeded.announced.id)]),
    run([
      'maintenance',
      'announce',
      '--title',
      'Network work',
      '--components',
      'Shop,API',
      '--from',
      from,
      '--until',
      until,
      '--downtime',
    ]),
  ]);
  assert.match(held, /state: +draft \(held by olivia\)/);
  assert.doesNotMatch(held, /publishes:/, 'a held draft has no publish time');
  assert.match(published, /state: +investigating/);
  assert.match(published, /published: .*after the failure began/);
  assert.match(updated, /identified +A bad <deploy>\. +— olivia/);
  assert.match(resolved, /state: +resolved/);
  const downtimeNote = `and its downtime ${seeded.announced.createdDowntimeIds.join(', ')}`;
  assert.match(cancelled, new RegExp(`maintenance ${seeded.announced.id} cancelled, ${downtimeNote}`));
  const newId = Number(/maintenance (\d+) announced: Network work/.exec(announcedOut)?.[1]);
  assert.ok(newId > 0, announcedOut);

  const [list, show, report, maintenance] = await Promise.all([
    run(['incident', 'list', '--all', '--json']),
    run(['incident', 'show', String(seeded.toHold.id)]),
    run(['incident', 'report', '--since', '1d', '--json']),
    run(['maintenance', 'list', '--all', '--json']),
  ]);
  const incidents = JSON.parse(list) as IncidentRecord[];
  const byId = new Map(incidents.map((i) => [i.id, i]));
  assert.equal(incidents.length, 4);
  assert.equal(byId.get(seeded.toHold.id)?.heldBy, 'held by olivia');
  assert.equal(byId.get(seeded.toPublish.id)?.status, 'published');
  assert.equal(byId.get(seeded.toUpdate.id)?.phase, 'identified');
  assert.equal(byId.get(seeded.toResolve.id)?.status, 'resolved');
  assert.match(show, new RegExp(`incident ${seeded.toHold.id}: Shop is unavailable`));
  assert.match(show, /cause: +web1 DOWN/);
  const figures = JSON.parse(report) as {
    incidents: number;
    medianMs: number;
    maxMs: number;
    overPromise: number;
  };
  assert.equal(figures.incidents, 3, 'every incident that went public');
  assert.equal(figures.medianMs, 0, 'the two opened by hand went out at once');
  assert.ok(figures.maxMs >= 30_000, 'the draft went out when published, 30 s or more after the failure');
  assert.equal(figures.overPromise, 0);
  const windows = JSON.parse(maintenance) as (ScheduledMaintenance & { state: string })[];
  assert.deepEqual(
    windows.map((w) => [w.id, w.state]),
    [
      [newId, 'upcoming'],
      [seeded.announced.id, 'cancelled'],
    ],
  );

  // Cancelling took every downtime window of the announcement with it; the new one has one per host.
  await withStore(model, async (store) => {
    for (const id of seeded.announced.createdDowntimeIds)
      assert.notEqual((await store.downtimes.get(id))?.cancelledAt, null, `downtime ${id} cancelled`);
    const fresh = await store.scheduledMaintenance.get(newId);
    assert.equal(fresh?.createdDowntimeIds.length, 3);
    const targets = await Promise.all(
      (fresh?.createdDowntimeIds ?? []).map(async (id) => (await store.downtimes.get(id))?.target.name),
    );
    assert.deepEqual(targets.sort(), ['api1', 'web1', 'web2']);
  });
});
