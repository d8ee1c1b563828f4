import type { PublicComponent } from '../snapshot.ts';
import { escapeText } from './escape.ts';
import { renderIncidentItem, renderMaintenanceItem } from './incident-view.ts';
import { renderPage } from './layout.ts';
import type { SiteContext } from './site-context.ts';
import { renderUptimeBar } from './uptime-bars.ts';
import { HEADLINE, STATUS_CLASS, STATUS_LABEL } from './wording.ts';

// index.html: what customers come for during an outage, at the top, in this order: the
// headline, open incidents, maintenance in progress or coming, every component with its bar,
// then the last few resolved incidents (the rest are on the history pages: the page has to stay
// small and fast when everyone is looking at it).

export const RECENT_ON_HOME = 10;
const RECENT_WINDOW_MS = 14 * 86_400_000;
/** More open incidents than this go to the history pages (a page of 1,000 open incidents helps nobody). */
const OPEN_ON_HOME = 25;

function renderComponent(
  component: PublicComponent,
  children: readonly PublicComponent[],
  id: string,
): string {
  const childItems = children.length
    ? `\n<ul class="children">${children
        .map(
          (child) =>
            `<li class="${STATUS_CLASS[child.status]}"><div class="row"><span class="name">${escapeText(child.name)}</span><span class="status">${STATUS_LABEL[child.status]}</span></div>${renderUptimeBar(child)}</li>`,
        )
        .join('')}</ul>`
    : '';
  return `<li id="c-${id}" class="${STATUS_CLASS[component.status]}"><div class="row"><h3 class="name">${escapeText(component.name)}</h3><span class="status">${STATUS_LABEL[component.status]}</span></div>${
    component.description ? `<p class="desc">${escapeText(component.description)}</p>` : ''
  }
${renderUptimeBar(component)}${childItems}</li>`;
}

export function renderHomePage(context: SiteContext): string {
  const { snapshot } = context;
  const names = new Set(snapshot.components.map((c) => c.name));
  // Products (and components whose parent is unknown) at the top; their components listed under them.
  const tops = snapshot.components.filter((c) => c.parent === undefined || !names.has(c.parent));
  const childrenOf = (name: string) => snapshot.components.filter((c) => c.parent === name);
  const open = snapshot.incidents.filter((i) => i.resolvedAt === undefined);
  const recent = snapshot.incidents
    .filter(
      (i) => i.resolvedAt !== undefined && snapshot.generatedAt - (i.resolvedAt ?? 0) <= RECENT_WINDOW_MS,
    )
    .slice(0, RECENT_ON_HOME);
  const maintenance = snapshot.maintenance
    .filter((m) => m.state !== 'completed')
    .sort((a, b) => a.startsAt - b.startsAt);
  const sections: string[] = [
    `<h1 class="visually-hidden">Current status</h1>`,
    `<p class="headline ${STATUS_CLASS[snapshot.overall]}" role="status">${HEADLINE[snapshot.overall]}</p>`,
  ];
  if (open.length > 0) {
    const more =
      open.length > OPEN_ON_HOME ? `<p><a href="history.html">All ${open.length} open incidents</a></p>` : '';
    sections.push(
      `<section aria-labelledby="open"><h2 id="open">Open incidents</h2><ul class="incidents">${open
        .slice(0, OPEN_ON_HOME)
        .map((i) => renderIncidentItem(context, i, { up: '', latestUpdate: true, heading: 'h3' }))
        .join('\n')}</ul>${more}</section>`,
    );
  }
  if (maintenance.length > 0)
    sections.push(
      `<section aria-labelledby="maintenance"><h2 id="maintenance">Scheduled maintenance</h2><ul class="incidents">${maintenance
        .map((m) => renderMaintenanceItem(context, m))
        .join('\n')}</ul></section>`,
    );
  sections.push(
    `<section aria-labelledby="components"><h2 id="components">Components</h2><ul class="components">
${tops.map((c) => renderComponent(c, childrenOf(c.name), context.componentIds.get(c.name) ?? '')).join('\n')}
</ul></section>`,
  );
  sections.push(
    `<section aria-labelledby="recent"><h2 id="recent">Recent incidents</h2>${
      recent.length
        ? `<ul class="incidents">${recent.map((i) => renderIncidentItem(context, i, { up: '', latestUpdate: false, heading: 'h3' })).join('\n')}</ul>`
        : '<p>No incidents in the last 14 days.</p>'
    }<p><a href="history.html">Incident history</a> · <a href="uptime.html">Uptime</a></p></section>`,
  );
  return renderPage(context, { title: snapshot.title, up: '', current: 'status', body: sections.join('\n') });
}
