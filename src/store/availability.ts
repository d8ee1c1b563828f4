// The availability ledger and the daemon's own runs, shared by both backends through kysely.
// Append-only: an interval is inserted open and later given its end; nothing is deleted, so
// a report can be recomputed for any period. Single statements, no kysely transactions: on
// SQLite the engine's synchronous writes share the connection.
import type Database from 'better-sqlite3';
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

/**
 * One interval as a report reads it: its subject is the one asked for, its cause is not
 * needed. Kinds and weights are not trusted on the way out: reports check them.
 */
export interface LedgerInterval {
  id: number;
  kind: string;
  weight: number;
  start: number;
  /** Null while open. */
  end: number | null;
}

export interface LedgerSubject {
  kind: LedgerSubjectKind;
  id: string;
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
  subjects?: LedgerSubject[];
}

const CLOSE_CHUNK = 200;
const OPEN_CHUNK = 500;
/** Up to this many subjects are named in one query; more, and every row of the period is read. */
const NAMED_SUBJECTS_MAX = 500;

// A subject's intervals in start order come straight off the (subject, start) index, without
// the cause (text the report never shows) or the subject (known from the question).
const SUBJECT_INTERVALS_SQL = `select id, kind, weight, start_at, end_at from availability_intervals
  where subject_kind = ? and subject_id = ? and start_at < ? and (end_at is null or end_at > ?)
  order by start_at`;

type IntervalRow = [id: number, kind: string, weight: number, start: number, end: number | null];

export class AvailabilityLedger {
  private subjectIntervals: Database.Statement<[string, string, number, number], IntervalRow> | undefined;

  /**
   * `sqlite`: the connection under `db` when it is SQLite. Reports read through it with a
   * prepared statement, row by row as arrays: a year of history is hundreds of thousands of
   * rows, and kysely's row objects cost several times the reading itself.
   */
  constructor(
    private readonly db: Kysely<VigilDatabase>,
    private readonly sqlite?: Database.Database,
  ) {}

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

  /**
   * Hands each subject's intervals overlapping [since, until), open ones included, sorted by
   * start, to `visit`, one subject at a time in the order given: what a report reads. The
   * lists are the visitor's. On SQLite each subject is read when its turn comes, so a year
   * of ledger for a thousand subjects is never held at once.
   */
  async forEachSubject(
    subjects: readonly LedgerSubject[],
    since: number,
    until: number,
    visit: (index: number, intervals: LedgerInterval[]) => void,
  ): Promise<void> {
    const from = Math.round(since);
    const to = Math.round(until);
    if (this.sqlite !== undefined) {
      // Prepared on first use: the table exists only after migrate().
      this.subjectIntervals ??= this.sqlite
        .prepare<[string, string, number, number], IntervalRow>(SUBJECT_INTERVALS_SQL)
        .raw();
      const statement = this.subjectIntervals;
      // One read transaction: every subject is read from the same state of the ledger, as
      // a single query would be.
      this.sqlite.transaction(() => {
        subjects.forEach((subject, index) => {
          visit(index, statement.all(subject.kind, subject.id, to, from).map(intervalFromRow));
        });
      })();
      return;
    }
    if (subjects.length === 0) return;
    let query = this.db
      .selectFrom('availability_intervals')
      .select(['id', 'subject_kind', 'subject_id', 'kind', 'weight', 'start_at', 'end_at'])
      .where('start_at', '<', to)
      .where((eb) => eb.or([eb('end_at', 'is', null), eb('end_at', '>', from)]))
      .orderBy('subject_kind')
      .orderBy('subject_id')
      .orderBy('start_at');
    // One query, not one per subject (each a round trip); reading every row of the period
    // beats a long list of ids when the report covers most subjects.
    if (subjects.length <= NAMED_SUBJECTS_MAX)
      query = query.where('subject_id', 'in', [...new Set(subjects.map((s) => s.id))]);
    const bySubject = new Map<string, LedgerInterval[]>();
    for (const subject of subjects) bySubject.set(subjectKey(subject.kind, subject.id), []);
    let kind = '';
    let id = '';
    let list: LedgerInterval[] = [];
    for (const row of await query.execute()) {
      // Rows come grouped by subject: one lookup per subject, not per row. Rows of subjects
      // not asked for go to a list nobody reads.
      if (row.subject_id !== id || row.subject_kind !== kind) {
        kind = row.subject_kind;
        id = row.subject_id;
        list = bySubject.get(subjectKey(kind, id)) ?? [];
      }
      list.push({
        id: Number(row.id),
        kind: row.kind,
        weight: Number(row.weight),
        start: Number(row.start_at),
        end: row.end_at === null ? null : Number(row.end_at),
      });
    }
    subjects.forEach((subject, index) => {
      visit(index, bySubject.get(subjectKey(subject.kind, subject.id)) ?? []);
    });
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

function subjectKey(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
}

function intervalFromRow(row: IntervalRow): LedgerInterval {
  return { id: row[0], kind: row[1], weight: row[2], start: row[3], end: row[4] };
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
