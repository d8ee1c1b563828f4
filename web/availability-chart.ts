import type { AvailabilityRow } from '../src/availability/report.ts';
import { type Html, html } from './html.ts';

// The availability page's daily bar chart, drawn on the server as SVG (no script, no chart
// library): one bar per day, as tall as the day's availability on a scale that starts just
// under the worst day so that a 99.9 % day is visibly shorter than a 100 % one; deploys as
// thin vertical lines. Every bar and line has a tooltip. Pure, so it is tested without a page.

export interface ChartDeploy {
  at: number;
  service: string;
  version: string;
  by: string;
}

const WIDTH = 1000;
const HEIGHT = 100;

/** The percentage at the chart's bottom edge: a whole number under the worst known day, at most 99. */
export function chartFloor(days: readonly Pick<AvailabilityRow, 'availabilityPercent'>[]): number {
  let worst = 100;
  for (const day of days)
    if (day.availabilityPercent !== null) worst = Math.min(worst, day.availabilityPercent);
  return Math.max(0, Math.min(99, Math.floor(worst) - 1));
}

function dayTitle(row: AvailabilityRow): string {
  const date = row.period.label;
  if (row.availabilityPercent === null) return `${date}: no data`;
  const parts = [`${formatPercentText(row.availabilityPercent)} available`];
  parts.push(row.downtimeMinutes > 0 ? `${formatMinutesText(row.downtimeMinutes)} down` : 'no downtime');
  if (row.maintenanceMinutes > 0)
    parts.push(`${formatMinutesText(row.maintenanceMinutes)} of it maintenance`);
  if (row.incidents > 0) parts.push(`${row.incidents} incident${row.incidents === 1 ? '' : 's'}`);
  return `${date}: ${parts.join(', ')}`;
}

/** "99.95 %" with as many decimals as it takes to not round an outage away (at most 3). */
export function formatPercentText(percent: number): string {
  if (percent >= 100) return '100 %';
  for (const decimals of [2, 3]) {
    const text = percent.toFixed(decimals);
    if (Number(text) < 100) return `${text} %`;
  }
  return `${percent.toFixed(3)} %`;
}

export function formatMinutesText(minutes: number): string {
  if (minutes < 1) return `${Math.round(minutes * 60)} s`;
  if (minutes < 120) return `${Number(minutes.toFixed(1))} min`;
  return `${(minutes / 60).toFixed(1)} h`;
}

/**
 * Where a deploy at `at` is drawn: inside its own day's bar slot, as far in as it is into that
 * day. Days are not all 24 hours long (23 and 25 on daylight-saving changes), so a position
 * on one straight time axis would drift off its day's bar. Undefined outside the days.
 */
export function deployX(days: readonly Pick<AvailabilityRow, 'period'>[], at: number): number | undefined {
  const slot = WIDTH / days.length;
  for (let index = 0; index < days.length; index++) {
    const since = Date.parse((days[index] as AvailabilityRow).period.since);
    const until = Date.parse((days[index] as AvailabilityRow).period.until);
    if (at >= since && at < until) return (index + (at - since) / (until - since)) * slot;
  }
  return undefined;
}

/** The chart for one subject: `days` are its day rows, oldest first. */
export function availabilityChart(
  days: readonly AvailabilityRow[],
  deploys: readonly ChartDeploy[],
  label: string,
): Html {
  if (days.length === 0) return html`<p class="muted">No days in this period.</p>`;
  const floor = chartFloor(days);
  const slot = WIDTH / days.length;
  const bars = days.map((row, index) => {
    const known = row.availabilityPercent !== null;
    const percent = row.availabilityPercent ?? 100;
    const height = known ? Math.max(1, ((percent - floor) / (100 - floor)) * HEIGHT) : HEIGHT;
    const look = !known ? 'day unknown' : row.downtimeMinutes > 0 ? 'day down' : 'day';
    return html`<rect class="${look}" x="${(index * slot).toFixed(2)}" y="${(HEIGHT - height).toFixed(2)}" width="${Math.max(0.5, slot * 0.8).toFixed(2)}" height="${height.toFixed(2)}"><title>${dayTitle(row)}</title></rect>`;
  });
  const marks = deploys.flatMap((d) => {
    const x = deployX(days, d.at);
    if (x === undefined) return [];
    return [
      html`<line class="deploy" x1="${x.toFixed(2)}" x2="${x.toFixed(2)}" y1="0" y2="${HEIGHT}"><title>${d.service}: version ${d.version}${d.by ? ` by ${d.by}` : ''} at ${new Date(d.at).toISOString()}</title></line>`,
    ];
  });
  return html`<svg class="availability-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="Daily availability of ${label}, from ${floor} % (bottom) to 100 % (top); ${marks.length} deploy${marks.length === 1 ? '' : 's'} marked">
${bars}${marks}
</svg>
<div class="timeline-axis"><span>${days[0]?.period.label ?? ''}</span><span>bottom edge ${floor} %</span><span>${days.at(-1)?.period.label ?? ''}</span></div>`;
}
