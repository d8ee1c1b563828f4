import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { adminHeaders } from '../helpers/api-auth.ts';
import { freePort, startVigil, vigil } from '../helpers/cli.ts';
import { eventually, tempDir } from '../helpers/model.ts';

test('status groups problems by root cause: the dead switch first, what it explains beneath', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'vigil.yml');
  const port = await freePort();
  await writeFile(
    file,
    `
settings: { listen: 127.0.0.1:${port} }
templates:
  quick: { interval: 100ms, retry_interval: 100ms, max_attempts: 1 }
hosts:
  - { name: sw, use: quick, check: { kind: dummy, state: CRITICAL, output: "switch dead" } }
  - name: web
    use: quick
    parents: [sw]
    check: { kind: dummy, state: CRITICAL }
    services: [{ name: http, use: quick, check: { kind: dummy, state: CRITICAL } }]
  - name: db
    use: quick
    services: [{ name: mysql, use: quick, check: { kind: dummy, state: WARNING, output: "slow queries" } }]
`,
  );
  const daemon = startVigil(['run', '-c', file]);
  try {
    const headers = await adminHeaders(dir);
    const ready = await eventually(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/problems`, { headers }).catch(
        () => undefined,
      );
      const body = (await response?.json()) as { problems?: { affected: unknown[] }[] } | undefined;
      return body?.problems?.length === 2 && body.problems[0]?.affected.length === 2;
    }, 15_000);
    assert.ok(ready, daemon.output());
    await eventually(async () => (await vigil(['status', '-c', file])).stdout.includes('+2 affected'), 5_000);
    const status = await vigil(['status', '-c', file]);
    const lines = status.stdout.trim().split('\n');
    assert.match(lines[1] ?? '', /^sw\s+DOWN \(\+2 affected\)\s+HARD/);
    assert.match(lines[2] ?? '', /^ {2}web\s+UNREACHABLE\s+HARD/);
    assert.match(lines[3] ?? '', /^ {2}web\/http\s+CRITICAL\s+HARD/);
    assert.match(lines[4] ?? '', /^db\/mysql\s+WARNING\s+HARD.*slow queries/);
    const json = JSON.parse((await vigil(['status', '-c', file, '--json'])).stdout);
    assert.equal(json[0].cause.object, 'sw');
    assert.deepEqual(
      json[0].affected.map((row: { object: string }) => row.object),
      ['web', 'web/http'],
    );
  } finally {
    daemon.child.kill('SIGTERM');
    await new Promise((resolve) => daemon.child.once('close', resolve));
  }
});
