import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { z } from 'zod';
import {
  errorText,
  noAnswerWithin,
  onePasswordSource,
  outcomeFor,
  outsideThresholds,
  passwordParams,
  readPassword,
  stopwatch,
  TimedOut,
  timeDatum,
  untilAbort,
} from '../../src/checks/native.ts';
import { fixedRange as range } from '../../src/checks/thresholds.ts';

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('untilAbort', () => {
  test('resolves with the value and removes its abort listener', async () => {
    const controller = new AbortController();
    const pending = untilAbort(Promise.resolve(42), controller.signal);
    assert.equal(abortListeners(controller.signal), 1);
    assert.equal(await pending, 42);
    assert.equal(abortListeners(controller.signal), 0);
  });

  test("passes the promise's own error on, not a timeout, and removes its listener", async () => {
    const controller = new AbortController();
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await assert.rejects(
      untilAbort(Promise.reject(refused), controller.signal),
      (error) => error === refused,
    );
    assert.equal(abortListeners(controller.signal), 0);
  });

  test('rejects with TimedOut at the abort although the promise never settles', async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => {});
    const pending = untilAbort(never, controller.signal);
    setTimeout(() => controller.abort(), 10);
    await assert.rejects(pending, TimedOut);
    assert.equal(abortListeners(controller.signal), 0);
  });

  test('an already aborted signal rejects at once; the late failure is not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const controller = new AbortController();
      controller.abort();
      let fail: (error: Error) => void = () => {};
      const late = new Promise<never>((_, reject) => {
        fail = reject;
      });
      await assert.rejects(untilAbort(late, controller.signal), TimedOut);
      assert.equal(abortListeners(controller.signal), 0);
      fail(new Error('socket closed'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

test('outcomes read like a Monitoring Plugin status line', () => {
  const outcome = outcomeFor('MYSQL');
  assert.deepEqual(outcome(3, 'cannot read password_file /x: ENOENT'), {
    exitCode: 3,
    output: 'MYSQL UNKNOWN - cannot read password_file /x: ENOENT',
    longOutput: '',
    perfdata: [],
  });
  const datum = { label: 'time', value: 1, unit: 's' };
  assert.deepEqual(outcome(1, 'slow', 'details', [datum]), {
    exitCode: 1,
    output: 'MYSQL WARNING - slow',
    longOutput: 'details',
    perfdata: [datum],
  });
});

test('time perfdata: seconds to the microsecond, from 0, with the ranges that are set', () => {
  assert.deepEqual(timeDatum('time_connect', 0.012345678), {
    label: 'time_connect',
    value: 0.012346,
    unit: 's',
    min: 0,
  });
  const timed = timeDatum('time', 1.5, { warn: range('1'), crit: undefined });
  assert.deepEqual(timed, { label: 'time', value: 1.5, unit: 's', min: 0, warn: '1' });
  assert.ok(!('crit' in timed));
});

test('a stopwatch counts seconds from its start', async () => {
  const elapsed = stopwatch();
  await new Promise((resolve) => setTimeout(resolve, 30));
  const seconds = elapsed();
  assert.ok(seconds >= 0.025 && seconds < 5, `${seconds}`);
  assert.ok(elapsed() >= seconds);
});

test('a value outside its thresholds is one finding naming the range it crossed', () => {
  const limits = { warn: range('30'), crit: range('120') };
  assert.deepEqual(outsideThresholds(10, limits, 'lag 10s'), []);
  assert.deepEqual(outsideThresholds(45, limits, 'lag 45s'), [{ state: 1, text: 'lag 45s (outside 30)' }]);
  assert.deepEqual(outsideThresholds(200, limits, 'lag 200s'), [
    { state: 2, text: 'lag 200s (outside 120)' },
  ]);
  assert.deepEqual(outsideThresholds(5, {}, 'no limits'), []);
});

test('the timeout text names the place, the budget and what the check waited for', () => {
  assert.equal(
    noAnswerWithin('127.0.0.1:3306', 1500, 'querying'),
    'no answer from 127.0.0.1:3306 within 1.5s (while querying)',
  );
});

test('errors are named by their errno code, else by their message', () => {
  assert.equal(
    errorText(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })),
    'ECONNREFUSED',
  );
  // Driver codes that are not errno codes say less than the message.
  assert.equal(
    errorText(Object.assign(new Error('password authentication failed'), { code: '28P01' })),
    'password authentication failed',
  );
  assert.equal(errorText('plain text'), 'plain text');
});

describe('passwords', () => {
  const schema = z.strictObject({ ...passwordParams }).refine(...onePasswordSource);

  test('password and password_file exclude each other, and the error points at password_file', () => {
    const parsed = schema.safeParse({ password: 'a', password_file: '/run/secret' });
    assert.equal(parsed.success, false);
    assert.deepEqual(
      parsed.error?.issues.map((i) => [i.path.join('.'), i.message]),
      [['password_file', 'give password or password_file, not both']],
    );
    assert.equal(schema.safeParse({ password: 'a' }).success, true);
    assert.equal(schema.safeParse({ password_file: '' }).success, false);
  });

  test('the file is read at each call, dropping one trailing newline only', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-native-'));
    try {
      const file = path.join(dir, 'secret');
      await writeFile(file, 'first\r\n');
      assert.deepEqual(await readPassword({ password_file: file }), { password: 'first' });
      // Rotated: the next run sees the new secret without a reload.
      await writeFile(file, ' second \n\n');
      assert.deepEqual(await readPassword({ password_file: file }), { password: ' second \n' });
      assert.deepEqual(await readPassword({ password_file: path.join(dir, 'missing') }), {
        unreadable: `cannot read password_file ${path.join(dir, 'missing')}: ENOENT`,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('without a file the inline password, or none, is used', async () => {
    assert.deepEqual(await readPassword({ password: 'inline' }), { password: 'inline' });
    assert.deepEqual(await readPassword({}), { password: undefined });
  });
});
