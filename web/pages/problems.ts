import { withBadges } from '../../src/alerting/badges.ts';
import type { Daemon } from '../../src/api/daemon.ts';
import type { LiveState } from '../../src/api/live-state.ts';
import type { StateRow } from '../../src/model/problems.ts';
import type { ProblemGroup } from '../../src/topology/problem-groups.ts';
import { formatAge, locationText, objectHref, objectLink, pageNumber, pager, stateBadge } from '../format.ts';
import { type Html, html } from '../html.ts';
import { holds, type PageContext, renderPage } from '../layout.ts';

// The front page: what is wrong now, one entry per root cause, with what it explains folded
// beneath it. It must stay fast with thousands of problems, so it renders one page of causes
// and at most a few dozen explained objects per cause.

export const CAUSES_PER_PAGE = 50;
export const AFFECTED_SHOWN = 25;

export interface ProblemsView {
  groups: ProblemGroup[];
  page: number;
  pages: number;
  totalCauses: number;
  totalExplained: number;
  now: number;
}

export function problemsView(
  live: LiveState,
  daemon: Daemon,
  pageText: string | undefined,
  now: number,
): ProblemsView {
  const all = live.problemGroups();
  const explained = new Set<string>();
  for (const group of all) for (const row of group.affected) explained.add(row.object);
  const pages = Math.max(1, Math.ceil(all.length / CAUSES_PER_PAGE));
  const page = Math.min(pageNumber(pageText), pages);
  // Badges only for the causes shown (each is a lookup, and there may be thousands), on
  // copies: the cached groups are shared.
  const groups = withBadges(
    all
      .slice((page - 1) * CAUSES_PER_PAGE, page * CAUSES_PER_PAGE)
      .map((g) => ({ ...g, cause: { ...g.cause } })),
    daemon.suppressions,
    now,
  );
  return { groups, page, pages, totalCauses: all.length, totalExplained: explained.size, now };
}

export function problemsPage(context: PageContext, daemon: Daemon, view: ProblemsView): Html {
  return renderPage(context, {
    title: view.totalCauses
      ? `${view.totalCauses} ${view.totalCauses === 1 ? 'problem' : 'problems'}`
      : 'All OK',
    section: 'problems',
    main: html`<h1 class="sr-only">Problems</h1>${problemsFragment(context, daemon, view)}`,
  });
}

/** The live part of the page; the client refetches it when the event stream reports a change. */
export function problemsFragment(context: PageContext, daemon: Daemon, view: ProblemsView): Html {
  const operator = holds(context.principal, 'operator');
  const hosts = daemon.engine.currentModel.hosts;
  const summary =
    view.totalCauses === 0
      ? html`<p class="all-ok">${stateBadge('OK')} Nothing is wrong: every host is UP and every service OK.</p>`
      : html`<p class="summary"><strong>${view.totalCauses}</strong> ${view.totalCauses === 1 ? 'root cause' : 'root causes'}${
          view.totalExplained
            ? html`, explaining <strong>${view.totalExplained}</strong> more ${view.totalExplained === 1 ? 'problem' : 'problems'}`
            : ''
        } <span class="live" data-live>live</span></p>`;
  return html`<div id="problems" hx-get="/fragments/problems?page=${view.page}" hx-trigger="vigil-refresh" hx-swap="outerHTML" data-list="problems">
${summary}
<ol class="problems">
${view.groups.map((group) => problemEntry(group, hosts.get(group.cause.host)?.location, operator, view.now))}
</ol>
${pager('/', {}, view.page, view.pages)}
</div>`;
}

function problemEntry(
  group: ProblemGroup,
  location: Parameters<typeof locationText>[0],
  operator: boolean,
  now: number,
): Html {
  const { cause } = group;
  const since = Date.parse(cause.since);
  const where = locationText(location);
  return html`<li class="problem" data-object="${cause.object}" data-kind="${cause.service === null ? 'host' : 'service'}" data-href="${objectHref(cause.object)}">
<div class="problem-row">
${stateBadge(cause.state)}
<span class="object">${objectLink(cause.object)}</span>
${cause.held ? html`<span class="badge held" title="waiting for a re-check of what it depends on">checking upstream</span>` : ''}
${cause.acknowledged ? html`<span class="badge ack" title="${cause.acknowledged.comment}">acknowledged by ${cause.acknowledged.author}</span>` : ''}
${cause.downtime ? html`<span class="badge downtime" title="${cause.downtime.comment}">in downtime until ${cause.downtime.until.slice(11, 16)} UTC</span>` : ''}
${cause.flapping ? html`<span class="badge flapping">flapping</span>` : ''}
<span class="age" title="since ${cause.since}">${formatAge(now - since)}</span>
<span class="attempt" title="check attempt">${cause.attempt}</span>
${where ? html`<span class="where">${where}</span>` : ''}
${
  operator
    ? html`<span class="actions">
<button type="button" data-action="ack" data-object="${cause.object}"${cause.acknowledged ? ' disabled' : ''}>Acknowledge</button>
<button type="button" data-action="downtime" data-object="${cause.object}">Downtime</button>
<button type="button" data-action="recheck" data-object="${cause.object}">Re-check</button>
</span>`
    : ''
}
</div>
<div class="output">${cause.output}</div>
${explains(group)}
</li>`;
}

function explains(group: ProblemGroup): Html {
  const { affected, degraded } = group;
  if (affected.length === 0 && degraded.length === 0) return html``;
  const hosts = affected.filter((row) => row.service === null).length;
  const parts = [
    hosts && `${hosts} ${hosts === 1 ? 'host' : 'hosts'}`,
    affected.length - hosts &&
      `${affected.length - hosts} ${affected.length - hosts === 1 ? 'service' : 'services'}`,
  ].filter(Boolean);
  const shown = affected.slice(0, AFFECTED_SHOWN);
  return html`<details class="explained">
<summary>${parts.length ? `explains ${parts.join(', ')}` : ''}${parts.length && degraded.length ? '; ' : ''}${
    degraded.length ? `${degraded.length} left without redundancy` : ''
  }</summary>
<ul>${shown.map(affectedRow)}</ul>
${affected.length > shown.length ? html`<p class="more">and ${affected.length - shown.length} more — see ${objectLink(group.cause.object)}</p>` : ''}
${degraded.length ? html`<p class="degraded">Without redundancy: ${degraded.slice(0, AFFECTED_SHOWN).join(', ')}${degraded.length > AFFECTED_SHOWN ? ` and ${degraded.length - AFFECTED_SHOWN} more` : ''}</p>` : ''}
</details>`;
}

function affectedRow(row: StateRow): Html {
  return html`<li>${stateBadge(row.state)} ${objectLink(row.object)} <span class="output">${row.output}</span></li>`;
}
