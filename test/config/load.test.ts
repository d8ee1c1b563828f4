import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { formatConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';

async function configDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-config-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

async function errorsOf(files: Record<string, string>): Promise<string[]> {
  const dir = await configDir(files);
  const loaded = await loadConfig(dir);
  assert.equal(loaded.ok, false, 'config should be refused');
  if (loaded.ok) return [];
  return loaded.errors.map((e) => formatConfigError({ ...e, file: path.relative(dir, e.file) }));
}

test('hosts, templates with inheritance, groups and group-applied services resolve into the model', async () => {
  const dir = await configDir({
    'vigil.yml': `
macros:
  USER1: /usr/lib/nagios/plugins
templates:
  generic:
    interval: 2m
    retry_interval: 20s
    max_attempts: 4
    tags: [base]
  linux:
    use: generic
    timeout: 9s
    tags: [linux]
    vars: { OS: debian }
host_groups:
  web: { description: Web servers }
hosts:
  - name: core-1
    address: 10.0.0.1
  - name: web-1
    use: linux
    address: 10.0.1.1
    parents: [core-1]
    groups: [web]
    tags: [customer-facing]
    location: { room: A, cabinet: "12", rack_unit: "30-31", oob: 10.9.0.11 }
    check: "$USER1$/check_ping -H $HOSTADDRESS$ -w 100,20% -c 500,60%"
    services:
      - name: ssh
        use: linux
        check: { kind: tcp, port: 22 }
`,
    'conf.d/web.yaml': `
hosts:
  - name: web-2
    use: linux
    groups: [web]
services:
  - name: http
    use: generic
    interval: 30s
    host_groups: [web]
    check:
      command: "$USER1$/check_http -H $HOSTADDRESS$ -p $ARG1$"
      args: ["8080"]
`,
  });
  const loaded = await loadConfig(dir);
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.errors.map(formatConfigError).join('\n'));
  const { model } = loaded;
  assert.deepEqual([...model.hosts.keys()].sort(), ['core-1', 'web-1', 'web-2']);
  const web1 = model.hosts.get('web-1');
  assert.ok(web1);
  assert.deepEqual(web1.parents, ['core-1']);
  assert.deepEqual(web1.tags.sort(), ['base', 'customer-facing', 'linux']);
  assert.deepEqual(web1.location, { room: 'A', cabinet: '12', rackUnit: '30-31', oob: '10.9.0.11' });
  assert.equal(web1.vars.OS, 'debian');
  assert.equal(web1.check?.kind, 'plugin');
  assert.equal(web1.check?.intervalMs, 120_000);
  assert.equal(web1.check?.timeoutMs, 9_000);
  assert.equal(web1.check?.maxAttempts, 4);
  assert.equal(model.hosts.get('web-2')?.address, 'web-2', 'address defaults to the host name');
  assert.deepEqual(model.hostGroups.get('web')?.members.sort(), ['web-1', 'web-2']);
  const http = model.services.get('web-2/http');
  assert.ok(http, 'service applied to the group reaches every member');
  assert.ok(model.services.get('web-1/http'));
  assert.equal(http.check.intervalMs, 30_000);
  assert.equal(http.check.retryIntervalMs, 20_000);
  assert.deepEqual(http.check.params.args, ['8080']);
  const ssh = model.services.get('web-1/ssh');
  assert.equal(ssh?.check.kind, 'tcp');
  assert.equal(ssh?.check.timeoutMs, 9_000);
  assert.equal(model.userMacros.USER1, '/usr/lib/nagios/plugins');
  assert.equal(model.settings.store.kind, 'sqlite');
  assert.equal(model.settings.store.path, path.join(dir, 'vigil.db'));
});

test('every error is reported with file and line, not just the first', async () => {
  const errors = await errorsOf({
    'a.yml': `hosts:
  - name: web-1
    parents: [nowhere]
    groups: [nogroup]
  - name: web-1
  - name: db-1
    use: missing-template
    interval: soon
services:
  - name: http
    host: ghost
    check: { kind: tcp, port: 99999 }
  - name: orphan
    check: "/bin/true"
`,
    'b.yml': `hosts:
  - name: cache-1
    colour: blue
`,
  });
  const expected = [
    'a.yml:8: hosts.2.interval: is not a duration',
    'b.yml:2: hosts.0: unknown setting "colour"',
  ];
  for (const fragment of expected)
    assert.ok(
      errors.some((e) => e.startsWith(fragment)),
      `missing "${fragment}" in:\n${errors.join('\n')}`,
    );
  // Schema errors stop a file before cross-checks; fix them and the cross-checks appear.
  const second = await errorsOf({
    'a.yml': `hosts:
  - name: web-1
    parents: [nowhere]
    groups: [nogroup]
  - name: web-1
  - name: db-1
    use: missing-template
services:
  - name: http
    host: ghost
    check: { kind: tcp, port: 99999 }
  - name: orphan
    check: "/bin/true"
`,
  });
  const crossChecks = [
    'a.yml:5: host "web-1" is already defined at',
    'a.yml:6: template "missing-template" is not defined',
    'a.yml:2: host "web-1" has parent "nowhere", which is not defined',
    'a.yml:2: host "web-1" is in host group "nogroup", which is not defined',
    'a.yml:9: service "http" is on host "ghost", which is not defined',
    'a.yml:9: check (tcp): port:',
    'a.yml:12: service "orphan" names no host',
  ];
  for (const fragment of crossChecks) {
    assert.ok(
      second.some((e) => e.startsWith(fragment)),
      `missing "${fragment}" in:\n${second.join('\n')}`,
    );
  }
});

test('a forecast of a service that is not defined is refused at load, naming both', async () => {
  const errors = await errorsOf({
    'a.yml': `hosts:
  - name: db-1
    services:
      - name: disk-data
        check: { kind: dummy }
      - name: trend
        check: { kind: forecast, object: disk-dta, label: used }
      - name: elsewhere
        check: { kind: forecast, object: db-2/disk-data, label: used }
      - name: fine
        check: { kind: forecast, object: disk-data, label: used }
`,
  });
  assert.deepEqual(errors, [
    'a.yml:6: the forecast check of "db-1/trend" reads "db-1/disk-dta", which is not a defined service',
    'a.yml:8: the forecast check of "db-1/elsewhere" reads "db-2/disk-data", which is not a defined service',
  ]);
});

test('YAML syntax errors and duplicate keys name their line', async () => {
  const errors = await errorsOf({ 'x.yml': 'hosts:\n  - name: a\n    name: b\n' });
  assert.match(errors[0] ?? '', /^x\.yml:3: YAML: /);
  const broken = await errorsOf({ 'y.yml': 'hosts:\n  - name: [unclosed\n' });
  assert.match(broken[0] ?? '', /^y\.yml:\d+: YAML: /);
});

test('parent loops, dependency loops and template loops are refused', async () => {
  const templates = await errorsOf({ 'loops.yml': 'templates:\n  a: { use: b }\n  b: { use: a }\n' });
  assert.ok(
    templates.some((e) => /template inheritance loops: a -> b -> a|b -> a -> b/.test(e)),
    templates.join('\n'),
  );
  const parents = await errorsOf({
    'loops.yml': 'hosts:\n  - { name: x, parents: [y] }\n  - { name: y, parents: [x] }\n',
  });
  assert.ok(
    parents.some((e) => /^loops\.yml:[23]: dependencies form a loop: (x -> y -> x|y -> x -> y)/.test(e)),
    parents.join('\n'),
  );
  const mixed = await errorsOf({
    'deps.yml': `hosts:
  - name: db
    services: [{ name: mysql, check: { kind: dummy } }]
  - name: app
    parents: [db]
    services: [{ name: web, check: { kind: dummy } }]
dependencies:
  - { objects: [db], on: [app/web] }
`,
  });
  assert.ok(
    mixed.some((e) => /dependencies form a loop/.test(e)),
    mixed.join('\n'),
  );
});

test('dependencies, redundancy and switch ports name defined objects', async () => {
  const errors = await errorsOf({
    'deps.yml': `hosts:
  - { name: tor-a }
  - name: web
    parents: [tor-a]
    parents_min_up: 2
  - name: tor-b
    services: [{ name: port-1, attached_to: ghost, check: { kind: dummy } }]
dependencies:
  - { objects: [web/app], on: [db/mysql], min_up: 2 }
`,
  });
  for (const fragment of [
    'deps.yml:3: host "web" needs 2 parents up but has 1',
    'deps.yml:7: service "port-1" is attached to host "ghost", which is not defined',
    'deps.yml:9: dependency names "web/app", which is not a defined host or host/service',
    'deps.yml:9: dependency needs 2 of 1 objects up',
  ]) {
    assert.ok(
      errors.some((e) => e.startsWith(fragment)),
      `missing "${fragment}" in:\n${errors.join('\n')}`,
    );
  }
});

test('unknown check kinds and bad plugin params are named', async () => {
  const errors = await errorsOf({
    'c.yml': `hosts:
  - name: h
    services:
      - { name: a, check: { kind: telepathy } }
      - { name: b, check: { kind: plugin } }
`,
  });
  assert.ok(
    errors.some((e) => e.startsWith('c.yml:4: check kind "telepathy" is unknown')),
    errors.join('\n'),
  );
  assert.ok(
    errors.some((e) => e.startsWith('c.yml:5: check (plugin): command:')),
    errors.join('\n'),
  );
});

test('a missing path and an empty directory are clear errors', async () => {
  const missing = await loadConfig('/nonexistent/vigil.yml');
  assert.equal(missing.ok, false);
  if (!missing.ok)
    assert.equal(
      formatConfigError(missing.errors[0] as never),
      '/nonexistent/vigil.yml: no such file or directory',
    );
  const empty = await configDir({});
  const loaded = await loadConfig(empty);
  assert.equal(loaded.ok, false);
});

test('contacts, groups, escalation policies and routes name what exists', async () => {
  const errors = await errorsOf({
    'alerting.yml': `channels:
  chat: { kind: webhook, url: "http://127.0.0.1:9/x" }
contacts:
  alice: { notify: [chat, phone] }
contact_groups:
  ops: [alice, zed]
escalation_policies:
  web:
    steps:
      - { notify: [schedule:nope, alice], wait: 5m }
routes:
  - { name: r, chat: [chat], escalate: nowhere }
`,
  });
  for (const fragment of [
    'alerting.yml:4: contact "alice" is reached on channel "phone", which is not defined under channels',
    'alerting.yml:6: contact group "ops" has member "zed", which is not a defined contact',
    'alerting.yml:8: escalation policy "web" step 1: schedule "nope" is not defined',
    'alerting.yml:12: route "r" escalates with policy "nowhere", which is not defined under escalation_policies',
  ]) {
    assert.ok(
      errors.some((e) => e.startsWith(fragment)),
      `missing "${fragment}" in:\n${errors.join('\n')}`,
    );
  }
});
