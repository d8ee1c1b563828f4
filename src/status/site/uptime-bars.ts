import type { ComponentStatus, PublicComponent, UptimeDay } from '../snapshot.ts';
import { formatIsoDay } from './dates.ts';
import { escapeText } from './escape.ts';
import { formatMinutes, formatPercent, STATUS_CLASS, STATUS_LABEL } from './wording.ts';

// A component's 90-day uptime bar as inline SVG: readable without JavaScript, a tooltip on every
// day, and one sentence for screen readers. Quiet days in a row share one rectangle (its tooltip
// names the range): fifty components times ninety days of separate marks would not fit the home
// page's 100 KB budget, and a run of identical days says the same thing in fewer bytes.

interface Segment {
  first: UptimeDay;
  last: UptimeDay;
  start: number;
  days: number;
}

function barClass(day: UptimeDay): string {
  if (day.availabilityPercent === null && day.incidentIds.length === 0 && day.worst === 'operational')
    return 's-none';
  return STATUS_CLASS[day.worst];
}

/** Days with downtime or incidents stand alone; quiet days in a row with the same look merge. */
function quiet(day: UptimeDay): boolean {
  return day.incidentIds.length === 0 && day.downtimeMinutes === 0;
}

/**
 * The deploys of a segment for its title: "2 deploys: api 2.4.0, web 1.1" for one day, "5
 * deploys" for a run of quiet days (the ticks show which) (deploys do not split a run: a team that ships
 * every day would otherwise cost the home page a rectangle and a title per day).
 */
function describeDeploys(days: readonly UptimeDay[]): string | undefined {
  const deployDays = days.filter((d) => d.deploys);
  if (deployDays.length === 0) return undefined;
  const count = deployDays.reduce((sum, d) => sum + (d.deploys ?? 0), 0);
  const plural = `${count} deploy${count === 1 ? '' : 's'}`;
  const [only] = days;
  if (days.length === 1 && only) {
    const named = only.deployed ?? [];
    const more = count - named.length;
    return `${plural}${named.length > 0 ? `: ${named.join(', ')}` : ''}${more > 0 ? ` and ${more} more` : ''}`;
  }
  return plural;
}

export function segmentsOf(days: readonly UptimeDay[]): Segment[] {
  const segments: Segment[] = [];
  days.forEach((day, index) => {
    const previous = segments.at(-1);
    if (
      previous &&
      quiet(day) &&
      quiet(previous.last) &&
      barClass(day) === barClass(previous.last) &&
      (day.availabilityPercent === null) === (previous.last.availabilityPercent === null)
    ) {
      previous.last = day;
      previous.days++;
    } else segments.push({ first: day, last: day, start: index, days: 1 });
  });
  return segments;
}

function describeDays(segment: Segment, days: readonly UptimeDay[]): string {
  const deploys = describeDeploys(days.slice(segment.start, segment.start + segment.days));
  const text = describeQuietOrTroubled(segment);
  return deploys ? `${text}; ${deploys}` : text;
}

function describeQuietOrTroubled(segment: Segment): string {
  const { first, last } = segment;
  const when =
    segment.days === 1
      ? formatIsoDay(first.date)
      : `${formatIsoDay(first.date)} – ${formatIsoDay(last.date)}`;
  if (first.availabilityPercent === null && quiet(first) && first.worst === 'operational')
    return `${when}: no data`;
  const parts: string[] = [];
  if (first.availabilityPercent !== null) parts.push(formatPercent(first.availabilityPercent));
  parts.push(first.downtimeMinutes > 0 ? `${formatMinutes(first.downtimeMinutes)} down` : 'no downtime');
  if (first.worst !== 'operational') parts.push(STATUS_LABEL[first.worst].toLowerCase());
  const incidents = first.incidentIds.length;
  if (incidents > 0) parts.push(`${incidents} incident${incidents === 1 ? '' : 's'}`);
  return `${when}: ${parts.join(', ')}`;
}

/** The mean of the known days, each day weighing the same. */
export function ninetyDayPercent(days: readonly UptimeDay[]): number | null {
  const known = days.filter((d) => d.availabilityPercent !== null);
  if (known.length === 0) return null;
  return known.reduce((sum, d) => sum + (d.availabilityPercent ?? 0), 0) / known.length;
}

const SEVERITY: Record<ComponentStatus, number> = {
  operational: 0,
  under_maintenance: 1,
  degraded_performance: 2,
  partial_outage: 3,
  major_outage: 4,
};

/** One sentence for screen readers: the 90-day figure, how many days had trouble, the worst one. */
export function barSummary(days: readonly UptimeDay[]): string {
  const percent = ninetyDayPercent(days);
  const troubled = days.filter((d) => !quiet(d) || d.worst !== 'operational');
  let worst: UptimeDay | undefined;
  for (const day of troubled) if (!worst || SEVERITY[day.worst] > SEVERITY[worst.worst]) worst = day;
  const head = `Last ${days.length} days: ${percent === null ? 'availability unknown' : `${formatPercent(percent)} available`}`;
  if (!worst) return `${head}, no incidents.`;
  return `${head}; ${troubled.length} day${troubled.length === 1 ? '' : 's'} with incidents, downtime or maintenance, the worst ${formatIsoDay(worst.date)} (${STATUS_LABEL[worst.worst].toLowerCase()}).`;
}

/**
 * One path of short ticks at the top of the bar, one per day with deploys. Relative moves
 * ("m3-2v2": three days on, back up, down again) keep a tick to a few bytes.
 */
export function deployTicks(days: readonly UptimeDay[]): string {
  let path = '';
  let previous = -1;
  days.forEach((day, index) => {
    if (!day.deploys) return;
    path += previous < 0 ? `M${index}.37 0v2` : `m${index - previous}-2v2`;
    previous = index;
  });
  return path ? `<path class="deploy" d="${path}"/>` : '';
}

/** Operational is the bar's default colour (stylesheet), so the commonest rectangle spends no bytes on it. */
function classAttribute(name: string): string {
  return name === STATUS_CLASS.operational ? '' : ` class="${name}"`;
}

export function renderUptimeBar(component: PublicComponent): string {
  const days = component.uptime;
  if (days.length === 0) return '';
  const rects = segmentsOf(days)
    .map(
      (s) =>
        `<rect x="${s.start}" width="${s.days - 0.25}" height="10"${classAttribute(barClass(s.first))}><title>${escapeText(describeDays(s, days))}</title></rect>`,
    )
    .join('');
  const marks = deployTicks(days);
  const first = days[0];
  const percent = ninetyDayPercent(days);
  return `<svg class="bar" viewBox="0 0 ${days.length} 10" preserveAspectRatio="none" role="img" aria-label="${escapeText(barSummary(days))}">${rects}${marks}</svg>
<p class="legend"><span>${first ? escapeText(formatIsoDay(first.date)) : ''}</span><span>${percent === null ? '' : `${formatPercent(percent)} over ${days.length} days`}</span><span>Today</span></p>`;
}
