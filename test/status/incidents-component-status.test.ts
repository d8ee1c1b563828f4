// Component status and the time-to-first-post arithmetic, property-tested on generated inputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { MemberHealth } from '../../src/availability/component-status.ts';
import type { Component } from '../../src/model/types.ts';
import { componentStatuses, ownStatus, severityOf } from '../../src/status/component-status.ts';
import { firstPostReport, nearestRank } from '../../src/status/incidents/first-post-report.ts';

const ruleArb = fc
  .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 1, max: 100 }), fc.boolean())
  .filter(([degraded, major]) => degraded < major)
  .map(([degradedUpToPercent, majorFromPercent, warningDegrades]) => ({
    degradedUpToPercent,
    majorFromPercent,
    warningDegrades,
  }));

const healthArb = fc.constantFrom<MemberHealth>('ok', 'warning', 'failing', 'unknown');

function component(
  name: string,
  members: string[],
  rule: Component['rule'],
  extra: Partial<Component> = {},
): Component {
  return {
    name,
    description: '',
    children: [],
    members,
    rule,
    partialWeight: 0.5,
    degradedWeight: 0,
    source: { file: 'test', line: 1 },
    ...extra,
  };
}

describe('component status', () => {
  it('more failing members never improve the status', () => {
    fc.assert(
      fc.property(
        ruleArb,
        fc.array(healthArb, { minLength: 1, maxLength: 30 }),
        fc.nat(),
        (rule, health, pick) => {
          const members = health.map((_, i) => `m${i}`);
          const c = component('C', members, rule);
          const before = ownStatus(c, {
            health: (id) => health[Number(id.slice(1))] as MemberHealth,
            inMaintenance: () => false,
          });
          const worse = [...health];
          worse[pick % worse.length] = 'failing';
          const after = ownStatus(c, {
            health: (id) => worse[Number(id.slice(1))] as MemberHealth,
            inMaintenance: () => false,
          });
          assert.ok(severityOf(after) >= severityOf(before), `${before} -> ${after}`);
        },
      ),
    );
  });

  it('a parent is at least as bad as its worst child, whatever their rules', () => {
    fc.assert(
      fc.property(
        ruleArb,
        fc.array(fc.tuple(ruleArb, fc.array(healthArb, { minLength: 1, maxLength: 8 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (parentRule, children) => {
          const components = new Map<string, Component>();
          const health = new Map<string, MemberHealth>();
          const all: string[] = [];
          children.forEach(([rule, members], c) => {
            const ids = members.map((h, m) => {
              const id = `c${c}m${m}`;
              health.set(id, h);
              return id;
            });
            all.push(...ids);
            components.set(`child${c}`, component(`child${c}`, ids, rule, { parent: 'parent' }));
          });
          components.set(
            'parent',
            component('parent', all, parentRule, { children: [...components.keys()] }),
          );
          const statuses = componentStatuses(components, {
            health: (id) => health.get(id) ?? 'unknown',
            inMaintenance: () => false,
          });
          const parent = severityOf(statuses.get('parent') ?? 'operational');
          for (const name of components.keys())
            assert.ok(parent >= severityOf(statuses.get(name) ?? 'operational'));
        },
      ),
    );
  });

  it('planned work alone shows as under maintenance; an unplanned failure still shows', () => {
    const rule = { degradedUpToPercent: 0, majorFromPercent: 100, warningDegrades: true };
    const c = component('C', ['a', 'b'], rule);
    assert.equal(
      ownStatus(c, { health: (id) => (id === 'a' ? 'failing' : 'ok'), inMaintenance: (id) => id === 'a' }),
      'under_maintenance',
    );
    assert.equal(
      ownStatus(c, { health: () => 'failing', inMaintenance: (id) => id === 'a' }),
      'major_outage',
    );
    assert.equal(ownStatus(c, { health: () => 'ok', inMaintenance: () => false }), 'operational');
  });
});

describe('time to first post', () => {
  it('median, p90 and max are values of the data, ordered, and the late count matches the promise', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3_600_000 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 600_000 }),
        (waits, promise) => {
          const report = firstPostReport(
            waits.map((w, i) => ({ id: i + 1, startedAt: 0, publishedAt: w, firstPostMs: w })),
            promise,
          );
          assert.equal(report.incidents, waits.length);
          assert.equal(report.overPromise, waits.filter((w) => w > promise).length);
          if (waits.length === 0) return assert.equal(report.medianMs, null);
          assert.ok(waits.includes(report.medianMs as number));
          assert.ok((report.medianMs as number) <= (report.p90Ms as number));
          assert.equal(report.maxMs, Math.max(...waits));
          const sorted = [...waits].sort((a, b) => a - b);
          assert.ok(sorted.filter((w) => w <= (report.p90Ms as number)).length >= 0.9 * waits.length);
        },
      ),
    );
    assert.equal(nearestRank([1, 2, 3, 4], 0.5), 2);
  });
});
