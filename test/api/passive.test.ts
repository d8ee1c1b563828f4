import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../helpers/model.ts';
import { type ApiHarness, post, startHarness } from './harness.ts';

// Passive results take the active path: state machine (soft, then hard), store, root cause.

const CONFIG = `
templates:
  idle: { interval: 1h, retry_interval: 1h, max_attempts: 2 }
hosts:
  - name: backup-1
    use: idle
    check: { kind: dummy }
    services:
      - { name: nightly, use: idle, check: { kind: dummy } }
      - { name: offsite, use: idle, check: { kind: dummy } }
  - name: bare
`;

let api: ApiHarness;
before(async () => {
  api = await startHarness(CONFIG);
});
after(() => api.stop());

test('a passive result goes soft then hard, is stored, and opens a root-cause problem', async () => {
  const first = await api.json<{ accepted: { state: string; stateType: string }[] }>(
    '/api/v1/results',
    post({ object: 'backup-1/nightly', status: 'CRITICAL', output: 'backup failed | size=0B;;;0' }),
  );
  assert.equal(first.status, 202, JSON.stringify(first.body));
  assert.deepEqual(first.body.accepted[0], {
    object: 'backup-1/nightly',
    state: 'CRITICAL',
    stateType: 'SOFT',
    attempt: 1,
  });
  const second = await api.json<{ accepted: { stateType: string }[] }>(
    '/api/v1/results',
    post([
      { object: 'backup-1/nightly', status: 2, output: 'backup failed', long_output: 'disk full\nno space' },
    ]),
  );
  assert.equal(second.body.accepted[0]?.stateType, 'HARD');
  assert.ok(
    await eventually(async () => {
      const { body } = await api.json<{ problems: { cause: { object: string; output: string } }[] }>(
        '/api/v1/problems',
      );
      return body.problems[0]?.cause.object === 'backup-1/nightly';
    }),
  );
  const detail = await api.json<{ longOutput: string; state: string }>('/api/v1/services/backup-1/nightly');
  assert.equal(detail.body.state, 'CRITICAL');
  assert.equal(detail.body.longOutput, 'disk full\nno space');
  assert.ok(
    await eventually(
      async () => (await api.daemon.store.history({ objectId: 'backup-1/nightly' })).length === 2,
    ),
    'the soft and the hard change are in the store',
  );
});

test('host results take UP/DOWN; unknown objects are 404, bad statuses 400, and a bad batch changes nothing', async () => {
  const host = await api.json<{ accepted: { state: string }[] }>(
    '/api/v1/results',
    post({ object: 'backup-1', status: 'DOWN', output: 'no ping' }),
  );
  assert.equal(host.body.accepted[0]?.state, 'DOWN');
  const unknown = await api.json<{ error: string }>(
    '/api/v1/results',
    post([
      { object: 'backup-1/offsite', status: 2 },
      { object: 'backup-9/x', status: 2 },
    ]),
  );
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.error, /body\[1\]\.object: no host or service "backup-9\/x"/);
  assert.equal(
    api.daemon.engine.stateOf('backup-1/offsite'),
    undefined,
    'the good first result was not applied',
  );
  const hostState = await api.json<{ error: string }>(
    '/api/v1/results',
    post({ object: 'backup-1/offsite', status: 'UP' }),
  );
  assert.equal(hostState.status, 400);
  assert.match(hostState.body.error, /"UP" is not a service state/);
  const noCheck = await api.json<{ error: string }>(
    '/api/v1/results',
    post({ object: 'bare', status: 'UP' }),
  );
  assert.equal(noCheck.status, 409);
  const future = await api.json<{ error: string }>(
    '/api/v1/results',
    post({ object: 'backup-1/offsite', status: 0, at: Date.now() + 3_600_000 }),
  );
  assert.equal(future.status, 400);
  assert.match(future.body.error, /at: .* is in the future/);
});

test('passive results need the operator role; re-check answers 202', async () => {
  const viewer = await api.json('/api/v1/results', post({ object: 'backup-1/offsite', status: 0 }, 'viewer'));
  assert.equal(viewer.status, 403);
  const anonymous = await api.json('/api/v1/results', post({ object: 'backup-1/offsite', status: 0 }, null));
  assert.equal(anonymous.status, 401);
  const operator = await api.json(
    '/api/v1/results',
    post({ object: 'backup-1/offsite', status: 0 }, 'operator'),
  );
  assert.equal(operator.status, 202);
  const recheck = await api.json<{ rechecking: string }>('/api/v1/services/backup-1/offsite/recheck', {
    method: 'POST',
    as: 'operator',
  });
  assert.equal(recheck.status, 202);
  assert.ok(
    await eventually(() =>
      (api.daemon.engine.stateOf('backup-1/offsite')?.output ?? '').startsWith('dummy state'),
    ),
    'the active check ran at once',
  );
  assert.equal((await api.json('/api/v1/hosts/nope/recheck', { method: 'POST' })).status, 404);
});
