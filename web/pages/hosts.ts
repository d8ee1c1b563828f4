import type { Daemon } from '../../src/api/daemon.ts';
import type { Host } from '../../src/model/types.ts';
import { locationText, objectHref, pageNumber, pager, shownState, stateBadge } from '../format.ts';
import { type Html, html } from '../html.ts';
import { type PageContext, renderPage } from '../layout.ts';
import { servicesOf } from '../model-index.ts';

// Every host, searchable, one page at a time: with tens of thousands of objects the page
// never renders more than HOSTS_PER_PAGE rows.

export const HOSTS_PER_PAGE = 100;

/** Hosts whose name, display name, address, tags, groups or location contain the words searched. */
export function matchingHosts(hosts: Iterable<Host>, query: string): Host[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const matches: Host[] = [];
  for (const host of hosts) {
    if (words.length === 0) {
      matches.push(host);
      continue;
    }
    const haystack = [
      host.name,
      host.displayName,
      host.address,
      ...host.tags,
      ...host.groups,
      locationText(host.location),
      host.location.oob ?? '',
    ]
      .join(' ')
      .toLowerCase();
    if (words.every((w) => haystack.includes(w))) matches.push(host);
  }
  return matches.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function hostsPage(
  context: PageContext,
  daemon: Daemon,
  query: string,
  pageText: string | undefined,
): Html {
  const model = daemon.engine.currentModel;
  const matches = matchingHosts(model.hosts.values(), query);
  const pages = Math.max(1, Math.ceil(matches.length / HOSTS_PER_PAGE));
  const page = Math.min(pageNumber(pageText), pages);
  const shown = matches.slice((page - 1) * HOSTS_PER_PAGE, page * HOSTS_PER_PAGE);
  const rows = shown.map((host) => {
    const services = servicesOf(model, host.id);
    let failing = 0;
    for (const service of services) {
      const s = daemon.engine.stateOf(service.id);
      if (s && s.state !== 0) failing++;
    }
    return html`<tr>
<td>${stateBadge(shownState(model, host.id, daemon.engine.stateOf(host.id)))}</td>
<th scope="row"><a href="${objectHref(host.id)}">${host.name}</a>${host.displayName !== host.name ? html` <small>${host.displayName}</small>` : ''}</th>
<td>${host.address}</td>
<td>${services.length}${failing ? html` <span class="badge bad">${failing} not OK</span>` : ''}</td>
<td>${locationText(host.location)}</td>
</tr>`;
  });
  const main = html`<h1>Hosts</h1>
<form class="search" method="get" action="/hosts" role="search">
<label for="host-search">Search</label>
<input id="host-search" name="q" type="search" value="${query}" placeholder="name, address, tag, room…" data-search>
<button type="submit">Search</button>
</form>
<p class="summary">${matches.length} ${matches.length === 1 ? 'host' : 'hosts'}${query ? html` matching <q>${query}</q>` : ''}</p>
<table class="grid hosts"><thead><tr><th scope="col">State</th><th scope="col">Host</th><th scope="col">Address</th><th scope="col">Services</th><th scope="col">Location</th></tr></thead>
<tbody>${rows}</tbody></table>
${pager('/hosts', query ? { q: query } : {}, page, pages)}`;
  return renderPage(context, { title: 'Hosts', section: 'hosts', main });
}
