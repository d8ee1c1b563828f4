import type { Daemon } from '../../src/api/daemon.ts';
import type { LiveState } from '../../src/api/live-state.ts';
import type { Host } from '../../src/model/types.ts';
import { objectHref, shownState } from '../format.ts';
import { type Html, html } from '../html.ts';
import { type PageContext, renderPage } from '../layout.ts';
import { layoutTopology } from '../topology-layout.ts';

// The network as a picture: core switches on top, top-of-rack switches, then hosts, each
// coloured by its state, root causes outlined. Drawn as SVG on the server.

/** Beyond this many hosts the picture is unreadable; the page asks for a filter instead. */
export const MOST_NODES = 300;

export interface TopologyFilter {
  room: string;
  cabinet: string;
}

/** The hosts to draw: those in the room/cabinet asked for, with every host above them. */
export function hostsToDraw(hosts: ReadonlyMap<string, Host>, filter: TopologyFilter): Host[] {
  const picked = [...hosts.values()].filter(
    (h) =>
      (!filter.room || h.location.room === filter.room) &&
      (!filter.cabinet || h.location.cabinet === filter.cabinet),
  );
  if (!filter.room && !filter.cabinet) return picked;
  // Keep the path up to the core: a cabinet alone would lose what its hosts hang from.
  const chosen = new Map(picked.map((h) => [h.id, h]));
  const queue = [...picked];
  while (queue.length > 0) {
    for (const parent of (queue.pop() as Host).parents) {
      const host = hosts.get(parent);
      if (host && !chosen.has(parent)) {
        chosen.set(parent, host);
        queue.push(host);
      }
    }
  }
  return [...chosen.values()];
}

export function topologyPage(
  context: PageContext,
  daemon: Daemon,
  problems: LiveState,
  filter: TopologyFilter,
): Html {
  const model = daemon.engine.currentModel;
  const rooms = distinct([...model.hosts.values()].map((h) => h.location.room));
  const cabinets = distinct(
    [...model.hosts.values()]
      .filter((h) => !filter.room || h.location.room === filter.room)
      .map((h) => h.location.cabinet),
  );
  const hosts = hostsToDraw(model.hosts, filter);
  const roots = new Set(
    problems
      .problemGroups()
      .map((g) => g.cause)
      .filter((c) => c.service === null)
      .map((c) => c.object),
  );
  const select = (name: string, label: string, values: string[], current: string) =>
    html`<label for="topo-${name}">${label}</label>
<select id="topo-${name}" name="${name}" data-autosubmit><option value="">all</option>${values.map(
      (v) => html`<option value="${v}"${v === current ? html` selected` : ''}>${v}</option>`,
    )}</select>`;
  const form = html`<form class="filters" method="get" action="/topology">
${select('room', 'Room', rooms, filter.room)}
${select('cabinet', 'Cabinet', cabinets, filter.cabinet)}
<button type="submit">Show</button>
</form>`;
  let picture: Html;
  if (hosts.length === 0) picture = html`<p class="muted">No hosts match.</p>`;
  else if (hosts.length > MOST_NODES)
    picture = html`<p class="notice">${hosts.length} hosts match: too many to draw. Choose a room or a cabinet (at most ${MOST_NODES} hosts are drawn).</p>`;
  else picture = drawing(daemon, hosts, roots);
  const main = html`<h1>Topology</h1>
${form}
<p class="legend"><span class="state state-up">UP</span> <span class="state state-down">DOWN</span> <span class="state state-unreachable">UNREACHABLE</span> <span class="state state-pending">PENDING</span> <span class="badge root">root cause</span> outlined</p>
${picture}`;
  return renderPage(context, { title: 'Topology', section: 'topology', main });
}

function drawing(daemon: Daemon, hosts: Host[], roots: Set<string>): Html {
  const model = daemon.engine.currentModel;
  const layout = layoutTopology(hosts.map((h) => ({ id: h.id, parents: h.parents })));
  const at = new Map(layout.nodes.map((n) => [n.id, n]));
  const pad = 10;
  const edges = layout.edges.map((edge) => {
    const from = at.get(edge.from);
    const to = at.get(edge.to);
    if (!from || !to) return '';
    return html`<line class="edge" x1="${from.x + from.width / 2 + pad}" y1="${from.y + from.height + pad}" x2="${to.x + to.width / 2 + pad}" y2="${to.y + pad}"></line>`;
  });
  const nodes = layout.nodes.map((node) => {
    const name = shownState(model, node.id, daemon.engine.stateOf(node.id));
    const root = roots.has(node.id);
    const label = node.id.length > 20 ? `${node.id.slice(0, 19)}…` : node.id;
    return html`<a href="${objectHref(node.id)}" class="node${root ? ' root-cause' : ''}" data-object="${node.id}" data-state="${name}">
<title>${node.id}: ${name}${root ? ' (root cause)' : ''}</title>
<rect class="state-${name.toLowerCase()}" x="${node.x + pad}" y="${node.y + pad}" width="${node.width}" height="${node.height}" rx="5"></rect>
<text x="${node.x + pad + node.width / 2}" y="${node.y + pad + 17}" text-anchor="middle">${label}</text>
<text class="sub" x="${node.x + pad + node.width / 2}" y="${node.y + pad + 32}" text-anchor="middle">${name}${root ? ' · root cause' : ''}</text>
</a>`;
  });
  const width = layout.width + 2 * pad;
  const height = layout.height + 2 * pad;
  return html`<div class="topology-scroll"><svg class="topology" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="Network topology, ${layout.nodes.length} hosts">
<g class="edges">${edges}</g>
<g class="nodes">${nodes}</g>
</svg></div>`;
}

function distinct(values: (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => Boolean(v)))].sort();
}
