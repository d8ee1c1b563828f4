import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, startVigil, vigil } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model.ts';
import { request, SECRET, startApp, type TestApp, until } from './proxy-helpers.ts';

let app: TestApp;
before(async () => {
  app = await startApp('app');
});
after(() => app.close());

// Generous holds: each CLI call starts a Node process, which is slow on a busy machine.
test('vigil proxy run / pause / status / resume, and SIGTERM releases held requests before exiting', async () => {
  const dir = await tempDir();
  const [port, controlPort] = [await freePort(), await freePort()];
  const config = path.join(dir, 'proxy.yml');
  await writeFile(
    config,
    `listen: 127.0.0.1:${port}\nupstreams: [${app.url}]\ncontrol:\n  listen: 127.0.0.1:${controlPort}\n  secret: ${SECRET}\n`,
  );
  const proxy = startVigil(['proxy', 'run', '--config', config, '--log-level', 'warn']);
  try {
    await until(
      async () => (await request(`http://127.0.0.1:${port}`).catch(() => ({ status: 0 }))).status === 200,
      'proxy up',
      20_000,
    );
    const paused = await vigil([
      'proxy',
      'pause',
      '--config',
      config,
      '--max-hold',
      '2m',
      '--max-pause',
      '3m',
      '-m',
      'cli test',
    ]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.match(paused.stdout, /paused {2}held 0/);
    const held = request(`http://127.0.0.1:${port}`, { path: '/held' });
    const status = await vigil(['proxy', 'status', '--config', config]);
    assert.match(status.stdout, /PAUSED since .* \(cli test\)/);
    const resumed = await vigil(['proxy', 'resume', '--config', config]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal((await held).status, 200);

    await vigil(['proxy', 'pause', '--config', config, '--max-hold', '2m', '--max-pause', '3m']);
    const heldAtShutdown = request(`http://127.0.0.1:${port}`, { path: '/at-shutdown' });
    await until(
      async () => {
        const s = await fetch(`http://127.0.0.1:${controlPort}/status`, {
          headers: { authorization: `Bearer ${SECRET}` },
        });
        return (await s.json()).held_now === 1;
      },
      'held',
      20_000,
    );
    const exited = new Promise<number | null>((resolve) => proxy.child.once('exit', resolve));
    proxy.child.kill('SIGTERM');
    assert.equal((await heldAtShutdown).status, 200);
    assert.equal(await exited, 0);
  } finally {
    proxy.child.kill('SIGKILL');
  }
});

test('bad proxy configuration and arguments are refused with the place named', async () => {
  const dir = await tempDir();
  const config = path.join(dir, 'proxy.yml');
  await writeFile(config, 'upstreams:\n  - http://127.0.0.1:3000/app\npause:\n  max_pause: 0s\n');
  const bad = await vigil(['proxy', 'run', '--config', config]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /proxy\.yml:2: upstreams\.0: is not an upstream address/);
  assert.match(bad.stderr, /proxy\.yml:4: pause\.max_pause: must be longer than 0/);
  const badHold = await vigil(['proxy', 'pause', '--max-hold', 'forever', '--control', 'http://127.0.0.1:1']);
  assert.equal(badHold.code, 1);
  assert.match(badHold.stderr, /--max-hold: "forever" is not a duration/);
  const noSecret = await vigil(['proxy', 'resume', '--control', 'http://127.0.0.1:1'], {
    VIGIL_PROXY_SECRET: '',
  });
  assert.match(noSecret.stderr, /no control secret/);
  const help = await vigil(['proxy', 'pause', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: vigil proxy pause/);
  assert.match(help.stdout, /--max-hold <duration>/);
});
