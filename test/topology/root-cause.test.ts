import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { HOST_FAILING, maskOf } from '../../src/model/state-codes.ts';
import { compileTopology, type RequirementSpec, type TopologyGraph } from '../../src/topology/graph.ts';
import { impactOf } from '../../src/topology/impact.ts';
import {
  type Analysis,
  analyse,
  emptyStates,
  type TopologyStates,
  topologicalPositions,
  updateAnalysis,
  Verdict,
} from '../../src/topology/root-cause.ts';

const ANY_FAILURE = maskOf(1, 2, 3);

function graphOf(objects: string[], requirements: Record<string, RequirementSpec[]>): TopologyGraph {
  const compiled = compileTopology({ objects, requirements: new Map(Object.entries(requirements)) });
  if (!compiled.ok) throw new Error(compiled.errors.map((e) => e.message).join('\n'));
  return compiled.graph;
}

function statesOf(
  graph: TopologyGraph,
  failing: Record<string, { state: number; hard?: boolean }>,
): TopologyStates {
  const states = emptyStates(graph);
  for (const [id, s] of Object.entries(failing)) {
    const i = graph.index.get(id) as number;
    states.state[i] = s.state;
    states.hard[i] = s.hard === false ? 0 : 1;
  }
  return states;
}

const parents = (...members: string[]): RequirementSpec => ({
  members,
  minUp: 1,
  failing: HOST_FAILING,
  label: 'has parent',
});
const onHost = (host: string): RequirementSpec => ({
  members: [host],
  minUp: 1,
  failing: HOST_FAILING,
  label: 'runs on',
});

/** core -> tor-a, tor-b -> web-1 (dual-homed), web-2 (tor-a only); services on each web host. */
function rack(): TopologyGraph {
  return graphOf(['core', 'tor-a', 'tor-b', 'web-1', 'web-2', 'web-1/http', 'web-2/http', 'tor-a/port-1'], {
    'tor-a': [parents('core')],
    'tor-b': [parents('core')],
    'web-1': [parents('tor-a', 'tor-b')],
    'web-2': [parents('tor-a')],
    'web-1/http': [onHost('web-1')],
    'web-2/http': [onHost('web-2')],
    // The switch port web-1 is plugged into: on the switch, and part of web-1's problem when web-1 is down.
    'tor-a/port-1': [
      onHost('tor-a'),
      { members: ['web-1'], minUp: 1, failing: HOST_FAILING, label: 'attached to' },
    ],
  });
}

function verdictOf(
  graph: TopologyGraph,
  analysis: Analysis,
  id: string,
): { verdict: number; causes: string[] } {
  const i = graph.index.get(id) as number;
  return {
    verdict: analysis.verdict[i] as number,
    causes: Array.from(analysis.causes[i] as Int32Array, (c) => graph.ids[c] as string),
  };
}

test('a dead top-of-rack switch is the one root cause of everything behind it', () => {
  const graph = rack();
  const analysis = analyse(
    graph,
    statesOf(graph, {
      'tor-a': { state: 2 },
      'web-2': { state: 2 },
      'web-2/http': { state: 2 },
      'tor-a/port-1': { state: 2 },
    }),
  );
  assert.deepEqual(verdictOf(graph, analysis, 'tor-a'), { verdict: Verdict.ROOT, causes: [] });
  assert.deepEqual(verdictOf(graph, analysis, 'web-2'), { verdict: Verdict.EXPLAINED, causes: ['tor-a'] });
  assert.deepEqual(verdictOf(graph, analysis, 'web-2/http'), {
    verdict: Verdict.EXPLAINED,
    causes: ['tor-a'],
  });
  assert.deepEqual(verdictOf(graph, analysis, 'tor-a/port-1'), {
    verdict: Verdict.EXPLAINED,
    causes: ['tor-a'],
  });
  // web-1 still has tor-b: not unreachable, but it lost redundancy.
  const web1 = graph.index.get('web-1') as number;
  assert.equal(analysis.verdict[web1], Verdict.OK);
  assert.deepEqual(
    Array.from(analysis.degraded[web1] as Int32Array, (i) => graph.ids[i]),
    ['tor-a'],
  );
});

test('a rebooting dual-homed host explains its own switch-port alerts', () => {
  const graph = rack();
  const analysis = analyse(
    graph,
    statesOf(graph, { 'web-1': { state: 2 }, 'web-1/http': { state: 2 }, 'tor-a/port-1': { state: 2 } }),
  );
  assert.equal(verdictOf(graph, analysis, 'web-1').verdict, Verdict.ROOT);
  assert.deepEqual(verdictOf(graph, analysis, 'tor-a/port-1'), {
    verdict: Verdict.EXPLAINED,
    causes: ['web-1'],
  });
  assert.deepEqual(verdictOf(graph, analysis, 'web-1/http'), {
    verdict: Verdict.EXPLAINED,
    causes: ['web-1'],
  });
});

test('a port down while its host is up on the other link is its own problem', () => {
  const graph = rack();
  const analysis = analyse(graph, statesOf(graph, { 'tor-a/port-1': { state: 2 } }));
  assert.equal(verdictOf(graph, analysis, 'tor-a/port-1').verdict, Verdict.ROOT);
});

test('children failing before their parent is confirmed are held, not notified', () => {
  const graph = rack();
  const racing = analyse(
    graph,
    statesOf(graph, {
      'tor-a': { state: 2, hard: false },
      'web-2': { state: 2 },
      'web-2/http': { state: 2 },
    }),
  );
  assert.equal(verdictOf(graph, racing, 'web-2').verdict, Verdict.HELD);
  assert.equal(verdictOf(graph, racing, 'web-2/http').verdict, Verdict.HELD);
  const parentRecovered = analyse(
    graph,
    statesOf(graph, { 'web-2': { state: 2 }, 'web-2/http': { state: 2 } }),
  );
  assert.equal(
    verdictOf(graph, parentRecovered, 'web-2').verdict,
    Verdict.ROOT,
    'still failing with its parent up: its own root cause',
  );
});

test('Nagios parents: any parent UP means a failing host is its own problem', () => {
  const graph = rack();
  const analysis = analyse(graph, statesOf(graph, { 'tor-a': { state: 2 }, 'web-1': { state: 2 } }));
  assert.equal(verdictOf(graph, analysis, 'web-1').verdict, Verdict.ROOT);
});

test('cycles, self-references and unknown members are refused', () => {
  const cycle = compileTopology({
    objects: ['a', 'b', 'c'],
    requirements: new Map([
      ['a', [parents('b')]],
      ['b', [parents('c')]],
      ['c', [parents('a')]],
    ]),
  });
  assert.equal(cycle.ok, false);
  if (!cycle.ok)
    assert.match(
      cycle.errors[0]?.message ?? '',
      /dependencies form a loop: (a -> b -> c -> a|b -> c -> a -> b|c -> a -> b -> c)/,
    );
  const self = compileTopology({ objects: ['a'], requirements: new Map([['a', [parents('a')]]]) });
  assert.equal(self.ok, false);
  const unknown = compileTopology({ objects: ['a'], requirements: new Map([['a', [parents('ghost')]]]) });
  assert.equal(unknown.ok, false);
  if (!unknown.ok)
    assert.match(
      unknown.errors[0]?.message ?? '',
      /"a" has parent "ghost", which is not a known host or service/,
    );
});

test('impact: what a switch failure would take down and what would only lose redundancy', () => {
  const graph = rack();
  const impact = impactOf(graph, [graph.index.get('tor-a') as number]);
  assert.deepEqual(impact.failing.map((i) => graph.ids[i]).sort(), ['tor-a/port-1', 'web-2', 'web-2/http']);
  assert.deepEqual(
    impact.degraded.map((i) => graph.ids[i]),
    ['web-1'],
  );
});

// Random DAGs: each object may require groups of earlier objects, K of N.
const topologyArbitrary = fc.integer({ min: 1, max: 30 }).chain((count) =>
  fc.record({
    count: fc.constant(count),
    groups: fc.array(
      fc.array(
        fc.record({
          members: fc.uniqueArray(fc.nat({ max: count - 1 }), { minLength: 1, maxLength: 4 }),
          minUp: fc.integer({ min: 1, max: 4 }),
        }),
        { maxLength: 3 },
      ),
      { minLength: count, maxLength: count },
    ),
    states: fc.array(fc.record({ state: fc.integer({ min: 0, max: 2 }), hard: fc.boolean() }), {
      minLength: count,
      maxLength: count,
    }),
  }),
);

function randomGraph(count: number, groups: { members: number[]; minUp: number }[][]): TopologyGraph {
  const ids = Array.from({ length: count }, (_, i) => `o${i}`);
  const requirements = new Map<string, RequirementSpec[]>();
  groups.forEach((objectGroups, i) => {
    // Members only from earlier objects: a DAG by construction.
    const specs = objectGroups
      .map((g) => ({
        members: g.members.filter((m) => m < i).map((m) => `o${m}`),
        minUp: g.minUp,
        failing: ANY_FAILURE,
        label: 'needs',
      }))
      .filter((g) => g.members.length > 0);
    if (specs.length > 0) requirements.set(`o${i}`, specs);
  });
  return graphOf(ids, Object.fromEntries(requirements));
}

function upstreamOf(graph: TopologyGraph, node: number): Set<number> {
  const seen = new Set<number>();
  const stack = [node];
  while (stack.length > 0) {
    const current = stack.pop() as number;
    for (const requirement of graph.requirements[current] ?? []) {
      for (const member of requirement.members) {
        if (!seen.has(member)) {
          seen.add(member);
          stack.push(member);
        }
      }
    }
  }
  return seen;
}

test('property: every hard problem is a root cause, explained by upstream root causes, or held', () => {
  fc.assert(
    fc.property(topologyArbitrary, ({ count, groups, states: raw }) => {
      const graph = randomGraph(count, groups);
      const states = emptyStates(graph);
      raw.forEach((s, i) => {
        states.state[i] = s.state;
        states.hard[i] = s.hard ? 1 : 0;
      });
      const analysis = analyse(graph, states);
      for (let i = 0; i < count; i++) {
        const problem = states.hard[i] === 1 && states.state[i] !== 0;
        const verdict = analysis.verdict[i];
        const unmet = (graph.requirements[i] ?? []).some((r) => {
          let available = 0;
          for (const m of r.members) if (states.state[m] === 0) available += 1;
          return available < r.minUp;
        });
        if (!problem) {
          assert.equal(verdict, Verdict.OK);
          continue;
        }
        if (verdict === Verdict.ROOT) assert.equal(unmet, false, 'a root cause has every requirement met');
        if (verdict === Verdict.EXPLAINED) {
          assert.ok(unmet, 'suppression never hides a failure whose requirements are up');
          const causes = analysis.causes[i] as Int32Array;
          assert.ok(causes.length > 0);
          const upstream = upstreamOf(graph, i);
          for (const cause of causes) {
            assert.equal(analysis.verdict[cause], Verdict.ROOT, 'causes are root causes');
            assert.ok(upstream.has(cause), 'causes are upstream');
          }
        }
        if (verdict === Verdict.HELD) assert.ok(unmet, 'only a failing requirement holds a verdict');
      }
    }),
    { numRuns: 300 },
  );
});

test('property: incremental updates give exactly the full recompute', () => {
  fc.assert(
    fc.property(
      topologyArbitrary,
      fc.array(fc.record({ node: fc.nat(), state: fc.integer({ min: 0, max: 2 }), hard: fc.boolean() }), {
        maxLength: 20,
      }),
      ({ count, groups, states: raw }, changes) => {
        const graph = randomGraph(count, groups);
        const states = emptyStates(graph);
        raw.forEach((s, i) => {
          states.state[i] = s.state;
          states.hard[i] = s.hard ? 1 : 0;
        });
        const live = analyse(graph, states);
        const positions = topologicalPositions(graph);
        for (const change of changes) {
          const node = change.node % count;
          states.state[node] = change.state;
          states.hard[node] = change.hard ? 1 : 0;
          updateAnalysis(graph, states, live, [node], positions);
        }
        const fresh = analyse(graph, states);
        assert.deepEqual(Array.from(live.verdict), Array.from(fresh.verdict));
        assert.deepEqual(
          live.causes.map((c) => Array.from(c)),
          fresh.causes.map((c) => Array.from(c)),
        );
        assert.deepEqual(
          live.degraded.map((c) => Array.from(c)),
          fresh.degraded.map((c) => Array.from(c)),
        );
      },
    ),
    { numRuns: 300 },
  );
});

test('property: impact lists exactly what an analysis explains by the failed object', () => {
  fc.assert(
    fc.property(topologyArbitrary, fc.nat(), ({ count, groups }, pick) => {
      const graph = randomGraph(count, groups);
      const failed = pick % count;
      const impact = impactOf(graph, [failed]);
      // Make the failed object and everything impact says would fail hard-failing: the
      // analysis must then explain every one of them by the failed object alone.
      const states = emptyStates(graph);
      states.state[failed] = 2;
      for (const node of impact.failing) states.state[node] = 2;
      const analysis = analyse(graph, states);
      assert.equal(analysis.verdict[failed], Verdict.ROOT);
      for (const node of impact.failing) {
        assert.equal(analysis.verdict[node], Verdict.EXPLAINED);
        assert.deepEqual(Array.from(analysis.causes[node] as Int32Array), [failed]);
      }
      for (const node of impact.degraded) assert.ok((analysis.degraded[node] as Int32Array).length > 0);
    }),
    { numRuns: 300 },
  );
});
