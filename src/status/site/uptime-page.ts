import type { PublicComponent, PublicIncident, StatusSnapshot } from '../snapshot.ts';
import { formatDay, isoTime } from './dates.ts';
import { escapeText } from './escape.ts';
import { renderPage } from './layout.ts';
import { incidentPath } from './paths.ts';
import type { SiteContext } from './site-context.ts';
import { formatMinutes, formatPercent } from './wording.ts';

// uptime.html: "available 99.99 % since 6 March: 6 incidents, 19 minutes", per product, with the
// incidents behind the figure. The percentage is the availability ledger's, where scheduled
// downtime counts like any other; the minutes are that percentage applied to the period.

export interface ProductUptime {
  product: PublicComponent;
  incidents: PublicIncident[];
  /** Minutes unavailable over the period, from the ledger's percentage; null when unknown. */
  downtimeMinutes: number | null;
  /** Minutes the target allows over the period, and what is left of them. */
  budget?: { allowedMinutes: number; remainingMinutes: number };
}

function subtreeOf(snapshot: StatusSnapshot, name: string): Set<string> {
  const names = new Set([name]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of snapshot.components)
      if (c.parent !== undefined && names.has(c.parent) && !names.has(c.name)) {
        names.add(c.name);
        grew = true;
      }
  }
  return names;
}

export function productUptimes(snapshot: StatusSnapshot): ProductUptime[] {
  const periodMinutes = Math.max(0, (snapshot.generatedAt - snapshot.uptimeSince) / 60_000);
  return snapshot.components
    .filter((c) => c.parent === undefined)
    .map((product) => {
      const names = subtreeOf(snapshot, product.name);
      const incidents = snapshot.incidents
        .filter((i) => i.startedAt >= snapshot.uptimeSince && i.components.some((c) => names.has(c)))
        .sort((a, b) => b.startedAt - a.startedAt);
      const percent = product.availabilityPercent;
      const downtimeMinutes = percent === null ? null : Math.round(((100 - percent) / 100) * periodMinutes);
      const target = product.targetPercent;
      return {
        product,
        incidents,
        downtimeMinutes,
        ...(target !== undefined
          ? {
              budget: {
                allowedMinutes: Math.floor(((100 - target) / 100) * periodMinutes),
                remainingMinutes: Math.floor(((100 - target) / 100) * periodMinutes) - (downtimeMinutes ?? 0),
              },
            }
          : {}),
      };
    });
}

/** The sentence customers read: "available 99.99 % since 6 March 2026: 6 incidents, 19 minutes". */
export function uptimeSentence(snapshot: StatusSnapshot, uptime: ProductUptime): string {
  const since = formatDay(snapshot.uptimeSince, snapshot.timeZone);
  const count = uptime.incidents.length;
  const incidents = `${count} incident${count === 1 ? '' : 's'}`;
  if (uptime.product.availabilityPercent === null || uptime.downtimeMinutes === null)
    return `availability not measured yet since ${since}: ${incidents}`;
  return `available ${formatPercent(uptime.product.availabilityPercent)} since ${since}: ${incidents}, ${formatMinutes(uptime.downtimeMinutes)}`;
}

function incidentRow(context: SiteContext, incident: PublicIncident): string {
  const zone = context.snapshot.timeZone;
  const minutes =
    incident.resolvedAt === undefined
      ? 'ongoing'
      : formatMinutes((incident.resolvedAt - incident.startedAt) / 60_000);
  return `<tr><td><time datetime="${isoTime(incident.startedAt)}">${escapeText(formatDay(incident.startedAt, zone))}</time></td><td><a href="${incidentPath(incident.id)}">${escapeText(incident.title)}</a></td><td class="num">${minutes}</td></tr>`;
}

export function renderUptimePage(context: SiteContext): string {
  const { snapshot } = context;
  const sections = productUptimes(snapshot).map((uptime) => {
    const name = escapeText(uptime.product.name);
    const budget = uptime.budget
      ? `<p>Target ${formatPercent(uptime.product.targetPercent ?? 100)}: ${formatMinutes(uptime.budget.allowedMinutes)} of downtime allowed, ${
          uptime.budget.remainingMinutes >= 0
            ? `${formatMinutes(uptime.budget.remainingMinutes)} left`
            : `exceeded by ${formatMinutes(-uptime.budget.remainingMinutes)}`
        }.</p>`
      : '';
    const table = uptime.incidents.length
      ? `<table><caption class="visually-hidden">Incidents of ${name}</caption><thead><tr><th scope="col">Started</th><th scope="col">Incident</th><th scope="col" class="num">Duration</th></tr></thead><tbody>${uptime.incidents
          .map((i) => incidentRow(context, i))
          .join('')}</tbody></table>`
      : '<p>No incidents.</p>';
    return `<section><h2>${name}</h2><p><strong>${escapeText(uptimeSentence(snapshot, uptime))}</strong>.</p>${budget}${table}</section>`;
  });
  const body = `<h1>Uptime</h1>
<p>Availability since ${escapeText(formatDay(snapshot.uptimeSince, snapshot.timeZone))}. Scheduled maintenance counts as downtime: customers cannot tell the difference.</p>
${sections.join('\n') || '<p>No products are configured.</p>'}`;
  return renderPage(context, { title: 'Uptime', up: '', current: 'uptime', body });
}
