import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, test } from 'node:test';
import { openStore } from '../../src/store/index.ts';
import { freePort, startVigil } from '../helpers/cli.ts';
import { eventually, sleep, tempDir } from '../helpers/model.ts';
import { type RecordingServer, recordingServer } from '../helpers/recording-server.ts';

const servers: RecordingServer[] = [];
after(async () => {
  for (const server of servers) await server.close();
});

/** A store left as by a crash: the problem's state change committed, its notification never queued (or queued). */
async function crashedStore(dir: string, announced: boolean): Promise<void> {
  const store = await openStore({
    kind: 'sqlite',
    path: path.join(dir, 'vigil.db'),
    url: '',
    resultRetentionMs: 1e9,
    downsampledRetentionMs: 1e9,
    historyRetentionMs: 1e9,
  });
  await store.migrate();
  const now = Date.now();
  await store.write({
    results: [],
    events: [],
    states: [
      {
        objectId: 'db/mysql',
        state: 2,
        stateType: 'HARD',
        attempt: 3,
        lastHardState: 2,
        lastStateChange: now - 60_000,
        lastHardStateChange: now - 60_000,
        lastCheck: now - 1_000,
        output: 'MYSQL CRITICAL - replica SQL thread stopped',
        longOutput: '',
        recentStates: [],
        percentStateChange: 0,
        flapping: false,
      },
    ],
  });
  if (announced) await store.announced.record([{ objectId: 'db/mysql', at: now - 60_000 }], []);
  await store.close();
}

for (const announced of [false, true]) {
  test(`after a crash, a problem ${announced ? 'already announced is not announced again' : 'whose notification was never queued is announced at start'}`, async () => {
    const dir = await tempDir();
    const receiver = await recordingServer();
    servers.push(receiver);
    const port = await freePort();
    await crashedStore(dir, announced);
    await writeFile(
      path.join(dir, 'vigil.yml'),
      `settings: { listen: "127.0.0.1:${port}" }
channels:
  chat: { kind: webhook, url: "${receiver.origin}/chat" }
routes:
  - { name: all, chat: [chat], group_wait: 0s }
hosts:
  - name: db
    services: [{ name: mysql, interval: 1h, check: { kind: dummy, state: CRITICAL } }]
`,
    );
    const daemon = startVigil(['run', '-c', path.join(dir, 'vigil.yml')]);
    try {
      if (announced) {
        await sleep(2_500);
        assert.deepEqual(receiver.requests, [], 'no second notification for a problem already announced');
      } else {
        assert.ok(await eventually(() => receiver.requests.length > 0, 10_000), daemon.output());
        const body = JSON.parse(receiver.requests[0]?.body ?? '{}') as {
          kind: string;
          problem: { objectId: string };
        };
        assert.equal(body.kind, 'problem');
        assert.equal(body.problem.objectId, 'db/mysql');
      }
    } finally {
      daemon.child.kill('SIGTERM');
      await new Promise((resolve) => daemon.child.once('close', resolve));
    }
  });
}
