import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import type { StateEvent } from '../../src/model/types.ts';
import { openStore } from '../../src/store/index.ts';
import { adminHeaders } from '../helpers/api-auth.ts';
import { freePort, startVigil, vigil } from '../helpers/cli.ts';
import { eventually, sleep, tempDir } from '../helpers/model.ts';

function config(port: number, services: string[]): string {
  return `
settings:
  listen: 127.0.0.1:${port}
templates:
  quick: { interval: 100ms, retry_interval: 100ms, max_attempts: 2 }
hosts:
  - name: h
    services:
${services.map((s) => `      - ${s}`).join('\n')}
`;
}

/** Signed in with the daemon's local CLI token (an admin), read once the daemon wrote it. */
let signedIn: Record<string, string> = {};

async function api(port: number, urlPath: string): Promise<{ status: number; body: unknown }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${urlPath}`, { headers: signedIn });
    return { status: response.status, body: await response.json().catch(() => null) };
  } catch {
    return { status: 0, body: null };
  }
}

test('daemon: status, reload by command and by SIGHUP, invalid reload refused', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'vigil.yml');
  const port = await freePort();
  await writeFile(
    file,
    config(port, [
      '{ name: broken, use: quick, check: { kind: dummy, state: CRITICAL, output: "disk on fire" } }',
    ]),
  );
  const daemon = startVigil(['run', '-c', file]);
  try {
    assert.ok(
      await eventually(async () => (await api(port, '/health')).status === 200, 15_000),
      daemon.output(),
    );
    signedIn = await adminHeaders(dir);
    assert.ok(
      await eventually(async () => {
        const { body } = await api(port, '/api/v1/objects/h/broken');
        return (body as { stateType?: string })?.stateType === 'HARD';
      }),
    );
    const status = await vigil(['status', '-c', file]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /h\/broken\s+CRITICAL\s+HARD\s+2\/2 .*disk on fire/);
    const json = JSON.parse((await vigil(['status', '-c', file, '--json'])).stdout);
    assert.equal(json[0].cause.object, 'h/broken');

    await writeFile(
      file,
      config(port, [
        '{ name: broken, use: quick, check: { kind: dummy, state: CRITICAL, output: "disk on fire" } }',
        '{ name: added, use: quick, check: { kind: dummy } }',
      ]),
    );
    const reload = await vigil(['reload', '-c', file]);
    assert.equal(reload.code, 0, reload.stderr);
    assert.equal(reload.stdout, 'reloaded: 1 added, 0 removed, 0 changed, 1 unchanged\n');
    assert.ok(await eventually(async () => (await api(port, '/api/v1/objects/h/added')).status === 200));

    const good = await readFile(file, 'utf8');
    await writeFile(file, `${good}      - { name: bad, check: { kind: nope } }\n`);
    const refused = await vigil(['reload', '-c', file]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /check kind "nope" is unknown/);
    assert.equal((await api(port, '/health')).status, 200, 'daemon keeps running the old config');
    assert.equal((await api(port, '/api/v1/objects/h/bad')).status, 404);

    await writeFile(file, config(port, ['{ name: only, use: quick, check: { kind: dummy } }']));
    daemon.child.kill('SIGHUP');
    assert.ok(
      await eventually(async () => (await api(port, '/api/v1/objects/h/broken')).status === 404),
      'removed by SIGHUP',
    );
    assert.ok(await eventually(async () => (await api(port, '/api/v1/objects/h/only')).status === 200));
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text());
    assert.match(metrics, /vigil_schedule_latency_ms\{quantile="0\.99"\} \d/);
  } finally {
    daemon.child.kill('SIGTERM');
    await new Promise((resolve) => daemon.child.once('close', resolve));
  }
  assert.equal(daemon.child.exitCode, 0, 'SIGTERM is a clean shutdown');
});

test('kill -9 in a burst of results loses no committed state change', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'vigil.yml');
  const port = await freePort();
  // 200 services changing state every few runs: a steady stream of hard changes and recoveries.
  const services = Array.from(
    { length: 200 },
    (_, i) => `{ name: s${i}, use: quick, check: { kind: dummy, cycle: [OK, CRITICAL, CRITICAL, OK] } }`,
  );
  await writeFile(file, config(port, services));
  const daemon = startVigil(['run', '-c', file]);
  const committed = () =>
    daemon
      .output()
      .split('\n')
      .filter((line) => line.includes('"event"'))
      .map((line) => (JSON.parse(line) as { event: StateEvent }).event);
  assert.ok(
    await eventually(() => committed().length > 300, 20_000),
    `no burst of events:\n${daemon.output().slice(0, 2000)}`,
  );
  daemon.child.kill('SIGKILL');
  await new Promise((resolve) => daemon.child.once('close', resolve));
  await sleep(50);
  const announced = committed();
  const store = await openStore({
    kind: 'sqlite',
    path: path.join(dir, 'vigil.db'),
    url: '',
    resultRetentionMs: 1e9,
    downsampledRetentionMs: 1e9,
    historyRetentionMs: 1e9,
  });
  const stored = new Set(
    (await store.history({ objectId: 'h', includeServices: true, limit: 1_000_000 })).map(
      (e) => `${e.objectId}@${e.at}:${e.kind}`,
    ),
  );
  const lost = announced.filter((e) => !stored.has(`${e.objectId}@${e.at}:${e.kind}`));
  assert.deepEqual(
    lost,
    [],
    `${lost.length} of ${announced.length} committed state changes missing after kill -9`,
  );
  const states = await store.loadStates();
  assert.equal(states.length, 200, 'every object has a stored state');
  await store.close();
});
