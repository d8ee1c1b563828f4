import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type LayoutInput, layoutTopology } from '../../web/topology-layout.ts';

/** Random parent graphs without loops: each host may name any earlier host as a parent. */
const graphs = fc
  .array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 0, maxLength: 60 })
  .map((parentPicks) =>
    parentPicks.map(
      (picks, i): LayoutInput => ({
        id: `h${String(i).padStart(3, '0')}`,
        parents: i === 0 ? [] : picks.map((p) => `h${String(p % i).padStart(3, '0')}`),
      }),
    ),
  );

test('layout: nodes of a layer never overlap, every edge points down, parents are drawn', () => {
  fc.assert(
    fc.property(graphs, fc.integer({ min: 1, max: 12 }), (input, perRow) => {
      const layout = layoutTopology(input, {
        nodeWidth: 100,
        nodeHeight: 30,
        perRow,
        gapX: 10,
        gapY: 8,
        layerGap: 40,
      });
      assert.equal(layout.nodes.length, input.length);
      const at = new Map(layout.nodes.map((n) => [n.id, n]));
      for (const a of layout.nodes)
        for (const b of layout.nodes) {
          if (a === b) continue;
          const apart =
            a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
          assert.ok(apart, `${a.id} overlaps ${b.id}`);
        }
      for (const edge of layout.edges) {
        const from = at.get(edge.from);
        const to = at.get(edge.to);
        assert.ok(from && to);
        assert.ok(from.layer < to.layer, `${edge.from} -> ${edge.to} does not go down`);
        assert.ok(from.y + from.height <= to.y, 'a lower layer is drawn below');
      }
      for (const node of input)
        for (const parent of new Set(node.parents))
          assert.ok(
            layout.edges.some((e) => e.from === parent && e.to === node.id),
            'every parent is drawn',
          );
      for (const node of layout.nodes) {
        assert.ok(node.x >= 0 && node.x + node.width <= layout.width + 1e-9);
        assert.ok(node.y >= 0 && node.y + node.height <= layout.height + 1e-9);
      }
    }),
  );
});

test('layout: the same hosts in any order give the same picture', () => {
  fc.assert(
    fc.property(
      graphs.chain((input) =>
        fc.tuple(fc.constant(input), fc.shuffledSubarray(input, { minLength: input.length })),
      ),
      ([input, shuffled]) => {
        assert.deepEqual(layoutTopology(shuffled), layoutTopology(input));
      },
    ),
  );
});

test('layout: core, then top-of-rack switches, then servers; unknown parents and loops do not break it', () => {
  const layout = layoutTopology([
    { id: 'web-1', parents: ['tor-a', 'tor-b'] },
    { id: 'tor-a', parents: ['core'] },
    { id: 'tor-b', parents: ['core'] },
    { id: 'core', parents: ['gone'] },
    { id: 'loop-1', parents: ['loop-2'] },
    { id: 'loop-2', parents: ['loop-1'] },
  ]);
  const layer = Object.fromEntries(layout.nodes.map((n) => [n.id, n.layer]));
  assert.equal(layer.core, 0);
  assert.equal(layer['tor-a'], 1);
  assert.equal(layer['web-1'], 2);
  assert.equal(layout.edges.filter((e) => e.to === 'web-1').length, 2);
  assert.equal(layout.edges.filter((e) => e.from.startsWith('loop')).length, 1);
});
