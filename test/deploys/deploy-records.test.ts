// Deploy records on both backends: SQLite in a temporary file and PostgreSQL in a freshly
// created database (dropped afterwards).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEPLOY_LOOKBACK_MS, deployProblem, type NewDeploy } from '../../src/store/deploys.ts';
import { backends } from '../store/backends.ts';

const T0 = Date.UTC(2026, 2, 6, 14, 0, 0);
const MINUTE = 60_000;

const deploy = (service: string, version: string, at: number, extra: Partial<NewDeploy> = {}): NewDeploy => ({
  service,
  version,
  at,
  by: '',
  description: '',
  link: '',
  ...extra,
});

for (const backend of backends) {
  describe(`${backend.name}: deploys`, () => {
    it('round-trips a deploy with every field, text kept as written', async () => {
      const store = await backend.open();
      const recorded = await store.deploys.record(
        deploy('basecamp', 'v2026.03.06-1', T0, {
          by: 'jörg',
          description: 'new <b>billing</b> page — ünïcode',
          link: 'https://git.example.com/basecamp/pull/891',
        }),
        T0 + 5,
      );
      assert.ok(recorded.id > 0);
      assert.deepEqual(await store.deploys.list(), [
        {
          id: recorded.id,
          service: 'basecamp',
          version: 'v2026.03.06-1',
          at: T0,
          by: 'jörg',
          description: 'new <b>billing</b> page — ünïcode',
          link: 'https://git.example.com/basecamp/pull/891',
          recordedAt: T0 + 5,
        },
      ]);
    });

    it('lists by service and period, oldest first; a limit keeps the newest', async () => {
      const store = await backend.open();
      for (let i = 0; i < 6; i++)
        await store.deploys.record(deploy(i % 2 === 0 ? 'api' : 'web', `v${i}`, T0 + i * MINUTE), T0);
      const api = await store.deploys.list({ service: 'api' });
      assert.deepEqual(
        api.map((d) => d.version),
        ['v0', 'v2', 'v4'],
      );
      const period = await store.deploys.list({ since: T0 + MINUTE, until: T0 + 4 * MINUTE });
      assert.deepEqual(
        period.map((d) => d.version),
        ['v1', 'v2', 'v3'],
      );
      const latest = await store.deploys.list({ limit: 2 });
      assert.deepEqual(
        latest.map((d) => d.version),
        ['v4', 'v5'],
      );
    });

    it('deploysBefore: the deploys in the hour before an incident started, ends included', async () => {
      const store = await backend.open();
      const started = T0 + 3 * 60 * MINUTE;
      await store.deploys.record(deploy('api', 'too-early', started - DEPLOY_LOOKBACK_MS - 1), T0);
      await store.deploys.record(deploy('api', 'hour-before', started - DEPLOY_LOOKBACK_MS), T0);
      await store.deploys.record(deploy('web', 'minutes-before', started - 5 * MINUTE), T0);
      await store.deploys.record(deploy('db', 'same-moment', started), T0);
      await store.deploys.record(deploy('api', 'after', started + 1), T0);
      assert.deepEqual(
        (await store.deploys.deploysBefore(started)).map((d) => d.version),
        ['hour-before', 'minutes-before', 'same-moment'],
      );
      assert.deepEqual(
        (await store.deploys.deploysBefore(started, 10 * MINUTE)).map((d) => d.version),
        ['minutes-before', 'same-moment'],
      );
      assert.deepEqual(
        (await store.deploys.deploysBefore(started, DEPLOY_LOOKBACK_MS, ['api', 'web'])).map(
          (d) => d.version,
        ),
        ['hour-before', 'minutes-before'],
      );
      assert.deepEqual(await store.deploys.deploysBefore(started, DEPLOY_LOOKBACK_MS, []), []);
    });

    it('refuses an invalid deploy, naming the field, and stores nothing', async () => {
      const store = await backend.open();
      await assert.rejects(
        store.deploys.record(deploy('api', ' ', T0), T0),
        /deploy of api: version is empty/,
      );
      await assert.rejects(
        store.deploys.record(deploy('api', 'v1', T0, { link: 'javascript:alert(1)' }), T0),
        /link "javascript:alert\(1\)" is not an http/,
      );
      assert.deepEqual(await store.deploys.list(), []);
    });
  });
}

describe('deployProblem', () => {
  it('names the field that is wrong', () => {
    assert.equal(deployProblem(deploy('', 'v1', T0)), 'service is empty');
    assert.equal(deployProblem(deploy('api', 'v1', Number.NaN)), 'at is not a time');
    assert.equal(
      deployProblem(deploy('api', 'v1', T0, { by: 'x'.repeat(201) })),
      'by is longer than 200 characters',
    );
    assert.equal(deployProblem(deploy('api', 'v1', T0, { link: 'http://ci/run/1' })), undefined);
  });
});
