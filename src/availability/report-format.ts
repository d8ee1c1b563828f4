import type { AvailabilityReport, AvailabilityRow } from './report.ts';

// The availability report as a table for people and as CSV for spreadsheets. JSON is the
// report object itself.

export interface FormatOptions {
  /** Show maintenance minutes and windows in their own columns (they are always counted). */
  showMaintenance: boolean;
}

/**
 * Availability with enough digits for five nines, cut (not rounded) so that any downtime
 * never reads as 100 %.
 */
export function formatPercent(percent: number | null): string {
  if (percent === null) return 'n/a';
  if (percent >= 100) return '100 %';
  const cut = Math.floor(percent * 10_000) / 10_000;
  return `${cut.toFixed(4)} %`;
}

/** 0, 0.5 min, 19 min, 2 h 05 min, 3 d 04 h. */
export function formatMinutes(minutes: number): string {
  const sign = minutes < 0 ? '-' : '';
  const m = Math.abs(minutes);
  if (m === 0) return '0';
  if (m < 10) return `${sign}${Number(m.toFixed(2))} min`;
  if (m < 60) return `${sign}${Math.round(m)} min`;
  const totalMinutes = Math.round(m);
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const rest = totalMinutes % 60;
  if (days > 0) return `${sign}${days} d ${String(hours).padStart(2, '0')} h`;
  return `${sign}${hours} h ${String(rest).padStart(2, '0')} min`;
}

function subjectLabel(row: AvailabilityRow): string {
  return row.subject.kind === 'component' ? `  ${row.subject.id}` : row.subject.id;
}

export function renderAvailabilityTable(
  report: AvailabilityReport,
  options: FormatOptions,
  renderTable: (headers: string[], rows: string[][]) => string,
): string {
  const withBudget = report.rows.some((row) => row.budget !== null);
  const headers = ['SUBJECT', 'KIND', 'PERIOD', 'AVAILABILITY', 'DOWNTIME'];
  if (options.showMaintenance) headers.push('OF WHICH MAINTENANCE', 'WINDOWS');
  headers.push('INCIDENTS', 'LONGEST', 'UNKNOWN');
  if (withBudget) headers.push('TARGET', 'BUDGET LEFT');
  const rows = report.rows.map((row) => {
    const cells = [
      subjectLabel(row),
      row.subject.kind,
      row.period.label,
      formatPercent(row.availabilityPercent),
      formatMinutes(row.downtimeMinutes),
    ];
    if (options.showMaintenance)
      cells.push(formatMinutes(row.maintenanceMinutes), String(row.maintenanceWindows));
    cells.push(
      String(row.incidents),
      formatMinutes(row.longestIncidentMinutes),
      formatMinutes(row.unknownMinutes),
    );
    if (withBudget) {
      cells.push(
        row.budget ? `${row.budget.targetPercent} %` : '',
        row.budget
          ? `${formatMinutes(row.budget.remainingMinutes)} of ${formatMinutes(row.budget.allowedMinutes)}`
          : '',
      );
    }
    return cells;
  });
  const lines = [
    `Availability ${report.since} to ${report.until} (${report.timeZone}, ${report.period === 'whole' ? 'whole period' : `per ${report.period}`})`,
    'Downtime counts scheduled maintenance; unknown time (Vigil not running, checks that cannot tell) is left out of the availability.',
    report.monitoredSince
      ? `Vigil has watched since ${report.monitoredSince}.`
      : 'Vigil has no record of running: everything is unknown.',
    '',
    rows.length > 0 ? renderTable(headers, rows) : '(nothing to report)',
  ];
  for (const skipped of report.skipped)
    lines.push(`warning: ledger row ${skipped.id} (${skipped.subject}) skipped: ${skipped.reason}`);
  return `${lines.join('\n')}\n`;
}

const CSV_HEADERS = [
  'subject_kind',
  'subject',
  'parent',
  'period',
  'period_start',
  'period_end',
  'availability_percent',
  'downtime_minutes',
  'maintenance_minutes',
  'maintenance_windows',
  'incidents',
  'longest_incident_minutes',
  'unknown_minutes',
  'measured_minutes',
  'target_percent',
  'budget_allowed_minutes',
  'budget_remaining_minutes',
];

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function renderAvailabilityCsv(report: AvailabilityReport): string {
  const lines = [CSV_HEADERS.join(',')];
  for (const row of report.rows) {
    lines.push(
      [
        row.subject.kind,
        row.subject.id,
        row.subject.parent,
        row.period.label,
        row.period.since,
        row.period.until,
        row.availabilityPercent,
        row.downtimeMinutes,
        row.maintenanceMinutes,
        row.maintenanceWindows,
        row.incidents,
        row.longestIncidentMinutes,
        row.unknownMinutes,
        row.measuredMinutes,
        row.budget?.targetPercent ?? null,
        row.budget?.allowedMinutes ?? null,
        row.budget?.remainingMinutes ?? null,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
