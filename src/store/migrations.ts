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

/**
 * Users, their sessions and API tokens, and the audit log of who changed what. Sessions and
 * tokens keep only a SHA-256 of their secrets; audit rows are never updated.
 */
function usersAndAudit(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('users')
        .addColumn('username', 'text', (col) => col.primaryKey())
        .addColumn('role', 'text', (col) => col.notNull())
        .addColumn('password_hash', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('disabled', 'integer', (col) => col.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('username', 'text', (col) => col.notNull())
        .addColumn('csrf_token', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
        .addColumn('expires_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('sessions_username').on('sessions').column('username').execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('username', 'text', (col) => col.notNull())
        .addColumn('role', 'text', (col) => col.notNull())
        .addColumn('secret_hash', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('api_tokens_username').on('api_tokens').column('username').execute();
      const audit = db.schema.createTable('audit_log');
      await (dialect === 'postgres'
        ? audit.addColumn('id', 'bigserial', (col) => col.primaryKey())
        : audit.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
      )
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('actor', 'text', (col) => col.notNull())
        .addColumn('via', 'text', (col) => col.notNull())
        .addColumn('action', 'text', (col) => col.notNull())
        .addColumn('target', 'text', (col) => col.notNull())
        .addColumn('detail', 'text', (col) => col.notNull())
        .addColumn('remote_address', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
      await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'id']).execute();
    },
    async down(db: AnyDb) {
      for (const table of ['audit_log', 'api_tokens', 'sessions', 'users']) {
        await sql`drop table if exists ${sql.table(table)}`.execute(db);
      }
    },
  };
}

/**
 * Maintenance runs (database role swaps, proxy pauses): when, how long traffic was held, and
 * how it ended. Never deleted: availability reports count them like any other downtime.
 */
function maintenanceRuns(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      const table = db.schema.createTable('maintenance');
      await (dialect === 'postgres'
        ? table.addColumn('id', 'bigserial', (col) => col.primaryKey())
        : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
      )
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('started_at', 'bigint', (col) => col.notNull())
        .addColumn('ended_at', 'bigint', (col) => col.notNull())
        .addColumn('pause_ms', 'bigint', (col) => col.notNull())
        .addColumn('outcome', 'text', (col) => col.notNull())
        .addColumn('summary', 'text', (col) => col.notNull())
        .addColumn('details', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('maintenance_started_at').on('maintenance').column('started_at').execute();
    },
    async down(db: AnyDb) {
      await sql`drop table if exists maintenance`.execute(db);
    },
  };
}

/**
 * The availability ledger: outage, degraded, partial, maintenance and unknown intervals per
 * service, host and component (append-only: a row is inserted open and later given its end),
 * and the runs of the daemon itself, so that time Vigil was not watching counts as unknown.
 */
function availabilityLedger(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      const intervals = db.schema.createTable('availability_intervals');
      await (dialect === 'postgres'
        ? intervals.addColumn('id', 'bigserial', (col) => col.primaryKey())
        : intervals.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
      )
        .addColumn('subject_kind', 'text', (col) => col.notNull())
        .addColumn('subject_id', 'text', (col) => col.notNull())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('cause', 'text', (col) => col.notNull())
        .addColumn('weight', 'double precision', (col) => col.notNull())
        .addColumn('start_at', 'bigint', (col) => col.notNull())
        .addColumn('end_at', 'bigint')
        .execute();
      // Unique so that a retried write opens nothing twice.
      await db.schema
        .createIndex('availability_intervals_identity')
        .on('availability_intervals')
        .columns(['subject_kind', 'subject_id', 'kind', 'cause', 'start_at'])
        .unique()
        .execute();
      await db.schema
        .createIndex('availability_intervals_start')
        .on('availability_intervals')
        .column('start_at')
        .execute();
      await db.schema
        .createIndex('availability_intervals_open')
        .on('availability_intervals')
        .column('end_at')
        .execute();
      const runs = db.schema.createTable('monitoring_runs');
      await (dialect === 'postgres'
        ? runs.addColumn('id', 'bigserial', (col) => col.primaryKey())
        : runs.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
      )
        .addColumn('started_at', 'bigint', (col) => col.notNull())
        .addColumn('last_seen_at', 'bigint', (col) => col.notNull())
        .addColumn('stopped_at', 'bigint')
        .execute();
    },
    async down(db: AnyDb) {
      await sql`drop table if exists monitoring_runs`.execute(db);
      await sql`drop table if exists availability_intervals`.execute(db);
    },
  };
}

/**
 * The status site's incidents with their public updates, maintenance announcements, and
 * subscribers. Incidents and announcements are never deleted (the time-to-first-post report
 * and the uptime page read them back).
 */
function incidentsAndSubscribers(dialect: Dialect): Migration {
  const withId = (db: AnyDb, table: string) => {
    const create = db.schema.createTable(table);
    return dialect === 'postgres'
      ? create.addColumn('id', 'bigserial', (col) => col.primaryKey())
      : create.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement());
  };
  return {
    async up(db: AnyDb) {
      await withId(db, 'incidents')
        .addColumn('title', 'text', (col) => col.notNull())
        .addColumn('impact', 'text', (col) => col.notNull())
        .addColumn('phase', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('components', 'text', (col) => col.notNull())
        .addColumn('causes', 'text', (col) => col.notNull())
        .addColumn('started_at', 'bigint', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('publish_at', 'bigint')
        .addColumn('held_by', 'text', (col) => col.notNull().defaultTo(''))
        .addColumn('published_at', 'bigint')
        .addColumn('first_post_ms', 'bigint')
        .addColumn('resolved_at', 'bigint')
        .addColumn('resolve_at', 'bigint')
        .addColumn('postmortem_url', 'text')
        .addColumn('origin', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('incidents_status').on('incidents').column('status').execute();
      await db.schema.createIndex('incidents_started_at').on('incidents').column('started_at').execute();
      await withId(db, 'incident_updates')
        .addColumn('incident_id', 'bigint', (col) => col.notNull())
        .addColumn('phase', 'text', (col) => col.notNull())
        .addColumn('message', 'text', (col) => col.notNull())
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('author', 'text', (col) => col.notNull())
        .addColumn('notified', 'integer', (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex('incident_updates_incident')
        .on('incident_updates')
        .columns(['incident_id', 'id'])
        .execute();
      await db.schema
        .createIndex('incident_updates_notified')
        .on('incident_updates')
        .column('notified')
        .execute();
      await withId(db, 'scheduled_maintenance')
        .addColumn('title', 'text', (col) => col.notNull())
        .addColumn('message', 'text', (col) => col.notNull())
        .addColumn('components', 'text', (col) => col.notNull())
        .addColumn('starts_at', 'bigint', (col) => col.notNull())
        .addColumn('ends_at', 'bigint', (col) => col.notNull())
        .addColumn('downtime_id', 'bigint')
        .addColumn('author', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('cancelled_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('scheduled_maintenance_ends_at')
        .on('scheduled_maintenance')
        .column('ends_at')
        .execute();
      await withId(db, 'subscribers')
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('target', 'text', (col) => col.notNull())
        .addColumn('secret', 'text', (col) => col.notNull())
        .addColumn('components', 'text', (col) => col.notNull())
        .addColumn('confirm_token_hash', 'text', (col) => col.notNull())
        .addColumn('unsubscribe_token', 'text', (col) => col.notNull())
        .addColumn('created_at', 'bigint', (col) => col.notNull())
        .addColumn('confirmed_at', 'bigint')
        .addColumn('expires_at', 'bigint')
        .addColumn('unsubscribed_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('subscribers_target')
        .on('subscribers')
        .columns(['kind', 'target'])
        .execute();
      await db.schema
        .createIndex('subscribers_unsubscribe_token')
        .on('subscribers')
        .column('unsubscribe_token')
        .execute();
      await db.schema
        .createIndex('subscribers_confirm_token')
        .on('subscribers')
        .column('confirm_token_hash')
        .execute();
    },
    async down(db: AnyDb) {
      for (const table of ['subscribers', 'scheduled_maintenance', 'incident_updates', 'incidents']) {
        await sql`drop table if exists ${sql.table(table)}`.execute(db);
      }
    },
  };
}

/**
 * Deploys: which version of which service went out when, by whom. Shown beside incidents and
 * on availability timelines; never deleted with the check history.
 */
function deploys(dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      const table = db.schema.createTable('deploys');
      await (dialect === 'postgres'
        ? table.addColumn('id', 'bigserial', (col) => col.primaryKey())
        : table.addColumn('id', 'integer', (col) => col.primaryKey().autoIncrement())
      )
        .addColumn('service', 'text', (col) => col.notNull())
        .addColumn('version', 'text', (col) => col.notNull())
        .addColumn('at', 'bigint', (col) => col.notNull())
        .addColumn('deployed_by', 'text', (col) => col.notNull())
        .addColumn('description', 'text', (col) => col.notNull())
        .addColumn('link', 'text', (col) => col.notNull())
        .addColumn('recorded_at', 'bigint', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('deploys_at').on('deploys').column('at').execute();
      await db.schema.createIndex('deploys_service_at').on('deploys').columns(['service', 'at']).execute();
    },
    async down(db: AnyDb) {
      await sql`drop table if exists deploys`.execute(db);
    },
  };
}

/**
 * Reports read each subject's intervals in start order: this index hands them over without
 * a sort, and (holding every column a report reads) without visiting the table.
 */
const availabilityBySubject: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createIndex('availability_intervals_subject')
      .ifNotExists()
      .on('availability_intervals')
      .columns(['subject_kind', 'subject_id', 'start_at', 'end_at', 'kind', 'weight'])
      .execute();
  },
  async down(db: AnyDb) {
    await sql`drop index if exists availability_intervals_subject`.execute(db);
  },
};

/**
 * Every downtime window a maintenance announcement made (one per member of its components), so
 * cancelling the announcement cancels them all. Older rows keep only their first in downtime_id.
 */
const maintenanceDowntimeIds: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('scheduled_maintenance')
      .addColumn('downtime_ids', 'text', (col) => col.notNull().defaultTo('[]'))
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.alterTable('scheduled_maintenance').dropColumn('downtime_ids').execute();
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
    '0007_users_and_audit': usersAndAudit(dialect),
    '0008_maintenance': maintenanceRuns(dialect),
    '0009_availability': availabilityLedger(dialect),
    '0010_deploys': deploys(dialect),
    '0011_incidents': incidentsAndSubscribers(dialect),
    '0012_availability_by_subject': availabilityBySubject,
    '0013_maintenance_downtime_ids': maintenanceDowntimeIds,
  };
}

/** Bring the schema up to date; throws the first failing migration's error. */
export async function migrateToLatest(db: AnyDb, dialect: Dialect): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dialect) },
    // Each migration creates its own tables, independent of its neighbours: one added with a
    // lower number than a migration a store has already applied is applied, not refused.
    allowUnorderedMigrations: true,
  });
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
