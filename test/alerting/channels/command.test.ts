import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { commandChannel } from '../../../src/alerting/channels/command.ts';
import { deliveryError, sampleNotification, sendVia } from '../../helpers/notifications.ts';

describe('command channel', () => {
  let dir = '';
  const script = async (name: string, body: string) => {
    const file = path.join(dir, name);
    await writeFile(file, `#!/bin/sh\n${body}\n`);
    await chmod(file, 0o755);
    return file;
  };
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-command-channel-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('runs the program with the notification as JSON on stdin and VIGIL_* variables, without a shell', async () => {
    const out = path.join(dir, 'received');
    const file = await script(
      'notify',
      `cat > "$1.json"; env | grep -E '^(VIGIL_|TEAM=)' | sort > "$1.env"; echo "$2" > "$1.arg"`,
    );
    const n = sampleNotification();
    await sendVia(commandChannel, { argv: [file, out, '$(touch injected) ; `x`'], env: { TEAM: 'ops' } }, n);
    assert.deepEqual(JSON.parse(await readFile(`${out}.json`, 'utf8')), n);
    const env = await readFile(`${out}.env`, 'utf8');
    assert.match(env, /^VIGIL_NOTIFICATION_ID=n-0001-tor-a1-ops-chat$/m);
    assert.match(env, /^VIGIL_KIND=problem$/m);
    assert.match(env, /^VIGIL_STATE=DOWN$/m);
    assert.match(env, /^VIGIL_LOCATION=site ams1, room 2, cabinet B4, U42, out-of-band 10\.9\.0\.17$/m);
    assert.match(env, /^VIGIL_AFFECTED_HOSTS=3$/m);
    assert.match(env, /^VIGIL_URL=https:\/\/vigil\.example\.com\/hosts\/tor-a1$/m);
    assert.match(env, /^TEAM=ops$/m);
    assert.equal(
      await readFile(`${out}.arg`, 'utf8'),
      '$(touch injected) ; `x`\n',
      'arguments reach it literally',
    );
  });

  it('turns a non-zero exit into a retryable failure with the first line of stderr', async () => {
    const file = await script(
      'fails',
      'cat >/dev/null; echo "" >&2; echo "upstream API said 503" >&2; echo more >&2; exit 1',
    );
    const error = await deliveryError(sendVia(commandChannel, { argv: [file] }, sampleNotification()));
    assert.equal(error.retryable, true);
    assert.equal(error.message, `${file}: exit 1: upstream API said 503`);
  });

  it('treats listed exit codes as permanent, and a missing program as permanent', async () => {
    const file = await script('bad-recipient', 'echo "no such pager" >&2; exit 3');
    let error = await deliveryError(
      sendVia(commandChannel, { argv: [file], permanent_exit_codes: [3] }, sampleNotification()),
    );
    assert.equal(error.retryable, false);
    error = await deliveryError(
      sendVia(commandChannel, { argv: [path.join(dir, 'missing')] }, sampleNotification()),
    );
    assert.equal(error.retryable, false);
    assert.match(error.message, /ENOENT/);
  });

  it('kills the program and what it started at the timeout', async () => {
    const pidFile = path.join(dir, 'sleeper.pid');
    const file = await script('hangs', `sleep 30 & echo $! > "${pidFile}"; wait`);
    const started = performance.now();
    const error = await deliveryError(sendVia(commandChannel, { argv: [file] }, sampleNotification(), 300));
    assert.equal(error.retryable, true);
    assert.match(error.message, /killed after 0\.3s/);
    assert.ok(performance.now() - started < 3000);
    const pid = Number(await readFile(pidFile, 'utf8'));
    // Gone, or a zombie waiting for whatever reaps orphans here.
    const state = await readFile(`/proc/${pid}/stat`, 'utf8').then(
      (stat) => stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3),
      () => 'gone',
    );
    assert.ok(state === 'gone' || state === 'Z', `the child it started is gone too (state ${state})`);
  });

  it('does not mind a program that ignores its stdin', async () => {
    const file = await script('ignores', 'exit 0');
    await sendVia(commandChannel, { argv: [file] }, sampleNotification({ text: 'x'.repeat(1_000_000) }));
  });
});
