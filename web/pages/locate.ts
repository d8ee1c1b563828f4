import type { Daemon } from '../../src/api/daemon.ts';
import { objectHref } from '../format.ts';
import { type Html, html } from '../html.ts';
import { type PageContext, renderPage } from '../layout.ts';
import { matchingHosts } from './hosts.ts';

// "Where is this machine?": room, cabinet, rack unit and out-of-band address, from the
// configuration, for the person walking to the data centre.

const SHOWN = 50;

export function locatePage(context: PageContext, daemon: Daemon, query: string): Html {
  const hosts = daemon.engine.currentModel.hosts;
  const exact = hosts.get(query.trim());
  const matches = query.trim() ? (exact ? [exact] : matchingHosts(hosts.values(), query)) : [];
  const main = html`<h1>Locate a machine</h1>
<form class="search" method="get" action="/locate" role="search">
<label for="locate-q">Host</label>
<input id="locate-q" name="q" type="search" value="${query}" placeholder="host name or address" autofocus data-search>
<button type="submit">Locate</button>
</form>
${
  query.trim() && matches.length === 0
    ? html`<p class="error">No host matches <q>${query}</q>.</p>`
    : html`<table class="grid locate"><thead><tr><th scope="col">Host</th><th scope="col">Address</th><th scope="col">Site</th><th scope="col">Room</th><th scope="col">Cabinet</th><th scope="col">Rack unit</th><th scope="col">Out-of-band</th><th scope="col">Notes</th></tr></thead>
<tbody>${matches.slice(0, SHOWN).map((host) => {
        const l = host.location;
        return html`<tr><th scope="row"><a href="${objectHref(host.id)}">${host.name}</a></th><td>${host.address}</td><td>${l.site ?? '—'}</td><td>${l.room ?? '—'}</td><td>${l.cabinet ?? '—'}</td><td>${l.rackUnit ?? '—'}</td><td>${l.oob ?? '—'}</td><td>${l.notes ?? ''}</td></tr>`;
      })}</tbody></table>
${matches.length > SHOWN ? html`<p class="more">${matches.length - SHOWN} more; search more precisely.</p>` : ''}`
}`;
  return renderPage(context, { title: 'Locate', section: 'locate', main });
}
