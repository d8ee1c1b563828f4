// The shared store for distributed setups: a pg Pool behind kysely. Each write() is one
// transaction of three set-based statements (rows passed as arrays and expanded with
// unnest), so a batch of thousands of results costs three round trips, not thousands.
//
// A lost connection or a database that is down rejects write() with an error naming the
// store; the engine retries the same batch later, which is safe because results and
// events are keyed (see StoreBatch) and states are upserted. Errors on idle pooled
// connections (a restarted server) are reported through onPoolError, never thrown: an
// unhandled 'error' event would end the process.
import { CompiledQuery, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
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

export interface PostgresStoreOptions {
  retention?: RetentionPolicy;
  /** Most connections held open. */
  maxConnections?: number;
  /** Called for errors on idle connections; defaults to a process warning. */
  onPoolError?: (error: Error) => void;
}

const INT8_OID = 20;

/**
 * Times are bigint columns; pg returns int8 as a string to protect precision beyond 2^53,
 * which milliseconds since the epoch never reach. Set per pool, not through pg.types,
 * so other pg users in the process keep the default.
 */
const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const onPoolError =
    options.onPoolError ??
    ((error: Error) => process.emitWarning(`postgres store: idle connection failed: ${error.message}`));
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    // A server that does not answer must fail a write, not hang it: the engine retries.
    connectionTimeoutMillis: 10_000,
    query_timeout: 120_000,
    keepAlive: true,
    types: typeParsers,
  });
  pool.on('error', onPoolError);
  return new PostgresStore(describe(url), pool, options.retention ?? DEFAULT_RETENTION);
}

/** The URL without its password, for error messages. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres';
  }
}

/** PostgreSQL text cannot hold NUL; one stray byte in plugin output must not fail every retry. */
function text(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}

/** The portable `?` placeholders of the shared maintenance SQL, numbered for PostgreSQL. */
function numbered(query: string): string {
  let index = 0;
  return query.replace(/\?/g, () => `$${++index}`);
}

const EXPIRE_RESULTS_PG = numbered(EXPIRE_RESULTS_SQL);

class PostgresStore extends StoreReads implements Store {
  readonly kind = 'postgres';
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

  constructor(
    private readonly name: string,
    pool: pg.Pool,
    private readonly retention: RetentionPolicy,
  ) {
    const kysely = new Kysely<VigilDatabase>({ dialect: new PostgresDialect({ pool }) });
    super(kysely);
    this.kysely = kysely;
    this.outbox = new Outbox(kysely);
    this.acknowledgements = new AcknowledgementRecords(kysely);
    this.downtimes = new DowntimeRecords(kysely);
    this.escalations = new Escalations(kysely);
    this.announced = new AnnouncedProblems(kysely);
    this.availability = new AvailabilityLedger(kysely);
    this.maintenance = new MaintenanceRecords(kysely);
    this.auth = new AuthRecords(kysely, { locksRows: true });
    this.audit = new AuditLog(kysely);
    this.deploys = new DeployRecords(kysely);
    this.incidents = new IncidentRecords(kysely);
    this.scheduledMaintenance = new ScheduledMaintenanceRecords(kysely);
    this.subscribers = new SubscriberRecords(kysely);
  }

  async migrate(): Promise<void> {
    try {
      await migrateToLatest(this.kysely, 'postgres');
    } catch (error) {
      throw new Error(`postgres store ${this.name}: ${(error as Error).message}`, { cause: error });
    }
  }

  async write(batch: StoreBatch): Promise<void> {
    try {
      await this.kysely.transaction().execute(async (trx) => {
        if (batch.results.length > 0) await insertResults(trx, batch);
        const states = latestStates(batch.states);
        if (states.length > 0) await upsertStates(trx, states);
        if (batch.events.length > 0) await insertEvents(trx, batch);
      });
    } catch (error) {
      throw new Error(
        `postgres store ${this.name}: write of ${batch.results.length} results failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  async maintain(now: number): Promise<MaintenanceReport> {
    const report: MaintenanceReport = {
      resultsDownsampled: 0,
      resultsDeleted: 0,
      samplesDeleted: 0,
      eventsDeleted: 0,
    };
    const resultCutoff = now - this.retention.resultRetentionMs;
    for (;;) {
      const expired = await this.kysely.transaction().execute(async (trx) => {
        const { rows } = await trx.executeQuery<ExpiredResult>(
          CompiledQuery.raw(EXPIRE_RESULTS_PG, [resultCutoff, MAINTENANCE_CHUNK_ROWS]),
        );
        await upsertHourly(trx, rows);
        return rows.length;
      });
      report.resultsDownsampled += expired;
      report.resultsDeleted += expired;
      if (expired < MAINTENANCE_CHUNK_ROWS) break;
    }
    report.samplesDeleted = await this.deleteInChunks(
      `delete from perfdata_hourly where (object_id, label, hour_start) in (
         select object_id, label, hour_start from perfdata_hourly where hour_start < $1 limit $2)`,
      now - this.retention.downsampledRetentionMs,
    );
    report.eventsDeleted = await this.deleteInChunks(
      'delete from state_events where id in (select id from state_events where at < $1 limit $2)',
      now - this.retention.historyRetentionMs,
    );
    return report;
  }

  private async deleteInChunks(query: string, cutoff: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      const result = await this.kysely.executeQuery(
        CompiledQuery.raw(query, [cutoff, MAINTENANCE_CHUNK_ROWS]),
      );
      const changes = Number(result.numAffectedRows ?? 0n);
      deleted += changes;
      if (changes < MAINTENANCE_CHUNK_ROWS) return deleted;
    }
  }

  async close(): Promise<void> {
    // Ends the pool.
    await this.kysely.destroy();
  }
}

type Executor = Kysely<VigilDatabase>;

async function insertResults(trx: Executor, batch: StoreBatch): Promise<void> {
  const results = batch.results;
  await sql`insert into check_results
      (object_id, planned_at, started_at, duration_ms, exit_code, output, long_output, perfdata)
    select * from unnest(
      ${results.map((r) => text(r.objectId))}::text[],
      ${results.map((r) => ms(r.plannedAt))}::bigint[],
      ${results.map((r) => ms(r.startedAt))}::bigint[],
      ${results.map((r) => r.durationMs)}::double precision[],
      ${results.map((r) => r.exitCode)}::integer[],
      ${results.map((r) => text(r.output))}::text[],
      ${results.map((r) => text(r.longOutput))}::text[],
      ${results.map((r) => text(JSON.stringify(r.perfdata)))}::text[])
    on conflict do nothing`.execute(trx);
}

async function upsertStates(trx: Executor, states: StoreBatch['states']): Promise<void> {
  await sql`insert into object_states (object_id, state, state_type, attempt, last_hard_state,
      last_state_change, last_hard_state_change, last_check, output, long_output, recent_states,
      percent_state_change, flapping)
    select * from unnest(
      ${states.map((s) => text(s.objectId))}::text[],
      ${states.map((s) => s.state)}::integer[],
      ${states.map((s) => s.stateType)}::text[],
      ${states.map((s) => s.attempt)}::integer[],
      ${states.map((s) => s.lastHardState)}::integer[],
      ${states.map((s) => ms(s.lastStateChange))}::bigint[],
      ${states.map((s) => ms(s.lastHardStateChange))}::bigint[],
      ${states.map((s) => ms(s.lastCheck))}::bigint[],
      ${states.map((s) => text(s.output))}::text[],
      ${states.map((s) => text(s.longOutput))}::text[],
      ${states.map((s) => encodeRecentStates(s.recentStates))}::text[],
      ${states.map((s) => s.percentStateChange)}::double precision[],
      ${states.map((s) => (s.flapping ? 1 : 0))}::integer[])
    on conflict (object_id) do update set
      state = excluded.state, state_type = excluded.state_type, attempt = excluded.attempt,
      last_hard_state = excluded.last_hard_state, last_state_change = excluded.last_state_change,
      last_hard_state_change = excluded.last_hard_state_change, last_check = excluded.last_check,
      output = excluded.output, long_output = excluded.long_output, recent_states = excluded.recent_states,
      percent_state_change = excluded.percent_state_change, flapping = excluded.flapping`.execute(trx);
}

async function insertEvents(trx: Executor, batch: StoreBatch): Promise<void> {
  const events = batch.events;
  await sql`insert into state_events
      (object_id, host_id, kind, at, state, previous_state, state_type, attempt, output)
    select * from unnest(
      ${events.map((e) => text(e.objectId))}::text[],
      ${events.map((e) => text(hostOf(e.objectId)))}::text[],
      ${events.map((e) => e.kind)}::text[],
      ${events.map((e) => ms(e.at))}::bigint[],
      ${events.map((e) => e.state)}::integer[],
      ${events.map((e) => e.previousState)}::integer[],
      ${events.map((e) => e.stateType)}::text[],
      ${events.map((e) => e.attempt)}::integer[],
      ${events.map((e) => text(e.output))}::text[])
    on conflict do nothing`.execute(trx);
}

async function upsertHourly(trx: Executor, expired: ExpiredResult[]): Promise<void> {
  const buckets = bucketHourly(expired);
  if (buckets.length === 0) return;
  await sql`insert into perfdata_hourly (object_id, label, hour_start, min, max, sum, count, unit)
    select * from unnest(
      ${buckets.map((b) => b.object_id)}::text[],
      ${buckets.map((b) => text(b.label))}::text[],
      ${buckets.map((b) => b.hour_start)}::bigint[],
      ${buckets.map((b) => b.min)}::double precision[],
      ${buckets.map((b) => b.max)}::double precision[],
      ${buckets.map((b) => b.sum)}::double precision[],
      ${buckets.map((b) => b.count)}::integer[],
      ${buckets.map((b) => text(b.unit))}::text[])
    ${sql.raw(HOURLY_MERGE_SQL)}`.execute(trx);
}
