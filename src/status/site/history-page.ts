import type { PublicIncident } from '../snapshot.ts';
import { formatMonth } from './dates.ts';
import { escapeText } from './escape.ts';
import { renderIncidentItem } from './incident-view.ts';
import { renderPage } from './layout.ts';
import { HISTORY_PAGE_SIZE, historyPath } from './paths.ts';
import { lastUpdateOf, type SiteContext } from './site-context.ts';

// history.html, history-2.html, ...: every incident the snapshot holds, newest first, grouped by
// the month it started in the site's zone, a hundred per page.

export function renderHistoryPages(context: SiteContext): Map<string, string> {
  const { snapshot } = context;
  const incidents = [...snapshot.incidents].sort((a, b) => b.startedAt - a.startedAt);
  const pageCount = Math.max(1, Math.ceil(incidents.length / HISTORY_PAGE_SIZE));
  const pages = new Map<string, string>();
  for (let page = 1; page <= pageCount; page++) {
    const slice = incidents.slice((page - 1) * HISTORY_PAGE_SIZE, page * HISTORY_PAGE_SIZE);
    const months: { month: string; incidents: PublicIncident[] }[] = [];
    for (const incident of slice) {
      const month = formatMonth(incident.startedAt, snapshot.timeZone);
      const last = months.at(-1);
      if (last?.month === month) last.incidents.push(incident);
      else months.push({ month, incidents: [incident] });
    }
    const sections = months
      .map(
        ({ month, incidents: inMonth }) =>
          `<section><h2>${escapeText(month)}</h2><ul class="incidents">${inMonth
            .map((i) => renderIncidentItem(context, i, { up: '', latestUpdate: false, heading: 'h3' }))
            .join('\n')}</ul></section>`,
      )
      .join('\n');
    const links: string[] = [];
    if (page > 1) links.push(`<a href="${historyPath(page - 1)}" rel="prev">Newer incidents</a>`);
    if (page < pageCount) links.push(`<a href="${historyPath(page + 1)}" rel="next">Older incidents</a>`);
    const body = `<h1>Incident history${pageCount > 1 ? ` <span class="meta">(page ${page} of ${pageCount})</span>` : ''}</h1>
${sections || '<p>No incidents recorded.</p>'}
${links.length ? `<nav aria-label="History pages"><p>${links.join(' · ')}</p></nav>` : ''}`;
    // Older pages name their own newest update, so they stay unchanged (and are not uploaded
    // again) while only the first page moves.
    const updatedAt = slice.reduce((latest, i) => Math.max(latest, lastUpdateOf(i)), 0);
    pages.set(
      historyPath(page),
      renderPage(context, {
        title: 'Incident history',
        up: '',
        current: 'history',
        body,
        ...(page > 1 && updatedAt > 0 ? { updatedAt } : {}),
      }),
    );
  }
  return pages;
}
