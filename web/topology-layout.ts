// Where each host sits in the drawn topology: layered by depth in the parent graph (core
// switches on top, top-of-rack switches below them, servers below those), so every edge
// points down. Pure and deterministic: the same hosts give the same picture whatever
// order they come in, so the page does not jump between refreshes.

export interface LayoutInput {
  id: string;
  /** Hosts this one is reached through; ids not among the input are ignored. */
  parents: readonly string[];
}

export interface PlacedNode {
  id: string;
  /** 0 for hosts without (drawn) parents; otherwise one more than the deepest parent. */
  layer: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface LayoutEdge {
  /** The parent (upper) end. */
  from: string;
  to: string;
}

export interface Layout {
  nodes: PlacedNode[];
  edges: LayoutEdge[];
  width: number;
  height: number;
}

export interface LayoutOptions {
  nodeWidth: number;
  nodeHeight: number;
  /** A wider layer wraps onto further rows of its own band. */
  perRow: number;
  gapX: number;
  gapY: number;
  layerGap: number;
}

export const DEFAULT_LAYOUT: LayoutOptions = {
  nodeWidth: 150,
  nodeHeight: 40,
  perRow: 10,
  gapX: 14,
  gapY: 16,
  layerGap: 56,
};

export function layoutTopology(
  input: readonly LayoutInput[],
  options: LayoutOptions = DEFAULT_LAYOUT,
): Layout {
  const byId = new Map<string, LayoutInput>();
  for (const node of [...input].sort((a, b) => compare(a.id, b.id)))
    if (!byId.has(node.id)) byId.set(node.id, node);
  const parentsOf = new Map<string, string[]>();
  for (const [id, node] of byId)
    parentsOf.set(id, [...new Set(node.parents)].filter((p) => p !== id && byId.has(p)).sort(compare));

  const layerOf = depths(parentsOf);
  const layers: string[][] = [];
  for (const [id, layer] of layerOf) (layers[layer] ??= []).push(id);

  // Within a layer, hosts sit under the average position of their parents (then by name):
  // a top-of-rack switch's servers gather below it.
  const position = new Map<string, number>();
  const ordered = layers.map((ids) => {
    const weight = (id: string) => {
      const parents = parentsOf.get(id) as string[];
      if (parents.length === 0) return 0;
      return parents.reduce((sum, p) => sum + (position.get(p) ?? 0), 0) / parents.length;
    };
    const sorted = ids
      .map((id) => ({ id, weight: weight(id) }))
      .sort((a, b) => a.weight - b.weight || compare(a.id, b.id))
      .map((n) => n.id);
    sorted.forEach((id, i) => position.set(id, i));
    return sorted;
  });

  const { nodeWidth, nodeHeight, perRow, gapX, gapY, layerGap } = options;
  const columns = Math.max(1, Math.min(perRow, Math.max(0, ...ordered.map((ids) => ids.length))));
  const width = columns * nodeWidth + (columns - 1) * gapX;
  const nodes: PlacedNode[] = [];
  let y = 0;
  for (const [layer, ids] of ordered.entries()) {
    const rows = Math.ceil(ids.length / perRow);
    for (let row = 0; row < rows; row++) {
      const inRow = ids.slice(row * perRow, (row + 1) * perRow);
      const rowWidth = inRow.length * nodeWidth + (inRow.length - 1) * gapX;
      const left = (width - rowWidth) / 2;
      inRow.forEach((id, i) => {
        nodes.push({ id, layer, x: left + i * (nodeWidth + gapX), y, width: nodeWidth, height: nodeHeight });
      });
      y += nodeHeight + (row < rows - 1 ? gapY : 0);
    }
    y += layerGap;
  }
  // An edge that would point up can only close a loop; it is left out rather than drawn wrong.
  const edges: LayoutEdge[] = [];
  for (const node of nodes)
    for (const parent of parentsOf.get(node.id) as string[])
      if ((layerOf.get(parent) as number) < node.layer) edges.push({ from: parent, to: node.id });
  return { nodes, edges, width, height: Math.max(0, y - layerGap) };
}

/** Longest path from a parentless host; a loop (refused by the config loader) is cut where it closes. */
function depths(parentsOf: Map<string, string[]>): Map<string, number> {
  const depth = new Map<string, number>();
  const onPath = new Set<string>();
  for (const start of parentsOf.keys()) {
    if (depth.has(start)) continue;
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    onPath.add(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { id: string; next: number };
      const parents = parentsOf.get(top.id) as string[];
      if (top.next < parents.length) {
        const parent = parents[top.next++] as string;
        if (!depth.has(parent) && !onPath.has(parent)) {
          onPath.add(parent);
          stack.push({ id: parent, next: 0 });
        }
        continue;
      }
      let d = 0;
      for (const parent of parents) {
        const pd = depth.get(parent);
        if (pd !== undefined) d = Math.max(d, pd + 1);
      }
      depth.set(top.id, d);
      onPath.delete(top.id);
      stack.pop();
    }
  }
  return depth;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
