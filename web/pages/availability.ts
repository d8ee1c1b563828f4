import type { Daemon } from '../../src/api/daemon.ts';
import { localDayOf, startOfLocalDay } from '../../src/availability/periods.ts';
import type { AvailabilityRow, ReportSubject } from '../../src/availability/report.ts';
import { availabilityOptions, loadAvailabilityReport } from '../../src/availability/report-loader.ts';
import { componentDeployNames } from '../../src/model/deploy-subjects.ts';
import type { Model } from '../../src/model/types.ts';
import { statusSiteOf } from '../../src/status/incidents/settings.ts';
import { availabilityChart, formatMinutesText, formatPercentText } from '../availability-chart.ts';
import { type Html, html } from '../html.ts';
import { type PageContext, renderPage } from '../layout.ts';

// Availability as customers count it, per product and component, for the last 7, 30, 90 or
// 365 days: downtime with scheduled maintenance counted in (and shown beside it, never
// hidden), incidents, the error budget of the component's target, and one component's days
// as a bar chart with its deploys. Figures come from the availability reports, unchanged.

export const AVAILABILITY_PERIODS = { '7d': 7, '30d': 30, '90d': 90, '365d': 365 } as const;
export type AvailabilityPeriod = keyof typeof AVAILABILITY_PERIODS;
const DEFAULT_PERIOD: AvailabilityPeriod = '30d';

export interface AvailabilityView {
  period: AvailabilityPeriod;
  timeZone: string;
  since: number;
  rows: AvailabilityRow[];
  /** The component charted, and its days and deploys. */
  chosen: string | undefined;
  days: AvailabilityRow[];
  deploys: { at: number; service: string; version: string; by: string }[];
  /** Ledger rows left out of every figure as corrupted. */
  skipped: number;
}

/** Products and their components, each product followed by its parts. */
function componentSubjects(model: Model): ReportSubject[] {
  const subjects: ReportSubject[] = [];
  const visit = (name: string, seen: Set<string>): void => {
    const component = model.components.get(name);
    if (!component || seen.has(name)) return;
    seen.add(name);
    subjects.push({
      kind: component.parent === undefined ? 'product' : 'component',
      id: name,
      ...(component.parent !== undefined ? { parent: component.parent } : {}),
      ...(component.targetPercent !== undefined ? { targetPercent: component.targetPercent } : {}),
    });
    for (const child of component.children) visit(child, seen);
  };
  const seen = new Set<string>();
  for (const component of model.components.values())
    if (component.parent === undefined) visit(component.name, seen);
  return subjects;
}

export async function availabilityView(
  daemon: Daemon,
  periodText: string,
  componentText: string,
  now: number,
): Promise<AvailabilityView> {
  const model = daemon.engine.currentModel;
  const period: AvailabilityPeriod = Object.hasOwn(AVAILABILITY_PERIODS, periodText)
    ? (periodText as AvailabilityPeriod)
    : DEFAULT_PERIOD;
  const timeZone = statusSiteOf(model.settings).timeZone;
  const today = localDayOf(now, timeZone);
  // Whole local days, today included, so that the chart's bars are days as the report counts them.
  const since = startOfLocalDay(today - AVAILABILITY_PERIODS[period] + 1, timeZone);
  const subjects = componentSubjects(model);
  const empty: AvailabilityView = {
    period,
    timeZone,
    since,
    rows: [],
    chosen: undefined,
    days: [],
    deploys: [],
    skipped: 0,
  };
  if (subjects.length === 0) return empty;
  const base = availabilityOptions(model, {}, now, timeZone);
  if (typeof base === 'string') throw new Error(`availability page: ${base}`);
  const whole = await loadAvailabilityReport(daemon.store, {
    ...base,
    since,
    until: now,
    unit: undefined,
    subjects,
  });
  const chosen = subjects.find((s) => s.id === componentText)?.id ?? subjects[0]?.id;
  const chosenSubjects = subjects.filter((s) => s.id === chosen);
  const daily = await loadAvailabilityReport(daemon.store, {
    ...base,
    since,
    until: now,
    unit: 'day',
    subjects: chosenSubjects,
  });
  const names = componentDeployNames(model, chosen === undefined ? [] : [chosen]);
  const deploys = (await daemon.store.deploys.list({ since, until: now + 1 }))
    .filter((d) => names.has(d.service))
    .map((d) => ({ at: d.at, service: d.service, version: d.version, by: d.by }));
  return {
    ...empty,
    rows: whole.rows,
    chosen,
    days: daily.rows,
    deploys,
    skipped: whole.skipped.length,
  };
}

function percentCell(percent: number | null): Html {
  return html`<td class="figure">${percent === null ? html`<span class="muted">unknown</span>` : formatPercentText(percent)}</td>`;
}

function minutesCell(minutes: number): Html {
  return html`<td class="figure">${Math.round(minutes * 10) / 10}</td>`;
}

function budgetCells(row: AvailabilityRow): Html {
  const budget = row.budget;
  if (!budget) return html`<td class="muted">no target</td><td></td><td></td>`;
  const used = budget.allowedMinutes - budget.remainingMinutes;
  const over = budget.remainingMinutes < 0;
  return html`<td class="figure">${formatPercentText(budget.targetPercent)}</td>
<td class="figure">${Math.round(used * 10) / 10} of ${Math.round(budget.allowedMinutes * 10) / 10}</td>
<td class="figure${over ? ' over-budget' : ''}">${Math.round(budget.remainingMinutes * 10) / 10}${over ? ' (over)' : ''}</td>`;
}

export function availabilityPage(context: PageContext, view: AvailabilityView): Html {
  const link = (period: string, component: string | undefined) =>
    `/availability?${new URLSearchParams({ period, ...(component !== undefined ? { component } : {}) })}`;
  const periods = html`<nav class="ranges" aria-label="Period">${Object.keys(AVAILABILITY_PERIODS).map(
    (p) =>
      html`<a href="${link(p, view.chosen)}"${p === view.period ? html` aria-current="true"` : ''}>${p}</a>`,
  )}</nav>`;
  const table =
    view.rows.length === 0
      ? html`<p class="muted">No components are configured: define them under <code>components:</code> to see their availability.</p>`
      : html`<table class="grid availability">
<thead><tr><th scope="col">Product / component</th><th scope="col">Availability</th><th scope="col">Downtime (min)</th><th scope="col">of it maintenance (min)</th><th scope="col">Unknown (min)</th><th scope="col">Incidents</th><th scope="col">Longest (min)</th><th scope="col">Target</th><th scope="col">Budget used (min)</th><th scope="col">Budget left (min)</th></tr></thead>
<tbody>${view.rows.map(
          (row) =>
            html`<tr class="${row.subject.kind}" data-component="${row.subject.id}"${row.subject.id === view.chosen ? html` aria-current="true"` : ''}>
<th scope="row"><a href="${link(view.period, row.subject.id)}">${row.subject.id}</a></th>
${percentCell(row.availabilityPercent)}${minutesCell(row.downtimeMinutes)}${minutesCell(row.maintenanceMinutes)}${minutesCell(row.unknownMinutes)}
<td class="figure">${row.incidents}</td>${minutesCell(row.longestIncidentMinutes)}
${budgetCells(row)}</tr>`,
        )}</tbody></table>`;
  const chart =
    view.chosen === undefined
      ? ''
      : html`<section aria-labelledby="daily-title">
<h2 id="daily-title">${view.chosen} day by day</h2>
<p class="hint">One bar per day (${view.timeZone}); red days had downtime, grey ones no data. Black lines are deploys. Hover for figures.</p>
${availabilityChart(view.days, view.deploys, view.chosen)}
${
  view.deploys.length > 0
    ? html`<p class="muted">${view.deploys.length} deploy${view.deploys.length === 1 ? '' : 's'} of ${view.chosen} in this period${
        view.deploys.length > 0
          ? html`; the last: ${view.deploys.at(-1)?.service} ${view.deploys.at(-1)?.version}`
          : ''
      }.</p>`
    : ''
}
</section>`;
  return renderPage(context, {
    title: 'Availability',
    section: 'availability',
    main: html`<h1>Availability <small class="muted">last ${view.period}</small></h1>
${periods}
<p class="hint">Downtime counts scheduled maintenance too: customers cannot tell the difference. The maintenance column shows how much of it was planned. Unknown time (Vigil not running, checks answering UNKNOWN) is left out, not counted as up: the unknown column shows how much.${
      view.skipped > 0
        ? html` ${view.skipped} damaged ledger record${view.skipped === 1 ? ' was' : 's were'} left out.`
        : ''
    }</p>
${table}
${chart}`,
  });
}
