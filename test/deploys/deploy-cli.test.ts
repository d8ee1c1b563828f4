import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { timeOption } from '../../src/cli/commands/deploy.ts';
import { vigil } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model.ts';

// `vigil deploy record` and `vigil deploy list` on the configuration's own store, no daemon.

async function configFile(): Promise<string> {
  const dir = await tempDir();
  const file = path.join(dir, 'vigil.yml');
  await writeFile(file, 'hosts:\n  - name: web-1\n    check: { kind: dummy }\n');
  return file;
}

test('deploys recorded on the command line are listed by service and period', async () => {
  const file = await configFile();
  const env = { USER: 'deployer', TZ: 'UTC' };
  const first = await vigil(
    [
      'deploy',
      'record',
      '--service',
      'basecamp',
      '--version',
      'v890',
      '--at',
      '2026-03-06T13:00Z',
      '-c',
      file,
    ],
    env,
  );
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^deploy 1 recorded: basecamp v890 at 2026-03-06T13:00:00.000Z$/m);
  const second = await vigil(
    [
      'deploy',
      'record',
      '--service',
      'api',
      '--version',
      '2.4.0',
      '--at',
      '2026-03-06 14:30',
      '--by',
      'alice',
      '--description',
      'faster search',
      '--link',
      'https://git.example.com/api/pull/12',
      '-c',
      file,
    ],
    env,
  );
  assert.equal(second.code, 0, second.stderr);

  const table = await vigil(['deploy', 'list', '--since', '2026-03-06', '-c', file], env);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.match(lines[0] ?? '', /^ID\s+AT\s+SERVICE\s+VERSION\s+BY\s+DESCRIPTION\s+LINK$/);
  assert.match(lines[1] ?? '', /^1\s+2026-03-06T13:00Z\s+basecamp\s+v890\s+deployer$/);
  assert.match(
    lines[2] ?? '',
    /^2\s+2026-03-06T14:30Z\s+api\s+2\.4\.0\s+alice\s+faster search\s+https:\/\/git/,
  );

  const json = await vigil(['deploy', 'list', '--service', 'api', '--json', '-c', file], env);
  const listed = JSON.parse(json.stdout) as {
    version: string;
    by: string;
    at: string;
    recorded_at: string;
  }[];
  assert.deepEqual(listed, [
    {
      id: 2,
      service: 'api',
      version: '2.4.0',
      at: '2026-03-06T14:30:00.000Z',
      by: 'alice',
      description: 'faster search',
      link: 'https://git.example.com/api/pull/12',
      recorded_at: listed[0]?.recorded_at,
    },
  ]);
});

test('bad arguments are one line naming the option; --help describes the command', async () => {
  const file = await configFile();
  const run = await vigil([
    'deploy',
    'record',
    '--service',
    'api',
    '--version',
    '1',
    '--at',
    'soonish',
    '-c',
    file,
  ]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^vigil: --at "soonish" is not a time \(write e\.g\./);
  assert.equal(run.stderr.trim().split('\n').length, 1);
  const help = await vigil(['deploy', 'record', '--help']);
  assert.match(help.stdout, /record that a version of a service went out/);
});

test('time options: a time in your zone, with an offset, or a duration back from now', () => {
  const now = Date.UTC(2026, 2, 6, 15, 0);
  assert.equal(timeOption('--at', '2026-03-06 14:30', now, 'Europe/Berlin'), Date.UTC(2026, 2, 6, 13, 30));
  assert.equal(timeOption('--at', '2026-03-06T14:30+02:00', now, 'UTC'), Date.UTC(2026, 2, 6, 12, 30));
  assert.equal(timeOption('--since', '15m', now, 'UTC'), now - 15 * 60_000);
  assert.throws(() => timeOption('--since', '15', now, 'UTC'), /--since "15" is not a time/);
});
