// Components in the configuration (members, nesting, errors with file:line) and the rule
// that turns member health into a status.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { componentStatus, type HealthCounts } from '../../src/availability/component-status.ts';
import { parseConfigText } from '../../src/config/load.ts';
import { resolveModel } from '../../src/config/resolve.ts';
import { modelFromYaml } from '../helpers/model.ts';

const OBJECTS = `
host_groups:
  web: {}
hosts:
  - name: web-1
    groups: [web]
    services: [{ name: http, check: { kind: dummy } }]
  - name: web-2
    groups: [web]
    services: [{ name: http, check: { kind: dummy }, tags: [public] }]
  - name: db-1
    tags: [database]
`;

function errorsOf(yaml: string): string[] {
  const parsed = parseConfigText('components.yml', yaml);
  if ('errors' in parsed) return parsed.errors.map((e) => `${e.file}:${e.line}: ${e.message}`);
  const resolved = resolveModel([parsed], '/tmp');
  return resolved.ok ? [] : resolved.errors.map((e) => `${e.file}:${e.line}: ${e.message}`);
}

test('components gather services, hosts, host groups and tags; a parent includes its parts', () => {
  const model = modelFromYaml(`${OBJECTS}
components:
  Basecamp:
    target: 99.99
    match: { host_groups: [web] }
  Basecamp API:
    parent: Basecamp
    match: { services: [web-1/http], tags: [public, database] }
    status: { degraded_up_to: 25, major_from: 50, warning: ignore }
    partial_weight: 0.3
`);
  const product = model.components.get('Basecamp');
  const api = model.components.get('Basecamp API');
  assert.ok(product && api);
  assert.deepEqual(api.members, ['db-1', 'web-1/http', 'web-2/http']);
  assert.deepEqual(product.members, ['db-1', 'web-1', 'web-1/http', 'web-2', 'web-2/http']);
  assert.deepEqual(product.children, ['Basecamp API']);
  assert.equal(product.targetPercent, 99.99);
  assert.equal(product.partialWeight, 0.5, 'default partial weight');
  assert.equal(product.degradedWeight, 0);
  assert.deepEqual(api.rule, { degradedUpToPercent: 25, majorFromPercent: 50, warningDegrades: false });
  assert.equal(api.partialWeight, 0.3);
});

test('wrong references, parent loops and bad numbers are errors with file and line', () => {
  const errors = errorsOf(`${OBJECTS}
components:
  A:
    parent: B
    match: { services: [web-1/ftp], hosts: [nowhere] }
  B:
    parent: A
    match: { tags: [nothing-has-this], host_groups: [no-group] }
  C:
    parent: missing
    match: { hosts: [db-1] }
    status: { degraded_up_to: 60, major_from: 50 }
`);
  const text = errors.join('\n');
  assert.match(text, /components\.yml:15: component "A": service "web-1\/ftp" is not defined/);
  assert.match(text, /components\.yml:15: component "A": host "nowhere" is not defined/);
  assert.match(text, /components\.yml:18: component "B": no host or service has the tag "nothing-has-this"/);
  assert.match(text, /component "B": host group "no-group" is not defined/);
  assert.match(text, /component "A": parents loop: A -> B -> A/);
  assert.match(text, /components\.yml:21: component "C": parent "missing" is not a defined component/);
  assert.match(text, /component "C": status.degraded_up_to \(60\) must be below status.major_from \(50\)/);

  const shape = errorsOf(`${OBJECTS}
components:
  D:
    match: { hosts: [db-1] }
    partial_weight: 2
    target: 100
`);
  assert.match(shape.join('\n'), /components\.D\.partial_weight: is a weight from 0 to 1/);
  assert.match(shape.join('\n'), /components\.D\.target: is a percentage below 100/);
});

test('the status rule: degraded, partial and major outage by failing share', () => {
  const rule = { degradedUpToPercent: 25, majorFromPercent: 75, warningDegrades: true };
  const counts = (ok: number, warning: number, failing: number, unknown = 0): HealthCounts => ({
    ok,
    warning,
    failing,
    unknown,
  });
  assert.equal(componentStatus(rule, counts(4, 0, 0)), 'operational');
  assert.equal(componentStatus(rule, counts(3, 1, 0)), 'degraded');
  assert.equal(componentStatus({ ...rule, warningDegrades: false }, counts(3, 1, 0)), 'operational');
  assert.equal(componentStatus(rule, counts(3, 0, 1)), 'degraded', '25 % failing');
  assert.equal(componentStatus(rule, counts(2, 0, 2)), 'partial_outage');
  assert.equal(componentStatus(rule, counts(1, 0, 3)), 'major_outage', '75 % failing');
  assert.equal(componentStatus(rule, counts(0, 0, 0, 4)), 'unknown');
  assert.equal(
    componentStatus(rule, counts(1, 0, 1, 2)),
    'partial_outage',
    'unknown members are not counted',
  );

  // With the defaults (0 %, 100 %): some failing is partial, all failing is major.
  const defaults = { degradedUpToPercent: 0, majorFromPercent: 100, warningDegrades: true };
  fc.assert(
    fc.property(fc.nat(20), fc.nat(20), fc.integer({ min: 1, max: 20 }), (ok, warning, failing) => {
      const status = componentStatus(defaults, counts(ok, warning, failing));
      assert.equal(status, ok + warning === 0 ? 'major_outage' : 'partial_outage');
    }),
  );
});
