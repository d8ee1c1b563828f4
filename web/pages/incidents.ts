import type { Daemon } from '../../src/api/daemon.ts';
import { type FirstPostReport, firstPostReport } from '../../src/status/incidents/first-post-report.ts';
import { deploysBeforeIncident } from '../../src/status/incidents/incident-deploys.ts';
import { maintenanceState } from '../../src/status/incidents/maintenance-state.ts';
import { statusSiteOf } from '../../src/status/incidents/settings.ts';
import { PHASE_LABELS } from '../../src/status/incidents/wording.ts';
import type { ComponentStatus } from '../../src/status/snapshot.ts';
import type { Deploy } from '../../src/store/deploys.ts';
import type { IncidentRecord, ScheduledMaintenance } from '../../src/store/incidents.ts';
import { formatAge, time } from '../format.ts';
import { type Html, html } from '../html.ts';
import { holds, type PageContext, renderPage } from '../layout.ts';

// The status site's incidents as operators work them: drafts first, with the time left before
// they go public on their own (the moment to hold or reword one), then what customers see now,
// recent resolved incidents, the time-to-first-post figures, announced maintenance and the
// component statuses. Actions go through the incidents API (web/assets/incidents.js); the
// fragment refreshes every 10 s, the countdowns every second in the browser.

export const RESOLVED_SHOWN = 10;
const REPORT_DAYS = 90;

export interface IncidentsView {
  drafts: IncidentRecord[];
  published: IncidentRecord[];
  resolved: IncidentRecord[];
  report: FirstPostReport;
  maintenance: (ScheduledMaintenance & { state: string })[];
  components: [string, ComponentStatus][];
  /** Each shown incident's deploys of the hour before it started, by incident id. */
  deploys: ReadonlyMap<number, Deploy[]>;
  now: number;
}

export async function incidentsView(daemon: Daemon, now: number): Promise<IncidentsView> {
  const { incidents, scheduledMaintenance } = daemon.store;
  const open = await incidents.open();
  const site = statusSiteOf(daemon.engine.currentModel.settings);
  const since = now - REPORT_DAYS * 86_400_000;
  const resolved = await incidents.list({ statuses: ['resolved'], limit: RESOLVED_SHOWN });
  const model = daemon.engine.currentModel;
  const deploys = new Map<number, Deploy[]>();
  for (const incident of [...open, ...resolved])
    deploys.set(incident.id, await deploysBeforeIncident(daemon.store, model, incident));
  return {
    drafts: open.filter((i) => i.status === 'draft'),
    published: open.filter((i) => i.status === 'published'),
    resolved,
    deploys,
    report: firstPostReport(await incidents.firstPosts(since, now + 1), site.firstPostPromiseMs),
    maintenance: (await scheduledMaintenance.list({ since: now })).map((w) => ({
      ...w,
      state: maintenanceState(w, now),
    })),
    components: [...(daemon.componentStatuses?.() ?? new Map<string, ComponentStatus>())].sort(([a], [b]) =>
      a.localeCompare(b),
    ),
    now,
  };
}

export function incidentsPage(context: PageContext, view: IncidentsView): Html {
  const drafts = view.drafts.length;
  return renderPage(context, {
    title: drafts ? `${drafts} ${drafts === 1 ? 'draft' : 'drafts'} · Incidents` : 'Incidents',
    section: 'incidents',
    script: 'incidents.js',
    main: html`<h1>Status-site incidents</h1>
${incidentsFragment(context, view)}
${holds(context.principal, 'operator') ? dialogs() : ''}`,
  });
}

/** The live part: refetched every 10 s and after each action. */
export function incidentsFragment(context: PageContext, view: IncidentsView): Html {
  const operator = holds(context.principal, 'operator');
  return html`<div id="incidents" hx-get="/fragments/incidents" hx-trigger="every 10s, vigil-incidents-refresh" hx-swap="outerHTML" data-server-now="${view.now}">
<section aria-labelledby="drafts-title" class="incident-section">
<h2 id="drafts-title">Drafts <small class="muted">not public yet</small></h2>
${
  view.drafts.length === 0
    ? html`<p class="muted">No drafts: nothing is waiting to go out.</p>`
    : html`<ol class="incidents">${view.drafts.map((i) => incidentEntry(i, operator, view))}</ol>`
}
</section>
<section aria-labelledby="public-title" class="incident-section">
<h2 id="public-title">On the status site now</h2>
${
  view.published.length === 0
    ? html`<p class="muted">No published incident is open.</p>`
    : html`<ol class="incidents">${view.published.map((i) => incidentEntry(i, operator, view))}</ol>`
}
</section>
${reportSection(view.report)}
${maintenanceSection(view.maintenance)}
${componentsSection(view.components)}
<section aria-labelledby="resolved-title" class="incident-section">
<h2 id="resolved-title">Recently resolved</h2>
${
  view.resolved.length === 0
    ? html`<p class="muted">None yet.</p>`
    : html`<ol class="incidents">${view.resolved.map((i) => incidentEntry(i, operator, view))}</ol>`
}
</section>
</div>`;
}

function statusLine(incident: IncidentRecord, now: number): Html {
  if (incident.status === 'draft') {
    if (incident.publishAt !== null)
      return html`<p class="countdown" data-publish-at="${incident.publishAt}" role="timer">Goes public automatically in <strong>${formatAge(incident.publishAt - now)}</strong> unless held</p>`;
    return html`<p class="held"><strong>Held</strong> (${incident.heldBy || 'held'}): it goes public only when an operator publishes it.</p>`;
  }
  if (incident.status === 'published')
    return html`<p class="muted">Public since ${incident.publishedAt === null ? '' : time(incident.publishedAt)}${
      incident.firstPostMs === null ? '' : html`, ${formatAge(incident.firstPostMs)} after the failure began`
    }${incident.resolveAt !== null ? html`; resolves by itself at ${time(incident.resolveAt)} if it stays quiet` : ''}</p>`;
  return html`<p class="muted">Resolved ${incident.resolvedAt === null ? '' : time(incident.resolvedAt)}</p>`;
}

function incidentEntry(incident: IncidentRecord, operator: boolean, view: IncidentsView): Html {
  const now = view.now;
  const open = incident.status === 'draft' || incident.status === 'published';
  return html`<li class="incident incident-${incident.status}" data-incident="${incident.id}">
<div class="incident-head">
<span class="badge phase phase-${incident.phase}">${PHASE_LABELS[incident.phase]}</span>
<strong class="incident-title">${incident.title}</strong>
<span class="muted">#${incident.id} · ${incident.impact} impact · ${incident.components.join(', ')}</span>
</div>
${statusLine(incident, now)}
${
  incident.causes.length > 0
    ? html`<p class="causes muted">Cause: ${incident.causes.map(
        (c, n) => html`${n > 0 ? '; ' : ''}${c.description}${c.recoveredAt !== null ? ' (recovered)' : ''}`,
      )}</p>`
    : ''
}
${incident.postmortemUrl ? html`<p>Postmortem: <a href="${incident.postmortemUrl}" rel="noopener noreferrer">${incident.postmortemUrl}</a></p>` : ''}
${operator ? actions(incident, open) : ''}
${deploysList(view.deploys.get(incident.id) ?? [])}
${updatesList(incident, open)}
</li>`;
}

/** The suspects: what went out in the hour before the failure began. */
function deploysList(deploys: readonly Deploy[]): Html {
  if (deploys.length === 0) return html``;
  return html`<div class="incident-deploys"><p class="muted">Deploys in the hour before it started:</p><ul class="plain">${deploys.map(
    (d) =>
      html`<li>${time(d.at)} <strong>${d.service}</strong> ${d.version}${d.by ? html` <span class="muted">by ${d.by}</span>` : ''}${
        d.link ? html` <a href="${d.link}" rel="noopener noreferrer">link</a>` : ''
      }${d.description ? html` — ${d.description}` : ''}</li>`,
  )}</ul></div>`;
}

function actions(incident: IncidentRecord, open: boolean): Html {
  const id = incident.id;
  const button = (action: string, label: string, primary = false) =>
    html`<button type="button" data-incident-action="${action}" data-incident="${id}" data-title="${incident.title}" data-postmortem="${incident.postmortemUrl ?? ''}"${primary ? html` class="primary"` : ''}>${label}</button>`;
  const draft = incident.status === 'draft';
  return html`<div class="actions">
${draft ? button('publish', 'Publish now', true) : ''}
${draft && incident.publishAt !== null ? button('hold', 'Hold') : ''}
${open ? button('update', 'Post update') : ''}
${open ? button('title', 'Edit title') : ''}
${open ? button('resolve', draft ? 'Withdraw' : 'Resolve') : ''}
${incident.status !== 'draft' ? button('postmortem', 'Postmortem link') : ''}
</div>`;
}

function updatesList(incident: IncidentRecord, open: boolean): Html {
  const list = html`<ol class="updates">${incident.updates.map(
    (
      u,
    ) => html`<li><span class="badge phase phase-${u.phase}">${PHASE_LABELS[u.phase]}</span> ${time(u.at)} <span class="muted">by ${u.author}</span>
<p class="message">${u.message}</p></li>`,
  )}</ol>`;
  if (open) return list;
  return html`<details><summary>${incident.updates.length} ${incident.updates.length === 1 ? 'update' : 'updates'}</summary>${list}</details>`;
}

function reportSection(report: FirstPostReport): Html {
  const d = (ms: number | null) => (ms === null ? '–' : formatAge(ms));
  return html`<section aria-labelledby="report-title" class="incident-section">
<h2 id="report-title">Time to first post <small class="muted">last ${REPORT_DAYS} days, from the first hard failure</small></h2>
<dl class="figures">
<div><dt>Incidents</dt><dd data-figure="incidents">${report.incidents}</dd></div>
<div><dt>Median</dt><dd data-figure="median">${d(report.medianMs)}</dd></div>
<div><dt>90th percentile</dt><dd data-figure="p90">${d(report.p90Ms)}</dd></div>
<div><dt>Over the ${formatAge(report.promiseMs)} promise</dt><dd data-figure="over-promise">${report.overPromise}${
    report.late.length > 0
      ? html` <small class="muted">(#${report.late.map((l) => l.id).join(', #')})</small>`
      : ''
  }</dd></div>
</dl>
</section>`;
}

function maintenanceSection(windows: IncidentsView['maintenance']): Html {
  return html`<section aria-labelledby="maintenance-title" class="incident-section">
<h2 id="maintenance-title">Announced maintenance</h2>
${
  windows.length === 0
    ? html`<p class="muted">None upcoming or in progress.</p>`
    : html`<table class="grid maintenance"><thead><tr><th>State</th><th>From</th><th>Until</th><th>Components</th><th>Title</th></tr></thead>
<tbody>${windows.map(
        (w) =>
          html`<tr><td>${w.state.replace('_', ' ')}</td><td>${time(w.startsAt)}</td><td>${time(w.endsAt)}</td><td>${w.components.join(', ')}</td><td>${w.title}${
            w.createdDowntimeIds.length > 0 || w.downtimeId !== null
              ? html` <small class="muted">(with downtime)</small>`
              : ''
          }</td></tr>`,
      )}</tbody></table>`
}
</section>`;
}

const STATUS_LABELS: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

function componentsSection(components: IncidentsView['components']): Html {
  return html`<section aria-labelledby="components-title" class="incident-section">
<h2 id="components-title">Components</h2>
${
  components.length === 0
    ? html`<p class="muted">No components are configured (see docs/availability.md).</p>`
    : html`<ul class="components">${components.map(
        ([name, status]) =>
          html`<li data-component="${name}"><span class="component-status status-${status}">${STATUS_LABELS[status] ?? status}</span> ${name}</li>`,
      )}</ul>`
}
</section>`;
}

/** The forms of the incident actions; only operators get them. */
function dialogs(): Html {
  return html`<dialog id="incident-update-dialog" aria-labelledby="incident-update-title">
<form data-incident-form="update" novalidate>
<h2 id="incident-update-title">Post an update to <span data-slot="incident"></span></h2>
<p class="hint">Customers read this on the status site and subscribers receive it. On a draft it is kept with the draft, which then waits for you to publish it.</p>
<input type="hidden" name="id">
<label for="incident-phase">Phase</label>
<select id="incident-phase" name="phase">
<option value="investigating">Investigating</option><option value="identified">Identified</option>
<option value="monitoring">Monitoring</option><option value="resolved">Resolved</option>
</select>
<label for="incident-message">Message</label>
<textarea id="incident-message" name="message" required rows="4" placeholder="What customers should know"></textarea>
<p class="error" data-slot="error" role="alert"></p>
<div class="buttons"><button type="button" data-close>Cancel</button><button type="submit" class="primary">Post update</button></div>
</form>
</dialog>
<dialog id="incident-title-dialog" aria-labelledby="incident-title-title">
<form data-incident-form="title" novalidate>
<h2 id="incident-title-title">Edit the title of <span data-slot="incident"></span></h2>
<p class="hint">Editing a draft holds it: it goes public when you publish it.</p>
<input type="hidden" name="id">
<label for="incident-new-title">Title</label>
<input id="incident-new-title" name="title" required maxlength="200">
<p class="error" data-slot="error" role="alert"></p>
<div class="buttons"><button type="button" data-close>Cancel</button><button type="submit" class="primary">Save title</button></div>
</form>
</dialog>
<dialog id="incident-postmortem-dialog" aria-labelledby="incident-postmortem-title">
<form data-incident-form="postmortem" novalidate>
<h2 id="incident-postmortem-title">Postmortem link for <span data-slot="incident"></span></h2>
<input type="hidden" name="id">
<label for="incident-postmortem">URL</label>
<input id="incident-postmortem" name="postmortem" type="url" required placeholder="https://">
<p class="error" data-slot="error" role="alert"></p>
<div class="buttons"><button type="button" data-close>Cancel</button><button type="submit" class="primary">Save link</button></div>
</form>
</dialog>
<dialog id="incident-confirm-dialog" aria-labelledby="incident-confirm-question">
<form data-incident-form="confirm" novalidate>
<h2 id="incident-confirm-question" data-slot="question"></h2>
<p class="hint" data-slot="detail"></p>
<p class="error" data-slot="error" role="alert"></p>
<div class="buttons"><button type="button" data-close>Cancel</button><button type="submit" class="primary">Yes</button></div>
</form>
</dialog>`;
}
