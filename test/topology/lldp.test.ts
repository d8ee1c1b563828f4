import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { type LldpHostData, type LldpProblem, parseLldpJson } from '../../src/topology/lldp.ts';
import {
  type DerivedTopology,
  deriveLldpTopology,
  lldpTopologyYaml,
} from '../../src/topology/lldp-topology.ts';
import { fixture, vigil } from '../helpers/cli.ts';
import { type LldpCapture, type LldpLab, lldpdUnavailable, startLldpLab } from '../helpers/lldp-lab.ts';

// The fixtures were captured from real lldpd daemons by test/fixtures/lldp/capture.ts (the
// lab is described in test/helpers/lldp-lab.ts); the live test below captures them again.

const tmp = mkdtempSync(path.join(tmpdir(), 'vigil-lldp-test-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function parse(file: string, text: string, host = path.basename(file, '.json')) {
  const result = parseLldpJson(file, host, text);
  if (!result.ok) assert.fail(`unexpected error: ${result.error.message}`);
  return result;
}

function readDir(dir: string): { hosts: LldpHostData[]; warnings: LldpProblem[] } {
  const hosts: LldpHostData[] = [];
  const warnings: LldpProblem[] = [];
  // Fixtures are lldpctl's output byte for byte, named HOST.out so the formatter leaves them alone.
  const names = readdirSync(dir)
    .filter((n) => n.endsWith('.out'))
    .sort();
  for (const name of names) {
    const text = readFileSync(path.join(dir, name), 'utf8');
    const result = parse(path.join(dir, name), text, path.basename(name, '.out'));
    hosts.push(result.data);
    warnings.push(...result.warnings);
  }
  return { hosts, warnings };
}

const deviceOf = (topology: DerivedTopology, name: string) => {
  const device = topology.devices.find((d) => d.name === name);
  assert.ok(device, `no device ${name} in ${topology.devices.map((d) => d.name).join(', ')}`);
  return device;
};

async function loadYaml(name: string, text: string) {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  const loaded = await loadConfig(file);
  if (!loaded.ok) assert.fail(loaded.errors.map((e) => `${e.file}:${e.line}: ${e.message}`).join('\n'));
  return loaded.model;
}

/** What the lab network must turn into, whichever format or capture it came from. */
async function assertLabTopology(topology: DerivedTopology, label: string): Promise<void> {
  const web1 = deviceOf(topology, 'web-1');
  assert.deepEqual(web1.parents, ['sw-a', 'sw-b'], 'the dual-homed host has both switches as parents');
  assert.equal(web1.parentsMinUp, 1, 'two uplinks: any one keeps it reachable');
  assert.deepEqual(deviceOf(topology, 'web-2').parents, ['sw-a']);
  assert.equal(deviceOf(topology, 'web-2').parentsMinUp, undefined);
  assert.deepEqual(deviceOf(topology, 'db-1').parents, ['sw-c']);
  assert.deepEqual(deviceOf(topology, 'lonely-1').parents, []);
  assert.deepEqual(deviceOf(topology, 'sw-a').ports, [
    { port: 'swp1', attachedTo: 'web-1' },
    { port: 'swp2', attachedTo: 'web-2' },
  ]);
  assert.deepEqual(deviceOf(topology, 'sw-b').ports, [{ port: 'swp1', attachedTo: 'web-1' }]);
  assert.deepEqual(deviceOf(topology, 'sw-c').ports, [{ port: 'swp1', attachedTo: 'db-1' }]);
  assert.equal(deviceOf(topology, 'sw-a').address, '192.0.2.11', 'one management address: a string');
  assert.equal(deviceOf(topology, 'sw-b').address, '192.0.2.12', 'two management addresses: a list');
  assert.ok(
    topology.warnings.some(
      (w) => /no LLDP neighbours/.test(w.message) && /lonely-1\.(out|json)$/.test(w.file),
    ),
    'the host without neighbours is reported',
  );
  const model = await loadYaml(`${label}.yml`, lldpTopologyYaml(topology, label));
  assert.deepEqual(model.hosts.get('web-1')?.parents, ['sw-a', 'sw-b']);
  assert.equal(model.hosts.get('web-1')?.parentsMinUp, 1);
  assert.equal(model.hosts.get('sw-b')?.address, '192.0.2.12');
  assert.equal(model.services.get('sw-a/port-swp1')?.attachedTo, 'web-1');
  assert.equal(model.services.get('sw-a/port-swp2')?.attachedTo, 'web-2');
  assert.equal(model.services.get('sw-b/port-swp1')?.attachedTo, 'web-1');
  assert.equal(model.services.get('sw-c/port-swp1')?.attachedTo, 'db-1');
  const portCheck = model.services.get('sw-a/port-swp1')?.check;
  assert.equal(portCheck?.kind, 'plugin', 'a placeholder plugin check, not a silent dummy');
  assert.match(JSON.stringify(portCheck?.params), /check_ifoperstatus/);
  assert.equal(model.services.get('sw-a/port-swp1')?.vars.PORT, 'swp1');
}

describe('LLDP import from captured lldpd output', () => {
  for (const format of ['json', 'json0'] as const) {
    it(`derives parents, redundancy and switch ports from -f ${format}`, async () => {
      const { hosts } = readDir(fixture('lldp', format));
      await assertLabTopology(deriveLldpTopology(hosts), `captured-${format}`);
    });
  }

  it('gives the same configuration from json and json0', () => {
    const fromJson = deriveLldpTopology(readDir(fixture('lldp', 'json')).hosts);
    const fromJson0 = deriveLldpTopology(readDir(fixture('lldp', 'json0')).hosts);
    assert.equal(lldpTopologyYaml(fromJson, 'x'), lldpTopologyYaml(fromJson0, 'x'));
    // The same warnings, apart from the place of the other sighting, a JSON path that differs by format.
    const gist = (t: DerivedTopology) =>
      t.warnings.map((w) => `${path.basename(w.file)}: ${w.message.replace(/\([^)]*\)/, '(...)')}`);
    assert.deepEqual(gist(fromJson), gist(fromJson0));
    assert.equal(fromJson.warnings.length, 2);
  });

  it('reads several neighbours from a list of one-key objects (json)', () => {
    const text = readFileSync(fixture('lldp', 'json', 'web-1.out'), 'utf8');
    assert.ok(Array.isArray(JSON.parse(text).lldp.interface), 'lldpd printed a list here');
    const { data } = parse('web-1.json', text);
    assert.deepEqual(
      data.links.map((l) => [l.localPort, l.neighbour.name, l.neighbour.port]),
      [
        ['eth0', 'sw-a', 'swp1'],
        ['eth1', 'sw-b', 'swp1'],
      ],
    );
  });

  it('reads a single neighbour printed as a bare object (json)', () => {
    const text = readFileSync(fixture('lldp', 'json', 'web-2.out'), 'utf8');
    const raw = JSON.parse(text).lldp.interface;
    assert.ok(!Array.isArray(raw) && Object.keys(raw).join() === 'eth0', 'lldpd printed a bare object here');
    const { data } = parse('web-2.json', text);
    assert.equal(data.links.length, 1);
    assert.equal(data.links[0]?.localPort, 'eth0');
    assert.equal(data.links[0]?.neighbour.name, 'sw-a');
    assert.equal(data.links[0]?.path, '$.lldp.interface.eth0.chassis.sw-a');
  });

  it('reads zero neighbours: no interface key at all', () => {
    for (const format of ['json', 'json0']) {
      const text = readFileSync(fixture('lldp', format, 'lonely-1.out'), 'utf8');
      assert.doesNotMatch(text, /interface/, `lldpd printed no interface key in ${format}`);
      const result = parse('lonely-1.json', text);
      assert.deepEqual(result.data.links, []);
      assert.deepEqual(result.warnings, []);
    }
  });

  it('reads a management address given as a string and as a list', () => {
    const text = readFileSync(fixture('lldp', 'json', 'web-1.out'), 'utf8');
    const raw = JSON.parse(text).lldp.interface;
    assert.equal(typeof raw[0].eth0.chassis['sw-a']['mgmt-ip'], 'string');
    assert.ok(Array.isArray(raw[1].eth1.chassis['sw-b']['mgmt-ip']));
    const { data } = parse('web-1.json', text);
    assert.deepEqual(data.links[0]?.neighbour.mgmtAddresses, ['192.0.2.11']);
    assert.deepEqual(data.links[1]?.neighbour.mgmtAddresses, ['192.0.2.12', '2001:db8::12']);
  });

  it('reports two switches advertising one chassis id instead of merging them', () => {
    const { hosts } = readDir(fixture('lldp', 'json'));
    const topology = deriveLldpTopology(hosts);
    const shared = topology.warnings.filter((w) => /share one chassis id/.test(w.message));
    assert.equal(shared.length, 1, topology.warnings.map((w) => w.message).join('\n'));
    assert.match(shared[0]?.message ?? '', /"sw-a".*"sw-c"|"sw-c".*"sw-a"/);
    assert.match(shared[0]?.message ?? '', /02:00:5e:00:0a:01/);
    assert.match(shared[0]?.path ?? '', /^\$\.lldp\.interface.*\.id$/);
    assert.ok(deviceOf(topology, 'sw-a') && deviceOf(topology, 'sw-c'), 'both switches are kept');
  });

  it("takes a switch's own LLDP file in the directory without making a cycle", async () => {
    const { hosts } = readDir(fixture('lldp', 'json'));
    const switchView = parse(
      'sw-a.json',
      readFileSync(fixture('lldp', 'switch', 'sw-a.json.out'), 'utf8'),
    ).data;
    assert.equal(switchView.links.length, 2, 'sw-a saw both web hosts');
    const topology = deriveLldpTopology([...hosts, switchView]);
    assert.deepEqual(deviceOf(topology, 'sw-a').parents, []);
    await assertLabTopology(topology, 'with-switch-file');
    const sw0 = parse('sw-a.json', readFileSync(fixture('lldp', 'switch', 'sw-a.json0.out'), 'utf8')).data;
    assert.deepEqual(
      sw0.links,
      switchView.links.map((l, i) => ({ ...l, path: `$.lldp[0].interface[${i}].chassis[0]` })),
    );
  });
});

describe('LLDP import of unusable data', () => {
  const webTwo = () => readFileSync(fixture('lldp', 'json', 'web-2.out'), 'utf8');

  it('skips a neighbour without a system name, naming the file and JSON path', () => {
    // A chassis with no name has nothing to be keyed by: its fields sit under "chassis".
    const raw = JSON.parse(webTwo());
    raw.lldp.interface.eth0.chassis = raw.lldp.interface.eth0.chassis['sw-a'];
    const result = parse('lldp/web-2.json', JSON.stringify(raw));
    assert.equal(result.data.links[0]?.neighbour.name, undefined);
    assert.equal(result.data.links[0]?.neighbour.chassisId, '02:00:5e:00:0a:01');
    const topology = deriveLldpTopology([result.data]);
    assert.deepEqual(deviceOf(topology, 'web-2').parents, []);
    assert.deepEqual(
      topology.warnings.map((w) => `${w.file}: ${w.path}: ${w.message}`),
      ['lldp/web-2.json: $.lldp.interface.eth0.chassis: neighbour has no system name; link skipped'],
    );
  });

  it('refuses truncated, empty and non-LLDP files with the file named', () => {
    const text = webTwo();
    for (const cut of [1, 100, Math.floor(text.length / 2), text.length - 3]) {
      const result = parseLldpJson('lldp/web-2.json', 'web-2', text.slice(0, cut));
      assert.ok(!result.ok);
      assert.equal(result.error.file, 'lldp/web-2.json');
      assert.match(result.error.message, /truncated/, `cut at ${cut}`);
    }
    const empty = parseLldpJson('lldp/empty.json', 'empty', '\n');
    assert.ok(!empty.ok && /empty/.test(empty.error.message));
    for (const other of ['{"hosts": []}', '[1, 2]', '"lldp"', 'interface: eth0']) {
      const result = parseLldpJson('lldp/other.json', 'other', other);
      assert.ok(!result.ok, other);
      assert.equal(result.error.file, 'lldp/other.json');
      assert.match(result.error.message, /not LLDP data|not valid JSON/);
    }
  });
});

describe('vigil topology import-lldp', () => {
  it('writes configuration that check-config accepts, warning about bad files but going on', async () => {
    const dir = path.join(tmp, 'mixed');
    mkdirSync(dir);
    for (const name of readdirSync(fixture('lldp', 'json'))) {
      writeFileSync(
        path.join(dir, name.replace(/\.out$/, '.json')),
        readFileSync(fixture('lldp', 'json', name)),
      );
    }
    writeFileSync(
      path.join(dir, 'cut.json'),
      readFileSync(fixture('lldp', 'json', 'web-1.out'), 'utf8').slice(0, 200),
    );
    writeFileSync(path.join(dir, 'empty.json'), '');
    const out = path.join(tmp, 'imported.yml');
    const run = await vigil(['topology', 'import-lldp', dir, '-o', out]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(`${path.join(dir, 'cut.json')}: JSON ends early \\(truncated file\\?\\)`),
    );
    assert.match(run.stderr, new RegExp(`${path.join(dir, 'empty.json')}: file is empty`));
    assert.match(run.stderr, /share one chassis id/);
    assert.match(run.stderr, /imported 4 of 6 files/);
    const written = readFileSync(out, 'utf8');
    assert.match(written, /^# Generated by `vigil topology import-lldp` from 4 LLDP files in /);
    const check = await vigil(['check-config', '-c', out]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /configuration OK: 7 hosts, 4 services/);
  });

  it('reports progress through a large directory', async () => {
    const dir = path.join(tmp, 'large');
    mkdirSync(dir);
    const text = readFileSync(fixture('lldp', 'json', 'lonely-1.out'), 'utf8');
    for (let i = 0; i < 260; i++) writeFileSync(path.join(dir, `host-${i}.json`), text);
    const run = await vigil(['topology', 'import-lldp', dir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /reading LLDP files: 250 of 260/);
    assert.match(run.stderr, /imported 260 of 260 files/);
    assert.match(run.stdout, /name: host-259/);
  });

  it('fails when nothing could be imported', async () => {
    const dir = path.join(tmp, 'bad');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'web-1.json'), '{"lldp": {"interface": [');
    const run = await vigil(['topology', 'import-lldp', dir]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /web-1\.json: JSON ends early/);
    assert.match(run.stderr, /vigil: nothing imported: none of the 1 \.json files/);
    const missing = await vigil(['topology', 'import-lldp', path.join(tmp, 'no-such-dir')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^vigil: cannot read directory .*no-such-dir/);
  });
});

describe('LLDP import from a live lldpd network', () => {
  const unavailable = lldpdUnavailable();
  let lab: LldpLab | undefined;
  let captured: Record<string, LldpCapture> = {};
  before(async () => {
    if (unavailable) return;
    lab = await startLldpLab();
    captured = lab.capture();
  });
  after(async () => {
    await lab?.stop();
  });

  for (const format of ['json', 'json0'] as const) {
    it(`derives the lab topology from lldpctl -f ${format} output just captured`, {
      skip: unavailable,
    }, async () => {
      const hosts = ['web-1', 'web-2', 'db-1', 'lonely-1'].map(
        (name) => parse(`live/${name}.json`, captured[name]?.[format] ?? '').data,
      );
      const topology = deriveLldpTopology(hosts);
      await assertLabTopology(topology, `live-${format}`);
      // The committed fixtures still describe what lldpd prints.
      const fromFixtures = deriveLldpTopology(readDir(fixture('lldp', format)).hosts);
      assert.equal(lldpTopologyYaml(topology, 'x'), lldpTopologyYaml(fromFixtures, 'x'));
    });
  }
});
