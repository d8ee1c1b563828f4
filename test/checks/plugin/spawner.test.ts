import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Spawner } from '../../../src/checks/plugin/spawner.ts';

const CHECK_DUMMY = '/usr/lib/nagios/plugins/check_dummy';
let dir: string;
let spawner: Spawner;

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** A zombie counts as dead: in a container nobody may reap reparented processes. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilDead(pids: number[], ms = 2000): Promise<number[]> {
  const until = Date.now() + ms;
  for (;;) {
    const living = pids.filter(alive);
    if (living.length === 0 || Date.now() > until) return living;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

const run = (argv: string[], timeoutMs = 5000, maxOutputBytes = 65536) =>
  spawner.run({ argv, timeoutMs, maxOutputBytes });

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-spawner-'));
  spawner = new Spawner();
});

after(async () => {
  await spawner.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('Spawner', () => {
  it('reports exit codes, stdout and stderr', async () => {
    for (const code of [0, 1, 2, 3, 4, 127]) {
      const plugin = script(`exit${code}`, `echo "out ${code}"; echo "err ${code}" >&2; exit ${code}`);
      const r = await run([plugin]);
      assert.equal(r.exitCode, code);
      assert.equal(r.signal, null);
      assert.equal(r.stdout.toString(), `out ${code}\n`);
      assert.equal(r.stderr.toString(), `err ${code}\n`);
      assert.equal(r.timedOut, false);
      assert.ok(r.durationMs > 0 && r.durationMs < 5000);
    }
  });

  it('passes arguments verbatim, with spaces, quotes and no shell', async () => {
    const plugin = script('args', 'for a in "$@"; do printf "[%s]" "$a"; done');
    const r = await run([plugin, 'a b', "'q'", '$HOME', '', 'ünï']);
    assert.equal(r.stdout.toString(), `[a b]['q'][$HOME][][ünï]`);
  });

  it('gives the plugin /dev/null as stdin', async () => {
    const r = await run(['/bin/sh', '-c', 'cat; echo done']);
    assert.equal(r.stdout.toString(), 'done\n');
  });

  it('reports spawn failures with their errno', async () => {
    const missing = await run([join(dir, 'no-such-plugin')]);
    assert.equal(missing.errno, 'ENOENT');
    assert.equal(missing.exitCode, null);
    const notExecutable = join(dir, 'not-executable');
    writeFileSync(notExecutable, '#!/bin/sh\necho hi\n');
    const denied = await run([notExecutable]);
    assert.equal(denied.errno, 'EACCES');
  });

  it('reports death by signal', async () => {
    const r = await run(['/bin/sh', '-c', 'kill -9 $$']);
    assert.equal(r.exitCode, null);
    assert.equal(r.signal, 'SIGKILL');
  });

  it('kills a hanging plugin at its timeout', async () => {
    const plugin = script('hang', 'echo started; exec sleep 1000');
    const started = Date.now();
    const r = await run([plugin], 300);
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, 'SIGTERM');
    assert.equal(r.stdout.toString(), 'started\n');
    assert.ok(Date.now() - started < 2000);
  });

  it('kills the whole process group of a timed-out plugin, even processes ignoring SIGTERM', async () => {
    const pidFile = join(dir, 'stubborn.pids');
    const plugin = script(
      'stubborn',
      `trap '' TERM\nsleep 1000 &\necho $! > ${pidFile}\necho $$ >> ${pidFile}\necho waiting\nwait`,
    );
    const started = Date.now();
    const r = await run([plugin], 300);
    const elapsed = Date.now() - started;
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(elapsed >= 1200 && elapsed < 4000, `took ${elapsed} ms`);
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    assert.equal(pids.length, 2);
    assert.deepEqual(await waitUntilDead(pids), []);
  });

  it('does not wait for a forked child that keeps stdout open after the plugin exits', async () => {
    const pidFile = join(dir, 'forker.pids');
    const plugin = script(
      'forker',
      `(trap '' TERM; exec sleep 1000) &\necho $! > ${pidFile}\necho OK forked\nexit 0`,
    );
    const started = Date.now();
    const r = await run([plugin], 10_000);
    assert.ok(Date.now() - started < 1000);
    assert.equal(r.exitCode, 0);
    assert.equal(r.timedOut, false);
    assert.equal(r.stdout.toString(), 'OK forked\n');
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    assert.deepEqual(await waitUntilDead(pids), []);
  });

  it('caps enormous output without holding it in memory', async () => {
    const rssBefore = process.memoryUsage().rss;
    const r = await run(['/bin/sh', '-c', 'head -c 50000000 /dev/zero; echo tail >&2'], 30_000, 100_000);
    assert.equal(r.exitCode, 0);
    assert.equal(r.truncated, true);
    assert.equal(r.stdout.length, 100_000);
    assert.equal(r.stderr.toString(), 'tail\n');
    assert.ok(process.memoryUsage().rss - rssBefore < 40_000_000);
    const status = readFileSync(`/proc/${spawner.pid}/status`, 'utf8');
    const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    assert.ok(peakKb < 30_000, `co-process peak RSS ${peakKb} kB`);
  });

  it('passes binary output through byte for byte', async () => {
    const r = await run(['/bin/sh', '-c', "printf '\\377\\000\\001OK\\n\\200'"]);
    assert.deepEqual([...r.stdout], [0xff, 0x00, 0x01, 0x4f, 0x4b, 0x0a, 0x80]);
  });

  it('runs 2,000 plugins concurrently without leaking descriptors', async () => {
    await run(['/bin/true']);
    const fdsBefore = openFds(spawner.pid as number);
    const results = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        run(['/bin/sh', '-c', 'echo "$1"; sleep 0.2', 'sh', String(i)], 60_000),
      ),
    );
    results.forEach((r, i) => {
      assert.equal(r.exitCode, 0);
      assert.equal(r.stdout.toString(), `${i}\n`);
    });
    assert.equal(openFds(spawner.pid as number), fdsBefore);
  });

  it('kills the process group when the run is aborted', async () => {
    const controller = new AbortController();
    const pidFile = join(dir, 'aborted.pids');
    const plugin = script('aborted', `echo $$ > ${pidFile}\nexec sleep 1000`);
    const pending = spawner.run({
      argv: [plugin],
      timeoutMs: 60_000,
      maxOutputBytes: 1000,
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    const r = await pending;
    assert.equal(r.error, 'aborted');
    assert.deepEqual(await waitUntilDead([Number(readFileSync(pidFile, 'utf8'))]), []);
    const already = await spawner.run({
      argv: ['/bin/true'],
      timeoutMs: 1000,
      maxOutputBytes: 10,
      signal: controller.signal,
    });
    assert.equal(already.error, 'aborted');
  });

  it('resolves pending runs when the co-process dies, then restarts it', async () => {
    const pending = run(['/bin/sleep', '1000']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const oldPid = spawner.pid as number;
    process.kill(oldPid, 'SIGKILL');
    const r = await pending;
    assert.match(r.error ?? '', /co-process exited/);
    const again = await run(['/bin/sh', '-c', 'echo back']);
    assert.equal(again.stdout.toString(), 'back\n');
    assert.notEqual(spawner.pid, oldPid);
  });

  it('kills running plugins when closed', async () => {
    const pidFile = join(dir, 'closed.pids');
    const plugin = script('closed', `echo $$ > ${pidFile}\nexec sleep 1000`);
    const pending = run([plugin], 60_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await spawner.close();
    assert.match((await pending).error ?? '', /co-process exited/);
    assert.deepEqual(await waitUntilDead([Number(readFileSync(pidFile, 'utf8'))]), []);
    spawner = new Spawner();
  });

  it('runs check_dummy when the Monitoring Plugins are installed', async (t) => {
    try {
      readFileSync(CHECK_DUMMY);
    } catch {
      t.skip(`${CHECK_DUMMY} not installed`);
      return;
    }
    for (const code of [0, 1, 2, 3]) {
      const r = await run([CHECK_DUMMY, String(code), 'hello']);
      assert.equal(r.exitCode, code);
      assert.match(r.stdout.toString(), /hello/);
    }
  });
});
