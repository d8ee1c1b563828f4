// The availability ledger and the daemon's own runs, shared by both backends through kysely.
// Append-only: an interval is inserted open and later given its end; nothing is deleted, so
// a report can be recomputed for any period. Single statements, no kysely transactions: on
// SQLite the engine's synchronous writes share the connection.
import type { Kysely } from 'kysely';
import type { VigilDatabase } from './schema.ts';

export type LedgerSubjectKind = 'service' | 'host' | 'component';
export type LedgerKind = 'outage' | 'degraded' | 'partial' | 'maintenance' | 'unknown';

/** One ledger row as stored. Kinds and weights are not trusted on the way out: reports check them. */
export interface LedgerRecord {
  id: number;
  subjectKind: string;
  subjectId: string;
  kind: string;
  cause: string;
  weight: number;
  start: number;
  /** Null while open. */
  end: number | null;
}

/** An interval to open; (subject, kind, cause, start) identifies it. */
export interface NewLedgerInterval {
  subjectKind: LedgerSubjectKind;
  subjectId: string;
  kind: LedgerKind;
  cause: string;
  weight: number;
  start: number;
}

export interface LedgerClose {
  subjectKind: string;
  subjectId: string;
  kind: string;
  cause: string;
  start: number;
  end: number;
}

export interface MonitoringRun {
  id: number;
  startedAt: number;
  lastSeenAt: number;
  stoppedAt: number | null;
}

/** Which subjects a report reads; none given: all. */
export interface LedgerFilter {
  subjects?: { kind: LedgerSubjectKind; id: string }[];
}

const CLOSE_CHUNK = 200;
const OPEN_CHUNK = 500;

export class AvailabilityLedger {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  /** Opens intervals; one already recorded with the same identity is left as it is (a retried write). */
  async open(intervals: readonly NewLedgerInterval[]): Promise<void> {
    for (let i = 0; i < intervals.length; i += OPEN_CHUNK) {
      await this.db
        .insertInto('availability_intervals')
        .values(
          intervals.slice(i, i + OPEN_CHUNK).map((interval) => ({
            subject_kind: interval.subjectKind,
            subject_id: interval.subjectId,
            kind: interval.kind,
            cause: interval.cause,
            weight: interval.weight,
            start_at: Math.round(interval.start),
            end_at: null,
          })),
        )
        // A retried write changes nothing; an interval closed at the very moment it opened and
        // wanted again at that moment (two changes in one millisecond) goes on.
        .onConflict((conflict) =>
          conflict
            .columns(['subject_kind', 'subject_id', 'kind', 'cause', 'start_at'])
            .doUpdateSet({ end_at: null })
            .where((eb) =>
              eb('availability_intervals.end_at', '=', eb.ref('availability_intervals.start_at')),
            ),
        )
        .execute();
    }
  }

  /** Gives open intervals their end; an interval already closed keeps its first end. */
  async close(closes: readonly LedgerClose[]): Promise<void> {
    for (let i = 0; i < closes.length; i += CLOSE_CHUNK) {
      for (const close of closes.slice(i, i + CLOSE_CHUNK)) {
        await this.db
          .updateTable('availability_intervals')
          .set({ end_at: Math.max(Math.round(close.end), Math.round(close.start)) })
          .where('subject_kind', '=', close.subjectKind)
          .where('subject_id', '=', close.subjectId)
          .where('kind', '=', close.kind)
          .where('cause', '=', close.cause)
          .where('start_at', '=', Math.round(close.start))
          .where('end_at', 'is', null)
          .execute();
      }
    }
  }

  /** Every interval still open: what the daemon continues after a restart. */
  async openIntervals(): Promise<LedgerRecord[]> {
    const rows = await this.db
      .selectFrom('availability_intervals')
      .selectAll()
      .where('end_at', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map(recordFromRow);
  }

  /** Intervals overlapping [since, until), open ones included, ordered by subject then start. */
  async overlapping(since: number, until: number, filter: LedgerFilter = {}): Promise<LedgerRecord[]> {
    // Columns named as LedgerRecord's fields: a year of history is hundreds of thousands of
    // rows, and not copying each one halves the report's time.
    let query = this.db
      .selectFrom('availability_intervals')
      .select([
        'id',
        'subject_kind as subjectKind',
        'subject_id as subjectId',
        'kind',
        'cause',
        'weight',
        'start_at as start',
        'end_at as end',
      ])
      .where('start_at', '<', Math.round(until))
      .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', Math.round(since))]));
    if (filter.subjects !== undefined) {
      if (filter.subjects.length === 0) return [];
      const ids = [...new Set(filter.subjects.map((s) => s.id))];
      query = query.where('subject_id', 'in', ids);
    }
    const rows: LedgerRecord[] = await query.execute();
    if (filter.subjects === undefined) return rows;
    const wanted = new Set(filter.subjects.map((s) => `${s.kind}\u0000${s.id}`));
    return rows.filter((row) => wanted.has(`${row.subjectKind}\u0000${row.subjectId}`));
  }

  /** Records that the daemon started watching; returns the run's id for heartbeats. */
  async startRun(at: number): Promise<number> {
    const row = await this.db
      .insertInto('monitoring_runs')
      .values({ started_at: Math.round(at), last_seen_at: Math.round(at), stopped_at: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async heartbeat(runId: number, at: number): Promise<void> {
    await this.db
      .updateTable('monitoring_runs')
      .set({ last_seen_at: Math.round(at) })
      .where('id', '=', runId)
      .execute();
  }

  async stopRun(runId: number, at: number): Promise<void> {
    await this.db
      .updateTable('monitoring_runs')
      .set({ last_seen_at: Math.round(at), stopped_at: Math.round(at) })
      .where('id', '=', runId)
      .execute();
  }

  /** Every run, oldest first (one row per daemon start: few). */
  async runs(): Promise<MonitoringRun[]> {
    const rows = await this.db.selectFrom('monitoring_runs').selectAll().orderBy('started_at').execute();
    return rows.map((row) => ({
      id: Number(row.id),
      startedAt: Number(row.started_at),
      lastSeenAt: Number(row.last_seen_at),
      stoppedAt: row.stopped_at === null ? null : Number(row.stopped_at),
    }));
  }
}

function recordFromRow(row: {
  id: number;
  subject_kind: string;
  subject_id: string;
  kind: string;
  cause: string;
  weight: number;
  start_at: number;
  end_at: number | null;
}): LedgerRecord {
  return {
    id: Number(row.id),
    subjectKind: row.subject_kind,
    subjectId: row.subject_id,
    kind: row.kind,
    cause: row.cause,
    weight: Number(row.weight),
    start: Number(row.start_at),
    end: row.end_at === null ? null : Number(row.end_at),
  };
}
