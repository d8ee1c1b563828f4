import type { LedgerKind, LedgerRecord, LedgerSubjectKind, MonitoringRun } from '../store/availability.ts';
import {
  classify,
  errorBudget,
  type Figures,
  figuresOf,
  type Span,
  uncovered,
  type WeightedInterval,
} from './intervals.ts';
import { type PeriodUnit, splitIntoPeriods } from './periods.ts';

// The availability report: ledger rows and the daemon's runs in, one row per subject and
// period out. Pure: the store reads are in report-loader.ts, the clock is `now`.

export const LEDGER_KINDS: readonly LedgerKind[] = [
  'outage',
  'degraded',
  'partial',
  'maintenance',
  'unknown',
];
const SUBJECT_KINDS: readonly LedgerSubjectKind[] = ['service', 'host', 'component'];

/** A run whose last heartbeat is this recent is taken to be running still. */
export const RUN_STALE_MS = 150_000;

export interface ReportSubject {
  /** A product is a component without a parent. */
  kind: 'product' | 'component' | 'host' | 'service';
  id: string;
  /** The component this one belongs to. */
  parent?: string;
  /** From the component's `target`, unless the report asks for another. */
  targetPercent?: number;
}

export interface AvailabilityReportInput {
  subjects: readonly ReportSubject[];
  records: readonly LedgerRecord[];
  runs: readonly MonitoringRun[];
  since: number;
  until: number;
  now: number;
  unit?: PeriodUnit;
  timeZone: string;
  /** Error budget target for every subject (overrides components' own). */
  targetPercent?: number;
}

export interface AvailabilityRow {
  subject: { kind: ReportSubject['kind']; id: string; parent: string | null };
  period: { label: string; since: string; until: string };
  /** Null when nothing of the period was measured (all unknown, or still to come). */
  availabilityPercent: number | null;
  /** Weighted downtime, maintenance included. */
  downtimeMinutes: number;
  /** The scheduled part of downtimeMinutes. */
  maintenanceMinutes: number;
  incidents: number;
  longestIncidentMinutes: number;
  maintenanceWindows: number;
  unknownMinutes: number;
  measuredMinutes: number;
  periodMinutes: number;
  budget: { targetPercent: number; allowedMinutes: number; remainingMinutes: number } | null;
}

export interface SkippedRecord {
  id: number;
  subject: string;
  reason: string;
}

export interface AvailabilityReport {
  since: string;
  until: string;
  timeZone: string;
  period: PeriodUnit | 'whole';
  /** When Vigil first ran, as far as the store knows (null: never). */
  monitoredSince: string | null;
  rows: AvailabilityRow[];
  /** Corrupted ledger rows, left out of every figure. */
  skipped: SkippedRecord[];
}

/** Why a stored row cannot be used, or undefined when it is sound. */
export function corruption(record: LedgerRecord): string | undefined {
  if (!SUBJECT_KINDS.includes(record.subjectKind as LedgerSubjectKind))
    return `unknown subject kind "${record.subjectKind}"`;
  if (!LEDGER_KINDS.includes(record.kind as LedgerKind)) return `unknown kind "${record.kind}"`;
  if (!Number.isFinite(record.start)) return 'has no valid start';
  if (record.end !== null && !Number.isFinite(record.end)) return 'has no valid end';
  if (record.end !== null && record.end < record.start)
    return `ends (${iso(record.end)}) before it starts (${iso(record.start)})`;
  if (!Number.isFinite(record.weight) || record.weight < 0 || record.weight > 1)
    return `weight ${record.weight} is not between 0 and 1`;
  return undefined;
}

/** Times Vigil was not running inside the window: before its first run, between runs, after a crash. */
export function monitoringGaps(runs: readonly MonitoringRun[], window: Span, now: number): Span[] {
  const watched = runs.map((run) => ({
    start: run.startedAt,
    end:
      run.stoppedAt ??
      (now - run.lastSeenAt <= RUN_STALE_MS ? Math.max(now, run.lastSeenAt) : run.lastSeenAt),
  }));
  return uncovered(watched, window);
}

const ledgerKindOf = (subject: ReportSubject): LedgerSubjectKind =>
  subject.kind === 'product' ? 'component' : subject.kind;

export function buildAvailabilityReport(input: AvailabilityReportInput): AvailabilityReport {
  const { since, until, now } = input;
  const measured: Span = { start: since, end: Math.max(since, Math.min(until, now)) };
  const gaps = monitoringGaps(input.runs, measured, now);
  const periods = splitIntoPeriods({ start: since, end: until }, input.unit, input.timeZone);

  const skipped: SkippedRecord[] = [];
  const bySubject = new Map<string, WeightedInterval[]>();
  for (const record of input.records) {
    const problem = corruption(record);
    if (problem) {
      skipped.push({ id: record.id, subject: `${record.subjectKind} ${record.subjectId}`, reason: problem });
      continue;
    }
    const key = `${record.subjectKind}\u0000${record.subjectId}`;
    let list = bySubject.get(key);
    if (!list) {
      list = [];
      bySubject.set(key, list);
    }
    // An open record (end null) is still going: it lasts to the end of the measured time, now.
    list.push(record);
  }

  const rows: AvailabilityRow[] = [];
  for (const subject of input.subjects) {
    const intervals = bySubject.get(`${ledgerKindOf(subject)}\u0000${subject.id}`) ?? [];
    const segments = classify(intervals, gaps, measured);
    const target = input.targetPercent ?? subject.targetPercent;
    for (const period of periods) {
      const figures = figuresOf(segments, period, measured.end);
      rows.push(rowOf(subject, period, figures, target));
    }
  }
  const firstRun = input.runs.reduce<number | undefined>(
    (first, run) => (first === undefined || run.startedAt < first ? run.startedAt : first),
    undefined,
  );
  return {
    since: iso(since),
    until: iso(until),
    timeZone: input.timeZone,
    period: input.unit ?? 'whole',
    monitoredSince: firstRun === undefined ? null : iso(firstRun),
    rows,
    skipped,
  };
}

function rowOf(
  subject: ReportSubject,
  period: Span & { label: string },
  figures: Figures,
  targetPercent: number | undefined,
): AvailabilityRow {
  const budget = targetPercent === undefined ? undefined : errorBudget(figures, targetPercent);
  return {
    subject: { kind: subject.kind, id: subject.id, parent: subject.parent ?? null },
    period: { label: period.label, since: iso(period.start), until: iso(period.end) },
    availabilityPercent: figures.availabilityPercent,
    downtimeMinutes: minutes(figures.downtimeMs),
    maintenanceMinutes: minutes(figures.maintenanceMs),
    incidents: figures.incidents,
    longestIncidentMinutes: minutes(figures.longestIncidentMs),
    maintenanceWindows: figures.maintenanceWindows,
    unknownMinutes: minutes(figures.unknownMs),
    measuredMinutes: minutes(figures.measuredMs),
    periodMinutes: minutes(figures.periodMs),
    budget: budget
      ? {
          targetPercent: budget.targetPercent,
          allowedMinutes: minutes(budget.allowedMs),
          remainingMinutes: minutes(budget.remainingMs),
        }
      : null,
  };
}

/** Minutes to three decimals (millisecond-ish precision, readable JSON). */
function minutes(ms: number): number {
  return Math.round(ms / 60) / 1000;
}

function iso(at: number): string {
  return new Date(at).toISOString();
}
