// Schema migrations, applied by kysely's Migrator from this in-code list. Migrations are
// append-only: never edit one that has shipped, add the next one instead. Kysely records
// applied names in kysely_migration, so migrate() on every start is a no-op once current.
import { type Kysely, type Migration, Migrator, sql } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

// `Kysely<any>` is what kysely's Migration type hands us: a migration must not depend on
// the current table types, which describe the schema after the last migration.
type AnyDb = Kysely<any>;

function initialSchema(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('object_states')
        .addColumn('object_id', 'text', (col) => col.primaryKey())
        .addColumn('state', 'integer', (col) => col.notNull())
        .addColumn('state_type', 'text', (col) => col.notNull())
        .addColumn('attempt', 'integer', (col) => col.notNull())
        .addColumn('last_hard_state', 'integer', (col) => col.notNull())
        .addColumn('last_state_change', 'bigint', (col) => col.notNull())
        .addColumn('last_hard_state_change', 'bigint', (col) => col.notNull())
        .addColumn('last_check', 'bigint', (col) => col.notNull())
        .addColumn('output', 'text', (col) => col.notNull())
        .addColumn('long_output', 'text', (col) => col.notNull())
        .addColumn('recent_states', 'text', (col) => col.notNull())
        .addColumn('percent_state_change', 'double precision', (col) => col.notNull())
        .addColumn('flapping', 'integer', (col) => col.notNull())
        .execute();

      // The one dialect difference: an auto-assigned id.
      const events = db.schema.createTable('state_events');
      await (dialect === 'postgres'
        ? events.addColumn('id', 'bigserial', (col) => col.primaryKey())
        : events.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
      )
        .addColumn('object_id', 'text', (col) => col.notNull())
        .addColumn('host_id', 'text', (col) => col.notNull())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('state', 'integer', (col) => col.notNull())
        .addColumn('previous_state', 'integer', (col) => col.notNull())
        .addColumn('state_type', 'text', (col) => col.notNull())
        .addColumn('attempt', 'integer', (col) => col.notNull())
        .addColumn('output', 'text', (col) => col.notNull())
        .execute();
      // Unique so that a retried batch inserts nothing twice; it also serves (object_id, at) lookups.
      await db.schema
        .createIndex('state_events_object_at_kind')
        .on('state_events')
        .columns(['object_id', 'at', 'kind'])
        .unique()
        .execute();
      await db.schema
        .createIndex('state_events_host_at')
        .on('state_events')
        .columns(['host_id', 'at'])
        .execute();
      await db.schema.createIndex('state_events_at').on('state_events').column('at').execute();

      // (object_id, started_at) identifies a check run: a retried batch's results are ignored.
      await db.schema
        .createTable('check_results')
        .addColumn('object_id', 'text', (col) => col.notNull())
        .addColumn('planned_at', 'bigint', (col) => col.notNull())
        .addColumn('started_at', 'bigint', (col) => col.notNull())
        .addColumn('duration_ms', 'double precision', (col) => col.notNull())
        .addColumn('exit_code', 'integer', (col) => col.notNull())
        .addColumn('output', 'text', (col) => col.notNull())
        .addColumn('long_output', 'text', (col) => col.notNull())
        .addColumn('perfdata', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('check_results_pk', ['object_id', 'started_at'])
        .execute();
      await db.schema
        .createIndex('check_results_started_at')
        .on('check_results')
        .column('started_at')
        .execute();

      await db.schema
        .createTable('perfdata_hourly')
        .addColumn('object_id', 'text', (col) => col.notNull())
        .addColumn('label', 'text', (col) => col.notNull())
        .addColumn('hour_start', 'bigint', (col) => col.notNull())
        .addColumn('min', 'double precision', (col) => col.notNull())
        .addColumn('max', 'double precision', (col) => col.notNull())
        .addColumn('sum', 'double precision', (col) => col.notNull())
        .addColumn('count', 'integer', (col) => col.notNull())
        .addColumn('unit', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('perfdata_hourly_pk', ['object_id', 'label', 'hour_start'])
        .execute();
      await db.schema
        .createIndex('perfdata_hourly_hour_start')
        .on('perfdata_hourly')
        .column('hour_start')
        .execute();
    },
    async down(db: AnyDb) {
      for (const table of ['perfdata_hourly', 'check_results', 'state_events', 'object_states']) {
        await sql`drop table if exists ${sql.table(table)}`.execute(db);
      }
    },
  };
}

/** The durable delivery queue: every notification is written here before it is sent. */
function outbox(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      const table = db.schema.createTable('outbox');
      await (dialect === 'postgres'
        ? table.addColumn('seq', 'bigserial', (col) => col.primaryKey())
        : table.addColumn('seq', 'integer', (col) => col.primaryKey().autoIncrement())
      )
        .addColumn('id', 'text', (col) => col.notNull().unique())
        .addColumn('receiver', 'text', (col) => col.notNull())
        .addColumn('payload', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('attempts', 'integer', (col) => col.notNull())
        .addColumn('next_attempt_at', 'bigint', (col) => col.notNull())
        .addColumn('last_error', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema.createIndex('outbox_status_seq').on('outbox').columns(['status', 'seq']).execute();
      await db.schema.createIndex('outbox_created_at').on('outbox').column('created_at').execute();
    },
    async down(db: AnyDb) {
      await sql`drop table if exists outbox`.execute(db);
    },
  };
}

/** Escalations under way: which step of which policy a problem is at, surviving restarts. */
const escalations: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('escalations')
      .addColumn('key', 'text', (col) => col.primaryKey())
      .addColumn('object_id', 'text', (col) => col.notNull())
      .addColumn('policy', 'text', (col) => col.notNull())
      .addColumn('alert', 'text', (col) => col.notNull())
      .addColumn('step', 'integer', (col) => col.notNull())
      .addColumn('cycle', 'integer', (col) => col.notNull())
      .addColumn('next_at', 'bigint', (col) => col.notNull())
      .addColumn('notified', 'text', (col) => col.notNull())
      .addColumn('status', 'text', (col) => col.notNull())
      .addColumn('created_at', 'bigint', (col) => col.notNull())
      .addColumn('closed_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('escalations_status_next')
      .on('escalations')
      .columns(['status', 'next_at'])
      .execute();
    await db.schema
      .createIndex('escalations_object')
      .on('escalations')
      .columns(['object_id', 'status'])
      .execute();
  },
  async down(db: AnyDb) {
    await sql`drop table if exists escalations`.execute(db);
  },
};

/**
 * Acknowledgements and downtime windows. Neither is ever deleted: an acknowledgement gets
 * `removed_at` when it ends, a window `cancelled_at`, so availability reports and noise
 * reports can still count them.
 */
function acknowledgementsAndDowntime(dialect: Dialect): Migration {
  const withId = (table: string) => {
    const create = (db: AnyDb) => db.schema.createTable(table);
    return (db: AnyDb) =>
      dialect === 'postgres'
        ? create(db).addColumn('id', 'bigserial', (col) => col.primaryKey())
        : create(db).addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement());
  };
  return {
    async up(db: AnyDb) {
      await withId('acknowledgements')(db)
        .addColumn('object_id', 'text', (col) => col.notNull())
        .addColumn('state', 'integer', (col) => col.notNull())
        .addColumn('author', 'text', (col) => col.notNull())
        .addColumn('comment', 'text', (col) => col.notNull())
        .addColumn('sticky', 'integer', (col) => col.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('removed_at', 'bigint')
        .addColumn('removed_reason', 'text', (col) => col.notNull().defaultTo(''))
        .execute();
      await db.schema
        .createIndex('acknowledgements_object_removed')
        .on('acknowledgements')
        .columns(['object_id', 'removed_at'])
        .execute();
      await withId('downtimes')(db)
        .addColumn('target_kind', 'text', (col) => col.notNull())
        .addColumn('target_name', 'text', (col) => col.notNull())
        .addColumn('include_services', 'integer', (col) => col.notNull())
        .addColumn('include_children', 'integer', (col) => col.notNull())
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('start_at', 'bigint', (col) => col.notNull())
        .addColumn('end_at', 'bigint')
        .addColumn('duration_ms', 'bigint')
        .addColumn('recurrence', 'text')
        .addColumn('time_zone', 'text', (col) => col.notNull())
        .addColumn('triggered_at', 'bigint')
        .addColumn('author', 'text', (col) => col.notNull())
        .addColumn('comment', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('cancelled_at', 'bigint')
        .execute();
      await db.schema.createIndex('downtimes_cancelled_at').on('downtimes').column('cancelled_at').execute();
    },
    async down(db: AnyDb) {
      await sql`drop table if exists downtimes`.execute(db);
      await sql`drop table if exists acknowledgements`.execute(db);
    },
  };
}

/** Grouping: notifications of one route and receiver waiting to be sent as one message. */
const outboxGroups: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('outbox')
      .addColumn('group_key', 'text', (col) => col.notNull().defaultTo(''))
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.alterTable('outbox').dropColumn('group_key').execute();
  },
};

/** Root-cause problems whose notifications are queued: what a restart must not announce again. */
const announcedProblems: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('announced_problems')
      .addColumn('object_id', 'text', (col) => col.primaryKey())
      .addColumn('opened_at', 'bigint', (col) => col.notNull())
      .execute();
  },
  async down(db: AnyDb) {
    await sql`drop table if exists announced_problems`.execute(db);
  },
};

export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_initial_schema': initialSchema(dialect),
    '0002_outbox': outbox(dialect),
    '0003_acknowledgements_and_downtime': acknowledgementsAndDowntime(dialect),
    '0004_escalations': escalations,
    '0005_outbox_groups': outboxGroups,
    '0006_announced_problems': announcedProblems,
  };
}

/** Bring the schema up to date; throws the first failing migration's error. */
export async function migrateToLatest(db: AnyDb, dialect: Dialect): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations(dialect) } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error');
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${dialect} store: migration ${failed?.migrationName ?? '(listing)'} failed: ${message}`,
      {
        cause: error,
      },
    );
  }
}
