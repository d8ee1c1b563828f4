import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { vigil } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model.ts';

const CONFIG = `
hosts:
  - name: web-1
    address: 127.0.0.1
    location: { site: Chicago, room: DC1-A, cabinet: "12", rack_unit: "30-31", oob: 10.9.0.11 }
    services:
      - { name: ssh, check: { kind: tcp, port: 22 } }
`;

test('--help works on every command', async () => {
  const top = await vigil(['--help']);
  assert.equal(top.code, 0);
  const commands = [
    'run',
    'demo',
    'check-config',
    'reload',
    'status',
    'history',
    'impact',
    'notifications',
    'oncall',
    'locate',
  ];
  for (const command of commands)
    assert.match(top.stdout, new RegExp(`\\n  ${command}\\b`), `top-level help lists ${command}`);
  for (const command of commands) {
    const help = await vigil([command, '--help']);
    assert.equal(help.code, 0, command);
    assert.match(help.stdout, new RegExp(`Usage: vigil ${command}`));
  }
});

test('check-config accepts a valid config and names every error of a broken one', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'vigil.yml'), CONFIG);
  const good = await vigil(['check-config', '-c', path.join(dir, 'vigil.yml')]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /configuration OK: 1 hosts, 1 services/);

  await writeFile(
    path.join(dir, 'broken.yml'),
    'hosts:\n  - name: db-1\n    parents: [missing]\n    max_attempts: 0\n',
  );
  const bad = await vigil(['check-config', '-c', path.join(dir, 'broken.yml')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /broken\.yml:4: hosts\.0\.max_attempts: /);
  assert.match(bad.stderr, /^vigil: configuration .*broken\.yml has 1 error\n$/);
});

test('VIGIL_CONFIG is the default config path', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'vigil.yml'), CONFIG);
  const run = await vigil(['check-config'], { VIGIL_CONFIG: path.join(dir, 'vigil.yml') });
  assert.equal(run.code, 0, run.stderr);
});

test('locate answers from the config alone, with the daemon down', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'vigil.yml'), CONFIG);
  const found = await vigil(['locate', 'web-1', '-c', dir]);
  assert.equal(found.code, 0, found.stderr);
  assert.match(found.stdout, /room\s+DC1-A/);
  assert.match(found.stdout, /cabinet\s+12/);
  assert.match(found.stdout, /rack unit\s+30-31/);
  assert.match(found.stdout, /out-of-band\s+10\.9\.0\.11/);
  const json = await vigil(['locate', 'web-1', '-c', dir, '--json']);
  assert.equal(JSON.parse(json.stdout).oob, '10.9.0.11');
  const missing = await vigil(['locate', 'web', '-c', dir]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'vigil: no host "web" in the configuration (did you mean web-1?)\n');
});

test('a missing config file is a one-line failure', async () => {
  const run = await vigil(['status', '-c', '/nonexistent/vigil.yml']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /\/nonexistent\/vigil\.yml: no such file or directory/);
});

test('impact tells what a switch failure would take down, from the config alone', async () => {
  const dir = await tempDir();
  await writeFile(
    path.join(dir, 'vigil.yml'),
    `
hosts:
  - { name: core }
  - { name: tor-a, parents: [core] }
  - { name: tor-b, parents: [core] }
  - name: web-1
    parents: [tor-a, tor-b]
    services: [{ name: http, check: { kind: tcp, port: 80 } }]
  - name: web-2
    parents: [tor-a]
    services: [{ name: http, check: { kind: tcp, port: 80 } }]
  - name: tor-a-ports
    parents: [tor-a]
    services: [{ name: port-1, attached_to: web-1, check: { kind: tcp, port: 1 } }]
`,
  );
  const run = await vigil(['impact', 'tor-a', '-c', dir]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /^If tor-a failed: 2 hosts unreachable, 2 services affected, 1 losing redundancy\./,
  );
  assert.match(run.stdout, /unreachable hosts:\n {2}tor-a-ports\n {2}web-2\n/);
  assert.match(run.stdout, /losing redundancy \(still working\):\n {2}web-1\n/);
  const json = JSON.parse((await vigil(['impact', 'web-1', '-c', dir, '--json'])).stdout);
  assert.deepEqual(json.affectedServices, ['tor-a-ports/port-1', 'web-1/http']);
  const unknown = await vigil(['impact', 'nope', '-c', dir]);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'vigil: no host or service "nope" in the configuration\n');
});
