import type { NoiseReport, UrgencyCounts } from '../alerting/noise-report.ts';
import { formatDuration } from '../model/duration.ts';
import { DAY_MS } from '../model/zoned-time.ts';
import { renderTable } from './table.ts';

// `vigil report noise` as text: the trend first, then a chart per day, then small tables.

const BAR_WIDTH = 40;
const BLOCKS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

export function renderNoiseReport(report: NoiseReport): string {
  const zone = report.businessHours.timeZone;
  const sections = [
    [
      `Noise report ${localTime(report.since, zone)} – ${localTime(report.until, zone)} (${zone})`,
      trendLine(report),
      `Business hours: ${report.businessHours.description}`,
      ...(report.complete
        ? []
        : [
            `Incomplete: delivered notifications before ${day(report.notificationsKeptSince)} have been pruned from the store.`,
          ]),
    ].join('\n'),
    section('Notifications per day', dayChart(report)),
    section(
      'Totals',
      [
        `notifications ${report.totals.notifications}${kinds(report)}`,
        `pages ${report.totals.pages} (${report.pages.outsideBusinessHours} outside business hours), chat ${report.totals.byUrgency.chat}, email ${report.totals.byUrgency.email}`,
        `problems notified ${report.totals.problems}`,
      ].join('\n'),
    ),
    section(
      'Per route',
      urgencyTable(
        'ROUTE',
        report.perRoute.map((r) => [r.route, r]),
      ),
    ),
    section(
      'Per channel',
      urgencyTable(
        'CHANNEL',
        report.perReceiver.map((r) => [`${r.receiver} (${r.kind})`, r]),
      ),
    ),
    section(
      'Per person (through their contact channels)',
      urgencyTable(
        'PERSON',
        report.perPerson.map((r) => [r.person, r]),
      ),
    ),
    outsideHours(report, zone),
    section('Noisiest services', noisyTable(report.noisiestServices, 'SERVICE')),
    section('Noisiest hosts (with their services)', noisyTable(report.noisiestHosts, 'HOST')),
    section(
      'Flapping',
      table(
        ['OBJECT', 'EPISODES', 'FLAPPING FOR', 'NOTIFICATIONS'],
        report.flapping.map((f) => [
          f.objectId,
          String(f.episodes),
          formatDuration(f.flappingMs),
          String(f.notifications),
        ]),
      ),
    ),
    section(
      `Recovered before anyone acknowledged: ${report.recoveredUnacknowledged.problems} problem${plural(report.recoveredUnacknowledged.problems)} (candidates for a longer retry or a chat-only route)`,
      table(
        ['OBJECT', 'PROBLEMS', 'PAGED', 'MEDIAN TO RECOVER', 'LONGEST', 'ROUTES'],
        report.recoveredUnacknowledged.objects.map((o) => [
          o.objectId,
          String(o.problems),
          String(o.paged),
          formatDuration(o.medianRecoveryMs),
          formatDuration(o.maxRecoveryMs),
          o.routes.join(', '),
        ]),
      ),
    ),
    section('Time to acknowledge', ackLine(report)),
  ];
  return `${sections.filter((s) => s !== '').join('\n\n')}\n`;
}

/** "Notifications 412, down 38 % from the previous 30 days (664); pages outside business hours 12, up from 9." */
export function trendLine(report: NoiseReport): string {
  const span = periodName(report.until - report.since);
  if (!report.previous.complete) {
    return `Notifications ${report.totals.notifications}, pages outside business hours ${report.totals.pagesOutsideBusinessHours}; no comparison with the previous ${span}: the store keeps delivered notifications only since ${day(report.notificationsKeptSince)}.`;
  }
  const notifications = `Notifications ${report.totals.notifications}, ${change(report.totals.notifications, report.previous.notifications)} the previous ${span}`;
  const nights = report.totals.pagesOutsideBusinessHours;
  const nightsBefore = report.previous.pagesOutsideBusinessHours;
  const pages =
    nights === nightsBefore
      ? `pages outside business hours ${nights}, as before`
      : `pages outside business hours ${nights}, ${nights < nightsBefore ? 'down' : 'up'} from ${nightsBefore}`;
  return `${notifications}; ${pages}.`;
}

function change(now: number, before: number): string {
  if (before === 0) return 'none in';
  if (now === before) return 'the same as in';
  const percent = Math.round((Math.abs(now - before) / before) * 100);
  return `${now < before ? 'down' : 'up'} ${percent} % from ${before} in`;
}

function periodName(ms: number): string {
  if (ms % DAY_MS === 0) {
    const days = ms / DAY_MS;
    return days === 1 ? 'day' : `${days} days`;
  }
  return formatDuration(ms);
}

function kinds(report: NoiseReport): string {
  const parts = Object.entries(report.totals.byKind)
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .map(([kind, count]) => `${kind} ${count}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

function outsideHours(report: NoiseReport, zone: string): string {
  const title = `Pages outside business hours: ${report.pages.outsideBusinessHours} of ${report.pages.total}`;
  if (report.pages.worstNights.length === 0) return title;
  const nights = table(
    ['NIGHT OF', 'PAGES', 'PROBLEMS', 'FIRST', 'LAST', 'RECEIVERS'],
    report.pages.worstNights.map((n) => [
      n.night,
      String(n.pages),
      String(n.problems),
      localTime(n.firstAt, zone),
      localTime(n.lastAt, zone),
      n.receivers.join(', '),
    ]),
  );
  return `${title}\n  Worst nights (noon to noon, ${zone}):\n${indent(indent(nights))}`;
}

function ackLine(report: NoiseReport): string {
  const t = report.timeToAcknowledge;
  const never = `${t.unacknowledged} never acknowledged`;
  if (t.count === 0 || t.medianMs === null || t.p90Ms === null) return `no problem acknowledged; ${never}`;
  return `median ${formatDuration(t.medianMs)}, p90 ${formatDuration(t.p90Ms)} over ${t.count} acknowledged problem${plural(t.count)}; ${never}`;
}

/** One bar per day (per week beyond two months), scaled to the busiest. */
function dayChart(report: NoiseReport): string {
  let rows = report.perDay.map((d) => ({ label: d.day, notifications: d.notifications, pages: d.pages }));
  if (rows.length > 62) {
    const weeks: typeof rows = [];
    for (let i = 0; i < rows.length; i += 7) {
      const week = rows.slice(i, i + 7);
      weeks.push({
        label: `${week[0]?.label} +7d`,
        notifications: week.reduce((sum, d) => sum + d.notifications, 0),
        pages: week.reduce((sum, d) => sum + d.pages, 0),
      });
    }
    rows = weeks;
  }
  const most = Math.max(1, ...rows.map((r) => r.notifications));
  const width = Math.max(...rows.map((r) => String(r.notifications).length));
  return rows
    .map((r) => {
      const bar = bars((r.notifications / most) * BAR_WIDTH);
      const pages = r.pages > 0 ? `  (${r.pages} page${plural(r.pages)})` : '';
      return `${r.label}  ${String(r.notifications).padStart(width)} ${bar}${pages}`.trimEnd();
    })
    .join('\n');
}

function bars(length: number): string {
  const whole = Math.floor(length);
  const eighths = Math.round((length - whole) * 8);
  return '█'.repeat(whole) + (eighths === 8 ? '█' : (BLOCKS[eighths] ?? ''));
}

function urgencyTable(title: string, rows: [string, UrgencyCounts][]): string {
  return table(
    [title, 'TOTAL', 'PAGE', 'CHAT', 'EMAIL'],
    rows.map(([name, c]) => [name, String(c.total), String(c.page), String(c.chat), String(c.email)]),
  );
}

function noisyTable(rows: NoiseReport['noisiestHosts'], title: string): string {
  return table(
    [title, 'NOTIFICATIONS', 'PAGES', 'PROBLEMS'],
    rows.map((o) => [o.objectId, String(o.notifications), String(o.pages), String(o.problems)]),
  );
}

function table(headers: string[], rows: string[][]): string {
  return rows.length === 0 ? '' : renderTable(headers, rows);
}

function section(title: string, body: string): string {
  return body === '' ? `${title}: none` : `${title}\n${indent(body)}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

function plural(count: number): string {
  return count === 1 ? '' : 's';
}

function day(at: number | null): string {
  return at === null ? '?' : new Date(at).toISOString().slice(0, 10);
}

function localTime(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}
