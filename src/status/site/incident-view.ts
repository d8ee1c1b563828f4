import type { PublicIncident, PublicMaintenance } from '../snapshot.ts';
import { formatDateTime, isoTime } from './dates.ts';
import { escapeText, safeHref } from './escape.ts';
import { renderPage } from './layout.ts';
import { incidentPath } from './paths.ts';
import { lastUpdateOf, type SiteContext } from './site-context.ts';
import { IMPACT_LABEL, MAINTENANCE_LABEL, PHASE_LABEL } from './wording.ts';

// An incident in a list (home, history, uptime pages) and on its own page with every update.

function time(at: number, timeZone: string): string {
  return `<time datetime="${isoTime(at)}">${escapeText(formatDateTime(at, timeZone))}</time>`;
}

/** "Campfire, API · Major · 6 Mar 2026, 14:05 UTC – 14:24 UTC" */
function incidentMeta(incident: PublicIncident, timeZone: string): string {
  const parts = [
    incident.components.map(escapeText).join(', '),
    `${IMPACT_LABEL[incident.impact]} impact`,
    `${time(incident.startedAt, timeZone)}${incident.resolvedAt !== undefined ? ` – ${time(incident.resolvedAt, timeZone)}` : ''}`,
  ].filter((part) => part !== '');
  return parts.join(' · ');
}

/** One incident as a list item: title linking to its page, phase, latest update (when asked). */
export function renderIncidentItem(
  context: SiteContext,
  incident: PublicIncident,
  options: { up: string; latestUpdate: boolean; heading: 'h3' | 'h4' },
): string {
  const zone = context.snapshot.timeZone;
  const latest = options.latestUpdate ? incident.updates[0] : undefined;
  const h = options.heading;
  return `<li class="i-${incident.impact}"><${h}><a href="${options.up}${incidentPath(incident.id)}">${escapeText(incident.title)}</a></${h}>
<p class="meta"><span class="phase">${PHASE_LABEL[incident.phase]}</span> · ${incidentMeta(incident, zone)}</p>${
    latest
      ? `\n<p class="message">${escapeText(latest.message)}</p><p class="meta">${time(latest.at, zone)}</p>`
      : ''
  }</li>`;
}

export function renderMaintenanceItem(context: SiteContext, window: PublicMaintenance): string {
  const zone = context.snapshot.timeZone;
  return `<li class="i-maintenance"><h3>${escapeText(window.title)}</h3>
<p class="meta"><span class="phase">${MAINTENANCE_LABEL[window.state]}</span> · ${window.components.map(escapeText).join(', ')} · ${time(window.startsAt, zone)} – ${time(window.endsAt, zone)}</p>${
    window.message ? `\n<p class="message">${escapeText(window.message)}</p>` : ''
  }</li>`;
}

export function renderIncidentPage(context: SiteContext, incident: PublicIncident): string {
  const zone = context.snapshot.timeZone;
  const updates = incident.updates
    .map(
      (update) =>
        `<li><p><span class="phase">${PHASE_LABEL[update.phase]}</span> — ${time(update.at, zone)}</p><p class="message">${escapeText(update.message)}</p></li>`,
    )
    .join('\n');
  const deploys = incident.deploysBefore?.length
    ? `<h2>Deploys in the hour before</h2><ul>${incident.deploysBefore
        .map((d) => `<li>${escapeText(d.service)} ${escapeText(d.version)} at ${time(d.at, zone)}</li>`)
        .join('')}</ul>`
    : '';
  const body = `<article>
<h1>${escapeText(incident.title)}</h1>
<p class="meta"><span class="phase">${PHASE_LABEL[incident.phase]}</span> · ${incidentMeta(incident, zone)}</p>
<p class="meta">First posted ${time(incident.publishedAt, zone)}.</p>
${incident.postmortemUrl ? `<p><a href="${safeHref(incident.postmortemUrl)}">Read the postmortem</a></p>` : ''}
<h2>Updates</h2>
<ol class="updates" reversed>
${updates || '<li>No updates yet.</li>'}
</ol>
${deploys}
</article>`;
  return renderPage(context, { title: incident.title, up: '../', body, updatedAt: lastUpdateOf(incident) });
}
