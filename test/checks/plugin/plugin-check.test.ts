import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckEnv, CheckTarget } from '../../../src/checks/check.ts';
import { Spawner } from '../../../src/checks/plugin/spawner.ts';
import { type PluginParams, pluginCheck } from '../../../src/checks/plugin.ts';
import type { Host, Service } from '../../../src/model/types.ts';

const CHECK_DUMMY = '/usr/lib/nagios/plugins/check_dummy';
let dir: string;
let spawner: Spawner;

const host: Host = {
  id: 'db1',
  name: 'db1',
  displayName: 'Database 1',
  address: '192.0.2.7',
  parents: [],
  parentsMinUp: 1,
  groups: [],
  tags: [],
  location: {},
  vars: { ROLE: 'primary' },
  source: { file: 'hosts.yml', line: 1 },
};
const service: Service = {
  id: 'db1/mysql',
  host: 'db1',
  name: 'mysql',
  displayName: 'MySQL',
  check: {
    kind: 'plugin',
    params: {},
    intervalMs: 60_000,
    retryIntervalMs: 10_000,
    maxAttempts: 3,
    timeoutMs: 10_000,
  },
  tags: [],
  vars: {},
  source: { file: 'hosts.yml', line: 9 },
};
const target: CheckTarget = { host, service };

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function env(timeoutMs = 5000): CheckEnv {
  return {
    signal: AbortSignal.timeout(timeoutMs + 60_000),
    timeoutMs,
    maxOutputBytes: 65536,
    userMacros: { USER1: dir },
    spawner,
  };
}

const check = (params: Record<string, unknown>, e = env()) =>
  pluginCheck.run(pluginCheck.params.parse(params) as PluginParams, target, e);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-plugin-'));
  spawner = new Spawner();
});

after(async () => {
  await spawner.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('plugin check params', () => {
  it('accepts a command string or argv, args and shell', () => {
    assert.deepEqual(pluginCheck.params.parse({ command: 'check_x -H $HOSTADDRESS$' }), {
      command: 'check_x -H $HOSTADDRESS$',
      shell: false,
    });
    assert.ok(pluginCheck.params.safeParse({ command: ['check_x', '-v'], args: ['1'], shell: true }).success);
  });

  it('rejects empty commands and unknown keys', () => {
    assert.equal(pluginCheck.params.safeParse({ command: '' }).success, false);
    assert.equal(pluginCheck.params.safeParse({ command: [] }).success, false);
    assert.equal(pluginCheck.params.safeParse({ command: 'x', arg: ['typo'] }).success, false);
  });
});

describe('plugin check', () => {
  it('maps exit codes 0..3 to states and parses output and perfdata', async () => {
    script(
      'states',
      `echo "STATE $1 on $2 | time=0.5s;1;2;0; 'free space'=12%"\necho "details"\necho "more | rows=3c"\nexit $1`,
    );
    for (const code of [0, 1, 2, 3]) {
      const r = await check({ command: '$USER1$/states $ARG1$ $HOSTNAME$', args: [String(code)] });
      assert.equal(r.exitCode, code);
      assert.equal(r.output, `STATE ${code} on db1`);
      assert.equal(r.longOutput, 'details\nmore');
      assert.deepEqual(r.perfdata, [
        { label: 'time', value: 0.5, unit: 's', warn: '1', crit: '2', min: 0 },
        { label: 'free space', value: 12, unit: '%' },
        { label: 'rows', value: 3, unit: 'c' },
      ]);
    }
  });

  it('turns other exit codes into UNKNOWN with a clear message', async () => {
    const four = await check({ command: [script('four', 'echo "weird"; exit 4')] });
    assert.equal(four.exitCode, 3);
    assert.equal(four.output, 'plugin exited with code 4: weird');
    const missing = await check({ command: 'no_such_plugin_xyz --flag', shell: true });
    assert.equal(missing.exitCode, 3);
    assert.match(missing.output, /^plugin exited with code 127 \(command not found\): .*no_such_plugin_xyz/);
  });

  it('uses stderr when stdout is empty', async () => {
    const r = await check({ command: [script('stderr', 'echo "CRITICAL - cannot connect" >&2; exit 2')] });
    assert.equal(r.exitCode, 2);
    assert.equal(r.output, 'CRITICAL - cannot connect');
  });

  it('reports a plugin that printed nothing', async () => {
    const r = await check({ command: ['/bin/true'] });
    assert.equal(r.exitCode, 0);
    assert.equal(r.output, '(No output returned from plugin)');
  });

  it('reports death by signal', async () => {
    const r = await check({ command: 'kill -9 $$$$', shell: true });
    assert.equal(r.exitCode, 3);
    assert.equal(r.output, 'plugin killed by signal 9 (SIGKILL)');
  });

  it('reports a timeout and kills the plugin', async () => {
    const r = await check({ command: [script('hang', 'sleep 1000')] }, env(300));
    assert.equal(r.exitCode, 3);
    assert.equal(r.output, 'plugin timed out after 0.3s (process group killed)');
  });

  it('reports a timeout when the engine aborts the run', async () => {
    const e = env(60_000);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const r = await check(
      { command: [script('hang2', 'sleep 1000')] },
      { ...e, timeoutMs: 10_000, signal: controller.signal },
    );
    assert.equal(r.output, 'plugin timed out after 10s (process group killed)');
  });

  it('names the path and errno when the plugin cannot start', async () => {
    const missing = await check({ command: '$USER1$/absent -v' });
    assert.equal(missing.exitCode, 3);
    assert.equal(missing.output, `cannot run plugin ${dir}/absent: ENOENT (no such file or directory)`);
    const path = join(dir, 'noexec');
    writeFileSync(path, 'echo hi\n');
    const denied = await check({ command: [path] });
    assert.equal(denied.output, `cannot run plugin ${path}: EACCES (permission denied)`);
  });

  it('keeps a macro value with spaces as one argument', async () => {
    script('argc', 'echo "OK $# args: $2"');
    const r = await check({ command: '$USER1$/argc $HOSTDISPLAYNAME$ $_HOSTROLE$' });
    assert.equal(r.output, 'OK 2 args: primary');
  });

  it('notes truncated output and malformed perfdata in the long output', async () => {
    const r = await check(
      { command: ['/bin/sh', '-c', 'echo "OK | good=1 bad=x"; head -c 200000 /dev/zero | tr "\\0" a'] },
      { ...env(), maxOutputBytes: 1000 },
    );
    assert.equal(r.exitCode, 0);
    assert.equal(r.output, 'OK');
    assert.equal(r.perfdata.length, 1);
    assert.match(r.longOutput, /\[vigil\] output truncated to the first 1000 bytes/);
    assert.match(r.longOutput, /\[vigil\] perfdata item "bad=x" skipped/);
  });

  it('runs check_dummy from the Monitoring Plugins', async (t) => {
    if (!existsSync(CHECK_DUMMY)) {
      t.skip(`${CHECK_DUMMY} not installed`);
      return;
    }
    const r = await check({ command: `${CHECK_DUMMY} $ARG1$ "$ARG2$"`, args: ['2', 'disk on fire'] });
    assert.equal(r.exitCode, 2);
    assert.equal(r.output, 'CRITICAL: disk on fire');
  });
});
