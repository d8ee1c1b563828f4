// The embedded default store: one better-sqlite3 connection, shared by kysely (migrations
// and reads) and by prepared statements (the hot write path and maintenance).
//
// Durability: the database runs in WAL mode with synchronous=NORMAL. A committed
// transaction is in the WAL file before write() resolves, so killing the process (even
// with SIGKILL) loses nothing that was acknowledged. Only an operating-system crash or
// power loss may lose the last transactions since the last WAL sync (checkpoint); the
// database itself stays consistent. synchronous=FULL would close that gap at the cost of
// an fsync per batch.
//
// better-sqlite3 is synchronous: write() and each maintenance chunk run on the event
// loop. A 1,667-result batch takes a few milliseconds, and maintenance yields between
// bounded chunks. Because nothing awaits inside those transactions, they can never
// interleave with a kysely query on the same connection. Kysely transactions (only the
// migrator uses them) must not run while the engine writes; migrate() runs at start.
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { ObjectState, StateEvent } from '../../model/types.ts';
import { AnnouncedProblems } from '../announced.ts';
import { AuditLog } from '../audit.ts';
import { AuthRecords } from '../auth.ts';
import { AvailabilityLedger } from '../availability.ts';
import { DeployRecords } from '../deploys.ts';
import { Escalations } from '../escalations.ts';
import { IncidentRecords, ScheduledMaintenanceRecords } from '../incidents.ts';
import { MaintenanceRecords } from '../maintenance.ts';
import { migrateToLatest } from '../migrations.ts';
import { Outbox } from '../outbox.ts';
import { StoreReads } from '../queries.ts';
import {
  bucketHourly,
  DEFAULT_RETENTION,
  EXPIRE_RESULTS_SQL,
  type ExpiredResult,
  HOURLY_MERGE_SQL,
  MAINTENANCE_CHUNK_ROWS,
  type RetentionPolicy,
} from '../retention.ts';
import { encodeRecentStates, hostOf, latestStates, ms, type VigilDatabase } from '../schema.ts';
import type { MaintenanceReport, Store, StoreBatch } from '../store.ts';
import { SubscriberRecords } from '../subscribers.ts';
import { AcknowledgementRecords, DowntimeRecords } from '../suppressions.ts';

/** How long a statement waits for another process's lock (a backup, the CLI) before failing. */
const BUSY_TIMEOUT_MS = 5000;

export async function openSqliteStore(
  path: string,
  retention: RetentionPolicy = DEFAULT_RETENTION,
): Promise<Store> {
  const connection = new Database(path);
  try {
    connection.pragma('journal_mode = WAL');
    connection.pragma('synchronous = NORMAL');
    connection.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (error) {
    connection.close();
    throw new Error(`sqlite store ${path}: cannot open: ${(error as Error).message}`, { cause: error });
  }
  return new SqliteStore(path, connection, retention);
}

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(connection: Database.Database) {
  const insertResult = connection.prepare(
    `insert into check_results (object_id, planned_at, started_at, duration_ms, exit_code, output, long_output, perfdata)
     values (?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`,
  );
  const upsertState = connection.prepare(
    `insert into object_states (object_id, state, state_type, attempt, last_hard_state, last_state_change,
       last_hard_state_change, last_check, output, long_output, recent_states, percent_state_change, flapping)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (object_id) do update set
       state = excluded.state, state_type = excluded.state_type, attempt = excluded.attempt,
       last_hard_state = excluded.last_hard_state, last_state_change = excluded.last_state_change,
       last_hard_state_change = excluded.last_hard_state_change, last_check = excluded.last_check,
       output = excluded.output, long_output = excluded.long_output, recent_states = excluded.recent_states,
       percent_state_change = excluded.percent_state_change, flapping = excluded.flapping`,
  );
  const insertEvent = connection.prepare(
    `insert into state_events (object_id, host_id, kind, at, state, previous_state, state_type, attempt, output)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict do nothing`,
  );
  const expireResults = connection.prepare<[number, number], ExpiredResult>(EXPIRE_RESULTS_SQL);
  const upsertHourly = connection.prepare(
    `insert into perfdata_hourly (object_id, label, hour_start, min, max, sum, count, unit)
     values (?, ?, ?, ?, ?, ?, ?, ?) ${HOURLY_MERGE_SQL}`,
  );
  const deleteOldHourly = connection.prepare(
    'delete from perfdata_hourly where rowid in (select rowid from perfdata_hourly where hour_start < ? limit ?)',
  );
  const deleteOldEvents = connection.prepare(
    'delete from state_events where id in (select id from state_events where at < ? limit ?)',
  );

  const writeBatch = connection.transaction((batch: StoreBatch) => {
    for (const result of batch.results) {
      insertResult.run(
        result.objectId,
        ms(result.plannedAt),
        ms(result.startedAt),
        result.durationMs,
        result.exitCode,
        result.output,
        result.longOutput,
        JSON.stringify(result.perfdata),
      );
    }
    for (const state of latestStates(batch.states)) upsertState.run(...stateRow(state));
    for (const event of batch.events) insertEvent.run(...eventRow(event));
  });

  const downsampleChunk = connection.transaction((cutoff: number): number => {
    const expired = expireResults.all(cutoff, MAINTENANCE_CHUNK_ROWS);
    for (const bucket of bucketHourly(expired)) {
      upsertHourly.run(
        bucket.object_id,
        bucket.label,
        bucket.hour_start,
        bucket.min,
        bucket.max,
        bucket.sum,
        bucket.count,
        bucket.unit,
      );
    }
    return expired.length;
  });

  return { writeBatch, downsampleChunk, deleteOldHourly, deleteOldEvents };
}

function stateRow(state: ObjectState) {
  return [
    state.objectId,
    state.state,
    state.stateType,
    state.attempt,
    state.lastHardState,
    ms(state.lastStateChange),
    ms(state.lastHardStateChange),
    ms(state.lastCheck),
    state.output,
    state.longOutput,
    encodeRecentStates(state.recentStates),
    state.percentStateChange,
    state.flapping ? 1 : 0,
  ] as const;
}

function eventRow(event: StateEvent) {
  return [
    event.objectId,
    hostOf(event.objectId),
    event.kind,
    ms(event.at),
    event.state,
    event.previousState,
    event.stateType,
    event.attempt,
    event.output,
  ] as const;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

class SqliteStore extends StoreReads implements Store {
  readonly kind = 'sqlite';
  private readonly kysely: Kysely<VigilDatabase>;
  readonly outbox: Outbox;
  readonly acknowledgements: AcknowledgementRecords;
  readonly downtimes: DowntimeRecords;
  readonly escalations: Escalations;
  readonly announced: AnnouncedProblems;
  readonly availability: AvailabilityLedger;
  readonly maintenance: MaintenanceRecords;
  readonly auth: AuthRecords;
  readonly audit: AuditLog;
  readonly deploys: DeployRecords;
  readonly incidents: IncidentRecords;
  readonly scheduledMaintenance: ScheduledMaintenanceRecords;
  readonly subscribers: SubscriberRecords;
  private statements: Statements | undefined;

  constructor(
    private readonly path: string,
    private readonly connection: Database.Database,
    private readonly retention: RetentionPolicy,
  ) {
    const kysely = new Kysely<VigilDatabase>({ dialect: new SqliteDialect({ database: connection }) });
    super(kysely);
    this.kysely = kysely;
    this.outbox = new Outbox(kysely);
    this.acknowledgements = new AcknowledgementRecords(kysely);
    this.downtimes = new DowntimeRecords(kysely);
    this.escalations = new Escalations(kysely);
    this.announced = new AnnouncedProblems(kysely);
    this.availability = new AvailabilityLedger(kysely, connection);
    this.maintenance = new MaintenanceRecords(kysely);
    this.auth = new AuthRecords(kysely);
    this.audit = new AuditLog(kysely);
    this.deploys = new DeployRecords(kysely);
    this.incidents = new IncidentRecords(kysely);
    this.scheduledMaintenance = new ScheduledMaintenanceRecords(kysely);
    this.subscribers = new SubscriberRecords(kysely);
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.kysely, 'sqlite');
  }

  /** Prepared on first use: the tables exist only after migrate(). */
  private prepared(): Statements {
    this.statements ??= prepareStatements(this.connection);
    return this.statements;
  }

  async write(batch: StoreBatch): Promise<void> {
    try {
      this.prepared().writeBatch(batch);
    } catch (error) {
      throw new Error(
        `sqlite store ${this.path}: write of ${batch.results.length} results failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  async maintain(now: number): Promise<MaintenanceReport> {
    const statements = this.prepared();
    const report: MaintenanceReport = {
      resultsDownsampled: 0,
      resultsDeleted: 0,
      samplesDeleted: 0,
      eventsDeleted: 0,
    };
    for (;;) {
      const expired = statements.downsampleChunk(now - this.retention.resultRetentionMs);
      report.resultsDownsampled += expired;
      report.resultsDeleted += expired;
      if (expired < MAINTENANCE_CHUNK_ROWS) break;
      await yieldToEventLoop();
    }
    report.samplesDeleted = await this.deleteInChunks(
      statements.deleteOldHourly,
      now - this.retention.downsampledRetentionMs,
    );
    report.eventsDeleted = await this.deleteInChunks(
      statements.deleteOldEvents,
      now - this.retention.historyRetentionMs,
    );
    return report;
  }

  private async deleteInChunks(statement: Database.Statement, cutoff: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const { changes } = statement.run(cutoff, MAINTENANCE_CHUNK_ROWS);
      deleted += changes;
      if (changes < MAINTENANCE_CHUNK_ROWS) return deleted;
      await yieldToEventLoop();
    }
  }

  async close(): Promise<void> {
    // Destroying kysely closes the shared better-sqlite3 connection.
    await this.kysely.destroy();
  }
}
