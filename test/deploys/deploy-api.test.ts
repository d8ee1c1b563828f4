import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ApiHarness, post, startHarness } from '../api/harness.ts';

// Deploys over the API of a real daemon: a pipeline records them with an operator's token,
// viewers read them back; bad bodies are refused naming the field.

const CONFIG = `
hosts:
  - name: web-1
    check: { kind: dummy }
`;

let api: ApiHarness;
before(async () => {
  api = await startHarness(CONFIG);
});
after(() => api.stop());

interface DeployJson {
  id: number;
  service: string;
  version: string;
  at: string;
  by: string;
  description: string;
  link: string;
  recorded_at: string;
}

test('an operator records a deploy; a viewer lists it by service and period', async () => {
  const recorded = await api.json<DeployJson>(
    '/api/v1/deploys',
    post(
      {
        service: 'basecamp',
        version: 'v891',
        at: '2026-03-06T13:58:00Z',
        description: 'billing <script>alert(1)</script>',
        link: 'https://ci.example.com/runs/891',
      },
      'operator',
    ),
  );
  assert.equal(recorded.status, 201, JSON.stringify(recorded.body));
  assert.equal(recorded.body.service, 'basecamp');
  assert.equal(recorded.body.at, '2026-03-06T13:58:00.000Z');
  assert.equal(recorded.body.by, 'test-operator', 'by defaults to the caller');
  assert.equal(
    recorded.body.description,
    'billing <script>alert(1)</script>',
    'stored as written; pages escape it',
  );

  const other = await api.json<DeployJson>(
    '/api/v1/deploys',
    post({ service: 'api', version: '2.4.0', at: Date.parse('2026-03-06T15:00:00Z'), by: 'ci' }, 'operator'),
  );
  assert.equal(other.status, 201, JSON.stringify(other.body));
  assert.equal(other.body.by, 'ci');

  const all = await api.json<{ deploys: DeployJson[] }>('/api/v1/deploys', { as: 'viewer' });
  assert.equal(all.status, 200);
  assert.deepEqual(
    all.body.deploys.map((d) => d.version),
    ['v891', '2.4.0'],
  );
  const api24 = await api.json<{ deploys: DeployJson[] }>('/api/v1/deploys?service=api', { as: 'viewer' });
  assert.deepEqual(
    api24.body.deploys.map((d) => d.version),
    ['2.4.0'],
  );
  const early = await api.json<{ deploys: DeployJson[] }>(
    '/api/v1/deploys?since=2026-03-06T13:00:00Z&until=2026-03-06T14:00:00Z',
    { as: 'viewer' },
  );
  assert.deepEqual(
    early.body.deploys.map((d) => d.version),
    ['v891'],
  );
  assert.equal((await api.json('/api/v1/deploys', { as: null })).status, 401);
});

test('recording needs an operator', async () => {
  const viewer = await api.json('/api/v1/deploys', post({ service: 'api', version: '1' }, 'viewer'));
  assert.equal(viewer.status, 403);
  const anonymous = await api.json('/api/v1/deploys', post({ service: 'api', version: '1' }, null));
  assert.equal(anonymous.status, 401);
});

test('a bad body is a 400 naming the field, and nothing is stored', async () => {
  const before = (await api.json<{ deploys: DeployJson[] }>('/api/v1/deploys')).body.deploys.length;
  const cases: [unknown, RegExp][] = [
    [{ service: 'api', version: '1', deployed_by: 'x' }, /unknown field "deployed_by"/],
    [{ service: 'api' }, /version/],
    [{ service: 'api', version: '1', link: 'ftp://x/y' }, /link "ftp:\/\/x\/y" is not an http/],
    [{ service: 'api', version: '1', at: 'yesterday-ish' }, /at "yesterday-ish" is not a time/],
    [{ service: 'api', version: '   ' }, /version is empty/],
    ['{"service": ', /not valid JSON/],
  ];
  for (const [body, message] of cases) {
    const answer = await api.json<{ error: string }>('/api/v1/deploys', post(body, 'operator'));
    assert.equal(answer.status, 400, JSON.stringify(body));
    assert.match(answer.body.error, message);
  }
  const bad = await api.json<{ error: string }>('/api/v1/deploys?since=soon');
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /since "soon" is not a time/);
  const after = (await api.json<{ deploys: DeployJson[] }>('/api/v1/deploys')).body.deploys.length;
  assert.equal(after, before);
});
