import type { LedgerInterval, LedgerKind, LedgerSubjectKind, MonitoringRun } from '../store/availability.ts';
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

/** What a report is about; the ledger intervals come subject by subject. */
export interface ReportFrame {
  subjects: readonly ReportSubject[];
  runs: readonly MonitoringRun[];
  since: number;
  until: number;
  now: number;
  unit?: PeriodUnit;
  timeZone: string;
  /** Error budget target for every subject (overrides components' own). */
  targetPercent?: number;
}

export interface AvailabilityReportInput extends ReportFrame {
  /** Each subject's ledger intervals overlapping the report, in the order of `subjects`. */
  intervals: readonly (readonly LedgerInterval[])[];
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
export function corruption(record: LedgerInterval): string | undefined {
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

/**
 * Builds a report one subject at a time, so that a year of ledger history for a thousand
 * subjects is never held at once: what is shared (the periods, the times Vigil was not
 * watching) is worked out once, then each subject's intervals are turned into its rows and
 * dropped.
 */
export class AvailabilityReportBuilder {
  private readonly measured: Span;
  private readonly gaps: Span[];
  /** Each period with its bounds as text, made once rather than once per subject. */
  private readonly periods: { span: Span; shown: AvailabilityRow['period'] }[];
  private readonly rowsOf: (AvailabilityRow[] | undefined)[];
  private readonly skipped: SkippedRecord[] = [];
  private readonly skippedIds = new Set<number>();

  constructor(private readonly frame: ReportFrame) {
    const { since, until, now } = frame;
    this.measured = { start: since, end: Math.max(since, Math.min(until, now)) };
    this.gaps = monitoringGaps(frame.runs, this.measured, now);
    this.periods = splitIntoPeriods({ start: since, end: until }, frame.unit, frame.timeZone).map(
      (period) => ({
        span: { start: period.start, end: period.end },
        shown: { label: period.label, since: iso(period.start), until: iso(period.end) },
      }),
    );
    this.rowsOf = frame.subjects.map(() => undefined);
  }

  /** The rows of the subject at `index` of the frame's subjects, from its ledger intervals. */
  add(index: number, stored: readonly LedgerInterval[]): void {
    const subject = this.frame.subjects[index];
    if (subject === undefined) throw new Error(`availability report: no subject number ${index}`);
    let sound = stored;
    // Sound rows are the rule: the list is copied only when some are not.
    if (stored.some((record) => corruption(record) !== undefined)) {
      const kept: LedgerInterval[] = [];
      for (const record of stored) {
        const problem = corruption(record);
        if (problem === undefined) kept.push(record);
        else if (!this.skippedIds.has(record.id)) {
          // Named once, even when a subject is asked for twice.
          this.skippedIds.add(record.id);
          this.skipped.push({
            id: record.id,
            subject: `${ledgerKindOf(subject)} ${subject.id}`,
            reason: problem,
          });
        }
      }
      sound = kept;
    }
    // An open record (end null) is still going: it lasts to the end of the measured time, now.
    const segments = classify(sound, this.gaps, this.measured);
    const target = this.frame.targetPercent ?? subject.targetPercent;
    // The rows of one subject share its subject object, and the rows of one period its
    // period object: a year by day over a thousand subjects is hundreds of thousands of rows.
    const shownSubject = { kind: subject.kind, id: subject.id, parent: subject.parent ?? null };
    this.rowsOf[index] = this.periods.map((period) =>
      rowOf(shownSubject, period.shown, figuresOf(segments, period.span, this.measured.end), target),
    );
  }

  /** The report, rows in the order of the subjects; a subject never added has no intervals. */
  report(): AvailabilityReport {
    const { frame } = this;
    const rows: AvailabilityRow[] = [];
    this.rowsOf.forEach((subjectRows, index) => {
      if (subjectRows === undefined) this.add(index, []);
      rows.push(...(this.rowsOf[index] ?? []));
    });
    const firstRun = frame.runs.reduce<number | undefined>(
      (first, run) => (first === undefined || run.startedAt < first ? run.startedAt : first),
      undefined,
    );
    return {
      since: iso(frame.since),
      until: iso(frame.until),
      timeZone: frame.timeZone,
      period: frame.unit ?? 'whole',
      monitoredSince: firstRun === undefined ? null : iso(firstRun),
      rows,
      skipped: this.skipped,
    };
  }
}

/** A report from every subject's intervals at hand. */
export function buildAvailabilityReport(input: AvailabilityReportInput): AvailabilityReport {
  const builder = new AvailabilityReportBuilder(input);
  input.subjects.forEach((_, index) => {
    builder.add(index, input.intervals[index] ?? []);
  });
  return builder.report();
}

function rowOf(
  subject: AvailabilityRow['subject'],
  period: AvailabilityRow['period'],
  figures: Figures,
  targetPercent: number | undefined,
): AvailabilityRow {
  const budget = targetPercent === undefined ? undefined : errorBudget(figures, targetPercent);
  return {
    subject,
    period,
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
