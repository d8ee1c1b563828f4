import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import type { Notification } from '../../src/alerting/notification.ts';
import { adminHeaders } from '../helpers/api-auth.ts';
import { freePort, startVigil, vigil } from '../helpers/cli.ts';
import { eventually, tempDir } from '../helpers/model.ts';
import { type RecordingServer, recordingServer } from '../helpers/recording-server.ts';

const servers: RecordingServer[] = [];
after(async () => {
  for (const server of servers) await server.close();
});

function config(port: number, receiver: string): string {
  return `
settings:
  listen: 127.0.0.1:${port}
channels:
  ops-chat: { kind: webhook, url: "${receiver}/hook" }
routes:
  - { name: everything, chat: [ops-chat], group_wait: 0s }
templates:
  quick: { interval: 100ms, retry_interval: 100ms, max_attempts: 2 }
host_groups:
  db: {}
hosts:
  - name: h
    services:
      - { name: quiet, use: quick, check: { kind: dummy, state: CRITICAL, output: "being rebuilt" } }
      - { name: loud, use: quick, check: { kind: dummy, state: CRITICAL, output: "disk on fire" } }
      - { name: fine, use: quick, check: { kind: dummy } }
  - name: db1
    groups: [db]
`;
}

async function setup() {
  const receiver = await recordingServer();
  servers.push(receiver);
  const dir = await tempDir();
  const file = path.join(dir, 'vigil.yml');
  const port = await freePort();
  await writeFile(file, config(port, receiver.origin));
  const received = () => receiver.requests.map((r) => JSON.parse(r.body) as Notification);
  return { receiver, file, port, received, env: { USER: 'tester' } };
}

test('CLI: downtime add/list/cancel and ack check their input and work without a daemon', async () => {
  const { file, env } = await setup();
  const bad = await vigil(['downtime', 'add', 'nohost', '--for', '1h', '-m', 'x', '-c', file], env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /no host "nohost"/);
  const noLength = await vigil(['downtime', 'add', 'h', '-m', 'x', '-c', file], env);
  assert.match(noLength.stderr, /say how long: for \(e\.g\. 2h\) or until/);
  const badCron = await vigil(
    ['downtime', 'add', 'h', '--for', '1h', '--every', 'weekly funday 02:00', '-m', 'x', '-c', file],
    env,
  );
  assert.match(badCron.stderr, /weekly DAY/);

  const added = await vigil(
    [
      'downtime',
      'add',
      'hostgroup:db',
      '--every',
      'weekly sun 02:00',
      '--time-zone',
      'Europe/Berlin',
      '--for',
      '2h',
      '--children',
      '-m',
      'patch night',
      '-c',
      file,
    ],
    env,
  );
  assert.equal(added.code, 0, added.stderr);
  assert.match(
    added.stdout,
    /^downtime 1 scheduled: hostgroup:db every "weekly sun 02:00" \(Europe\/Berlin\) for 2h, next 20/,
  );
  const fixed = await vigil(['downtime', 'add', 'h/quiet', '--for', '90m', '-m', 'rebuild', '-c', file], env);
  assert.match(fixed.stdout, /^downtime 2 scheduled: h\/quiet from .* until /);

  const list = JSON.parse((await vigil(['downtime', 'list', '--json', '-c', file], env)).stdout) as {
    id: number;
    status: string;
    author: string;
  }[];
  assert.deepEqual(
    list.map((w) => [w.id, w.status, w.author]),
    [
      [1, 'scheduled', 'tester'],
      [2, 'in force', 'tester'],
    ],
  );
  const table = await vigil(['downtime', 'list', '-c', file], env);
  assert.match(table.stdout, /2\s+h\/quiet\s+in force/);

  assert.equal((await vigil(['downtime', 'cancel', '1', '-c', file], env)).code, 0);
  const again = await vigil(['downtime', 'cancel', '1', '-c', file], env);
  assert.match(again.stderr, /downtime 1 was already cancelled/);
  assert.match((await vigil(['downtime', 'cancel', '77', '-c', file], env)).stderr, /no downtime 77/);
  const all = JSON.parse((await vigil(['downtime', 'list', '--all', '--json', '-c', file], env)).stdout) as {
    id: number;
    status: string;
  }[];
  assert.deepEqual(
    all.map((w) => [w.id, w.status]),
    [
      [1, 'cancelled'],
      [2, 'in force'],
    ],
    'a cancelled window stays on record',
  );

  const notChecked = await vigil(['ack', 'h/loud', '-m', 'x', '-c', file], env);
  assert.match(notChecked.stderr, /h\/loud is not checked yet: there is no problem to acknowledge/);
  assert.match(
    (await vigil(['ack', 'h/nope', '-m', 'x', '-c', file], env)).stderr,
    /no host or service "h\/nope"/,
  );
  assert.match(
    (await vigil(['ack', '--remove', 'h/loud', '-c', file], env)).stderr,
    /h\/loud is not acknowledged/,
  );
});

test('daemon: no problem notification under downtime, only the note; an ack from the CLI reaches the same receiver', async () => {
  const { file, port, received, env } = await setup();
  const added = await vigil(
    ['downtime', 'add', 'h/quiet', '--for', '1h', '-m', 'rebuilding the array', '-c', file],
    env,
  );
  assert.equal(added.code, 0, added.stderr);
  const daemon = startVigil(['run', '-c', file]);
  try {
    // What was notified, one entry per notification and receiver (a channel may combine
    // notifications queued together into one message: the lead's grouping).
    const queued = async () =>
      JSON.parse((await vigil(['notifications', '--json', '-c', file])).stdout) as {
        receiver: string;
        status: string;
        payload: Notification;
      }[];
    const kinds = async () =>
      (await queued()).map((e) => `${e.payload.kind} ${e.payload.problem.objectId} ${e.status}`);
    const bodies = () => received().map((n) => JSON.stringify(n));
    assert.ok(
      await eventually(async () => {
        const k = await kinds();
        return k.includes('problem h/loud delivered') && k.includes('downtime-start h/quiet delivered');
      }, 15_000),
      `${(await kinds()).join('\n')}\n${daemon.output().slice(-3000)}`,
    );
    assert.ok(bodies().some((b) => /h\/quiet for 1h — downtime 1 by tester: rebuilding the array/.test(b)));
    assert.ok(
      !(await kinds()).some((k) => k.startsWith('problem h/quiet')),
      'no problem notification under downtime',
    );

    const status = await vigil(['status', '-c', file], env);
    assert.match(status.stdout, /h\/quiet\s+CRITICAL \[downtime until \S+\]/);

    const acked = await vigil(['ack', 'h/loud', '-m', 'replacing the disk', '--sticky', '-c', file], env);
    assert.equal(acked.code, 0, acked.stderr);
    assert.match(acked.stdout, /h\/loud acknowledged by tester; holds until it is OK again/);
    assert.ok(
      await eventually(
        () =>
          bodies().some((b) =>
            b.includes('"acknowledgement":{"author":"tester","comment":"replacing the disk"}'),
          ),
        10_000,
      ),
      `${(await kinds()).join('\n')}\n${daemon.output().slice(-2000)}`,
    );
    const entries = await queued();
    const ack = entries.find((e) => e.payload.kind === 'acknowledgement');
    const problem = entries.find((e) => e.payload.kind === 'problem');
    assert.equal(ack?.receiver, problem?.receiver, 'the same receiver as the problem');
    assert.equal(ack?.payload.problem.objectId, 'h/loud');
    const badged = await vigil(['status', '-c', file], env);
    assert.match(badged.stdout, /h\/loud\s+CRITICAL \[acked by tester\]/);

    // The API: bad bodies are refused with a message naming the field.
    const headers = await adminHeaders(path.dirname(file));
    const post = (url: string, body: unknown) =>
      fetch(`http://127.0.0.1:${port}${url}`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const missing = await post('/api/v1/downtimes', { target: 'h', for: '1h' });
    assert.equal(missing.status, 400);
    assert.match(
      ((await missing.json()) as { message: string }).message,
      /body must have required property 'comment'/,
    );
    const extra = await post('/api/v1/acknowledgements', {
      object: 'h/loud',
      comment: '',
      author: 'a',
      stciky: true,
    });
    assert.equal(extra.status, 400);
    assert.match(((await extra.json()) as { message: string }).message, /unknown field "stciky"/);
    const badDuration = await post('/api/v1/downtimes', {
      target: 'h',
      for: 'soon',
      author: 'a',
      comment: '',
    });
    assert.equal(badDuration.status, 400);
    assert.match(((await badDuration.json()) as { error: string }).error, /for "soon" is not a duration/);

    // Cancelling the window: the end note, then the problem that is still there.
    const cancel = await fetch(`http://127.0.0.1:${port}/api/v1/downtimes/1`, { method: 'DELETE', headers });
    assert.equal(cancel.status, 200);
    assert.ok(
      await eventually(async () => {
        const k = await kinds();
        return k.includes('downtime-end h/quiet delivered') && k.includes('problem h/quiet delivered');
      }, 8_000),
      (await kinds()).join('\n'),
    );
    const listed = (await (
      await fetch(`http://127.0.0.1:${port}/api/v1/downtimes?all=true`, { headers })
    ).json()) as {
      downtimes: { id: number; cancelledAt: number | null }[];
    };
    assert.ok(listed.downtimes[0]?.cancelledAt, 'kept on record as cancelled');
    assert.equal(
      (await kinds()).filter((k) => k.startsWith('problem h/quiet')).length,
      1,
      'sent once, after the window',
    );
  } finally {
    daemon.child.kill('SIGTERM');
    await new Promise((resolve) => daemon.child.once('close', resolve));
  }
});
