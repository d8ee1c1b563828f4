// The durable delivery queue ("outbox"), shared by both backends through kysely: what
// goes in survives restarts and kill -9 until it is marked delivered or failed.
import { type Kysely, sql } from 'kysely';
import type { VigilDatabase } from './schema.ts';

export type OutboxStatus = 'pending' | 'delivered' | 'failed';

export interface OutboxEntry {
  /** Enqueue order, for delivering each receiver's entries in the order they were made. */
  seq: number;
  /** Idempotency key: enqueuing the same id twice keeps the first. */
  id: string;
  receiver: string;
  payload: unknown;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string;
  createdAt: number;
  deliveredAt: number | null;
  /** Entries with the same key (receiver and route) are sent together; '' for none. */
  groupKey: string;
}

export interface NewOutboxEntry {
  id: string;
  receiver: string;
  payload: unknown;
  createdAt: number;
  groupKey?: string;
  /** Not to be sent before this time (a grouping window); default: at once. */
  notBefore?: number;
}

export interface OutboxQuery {
  status?: OutboxStatus;
  receiver?: string;
  since?: number;
  /** Only entries queued before this one (by `seq`): the next page of a newest-first list. */
  beforeSeq?: number;
  limit?: number;
}

/** How long the daemon keeps delivered entries (failed ones stay until retried); reports cannot look further back. */
export const DELIVERED_RETENTION_MS = 400 * 86_400_000;

/** Largest batch inserted in one statement: under both databases' parameter limits. */
const ROWS_PER_INSERT = 500;

export class Outbox {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  /** Queues entries in one transaction; ids already queued are left as they are. */
  async enqueue(entries: NewOutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      for (let i = 0; i < entries.length; i += ROWS_PER_INSERT) {
        const rows = entries.slice(i, i + ROWS_PER_INSERT).map((entry) => ({
          id: entry.id,
          receiver: entry.receiver,
          payload: JSON.stringify(entry.payload),
          status: 'pending',
          attempts: 0,
          next_attempt_at: Math.round(entry.notBefore ?? entry.createdAt),
          last_error: '',
          created_at: Math.round(entry.createdAt),
          delivered_at: null,
          group_key: entry.groupKey ?? '',
        }));
        await tx
          .insertInto('outbox')
          .values(rows)
          .onConflict((conflict) => conflict.column('id').doNothing())
          .execute();
      }
    });
  }

  /** Pending entries, oldest first: the delivery worker's work list. */
  async pending(limit: number): Promise<OutboxEntry[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('status', '=', 'pending')
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(entryFromRow);
  }

  /**
   * The oldest pending entries of every receiver, at most `perReceiver` each: one receiver
   * with a long backlog (a channel down for hours) cannot crowd the others out.
   */
  async pendingPerReceiver(perReceiver: number): Promise<OutboxEntry[]> {
    const { rows } = await sql<OutboxRow>`
      select * from (
        select outbox.*, row_number() over (partition by receiver order by seq) as position
        from outbox where status = 'pending'
      ) heads
      where position <= ${perReceiver}
      order by seq`.execute(this.db);
    return rows.map(entryFromRow);
  }

  /** Marks entries delivered (a digest's members together): one statement. */
  async markDelivered(ids: readonly string[], at: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('outbox')
      .set({ status: 'delivered', delivered_at: Math.round(at), last_error: '' })
      .where('id', 'in', ids)
      .execute();
  }

  /**
   * Records a failed attempt for entries sent together; `nextAttemptAt` undefined means
   * give up (status failed).
   */
  async markAttemptFailed(
    ids: readonly string[],
    attempts: number,
    error: string,
    nextAttemptAt: number | undefined,
  ): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('outbox')
      .set({
        status: nextAttemptAt === undefined ? 'failed' : 'pending',
        attempts,
        last_error: error.slice(0, 2000),
        ...(nextAttemptAt === undefined ? {} : { next_attempt_at: Math.round(nextAttemptAt) }),
      })
      .where('id', 'in', ids)
      .execute();
  }

  /** Puts failed entries back in the queue (all, or those named); returns how many. */
  async retry(ids: string[] | undefined, now: number): Promise<number> {
    let update = this.db
      .updateTable('outbox')
      .set({ status: 'pending', next_attempt_at: Math.round(now) })
      .where('status', '=', 'failed');
    if (ids) update = update.where('id', 'in', ids.length > 0 ? ids : ['']);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async list(query: OutboxQuery = {}): Promise<OutboxEntry[]> {
    let select = this.db.selectFrom('outbox').selectAll().orderBy('seq', 'desc');
    if (query.status) select = select.where('status', '=', query.status);
    if (query.receiver) select = select.where('receiver', '=', query.receiver);
    if (query.since !== undefined) select = select.where('created_at', '>=', query.since);
    if (query.beforeSeq !== undefined) select = select.where('seq', '<', query.beforeSeq);
    select = select.limit(query.limit ?? 100);
    const rows = await select.execute();
    return rows.map(entryFromRow);
  }

  /** How many entries wait for delivery, per receiver (for metrics). */
  async pendingCounts(): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('outbox')
      .select((eb) => ['receiver', eb.fn.countAll<number | string>().as('count')])
      .where('status', '=', 'pending')
      .groupBy('receiver')
      .execute();
    return new Map(rows.map((row) => [row.receiver, Number(row.count)]));
  }

  /** Every entry created in [since, until), in enqueue order: what the noise report counts. */
  async createdBetween(since: number, until: number): Promise<OutboxEntry[]> {
    const rows = await this.db
      .selectFrom('outbox')
      .selectAll()
      .where('created_at', '>=', Math.round(since))
      .where('created_at', '<', Math.round(until))
      .orderBy('seq')
      .execute();
    return rows.map(entryFromRow);
  }

  /** When a group last had a message delivered, for spacing the next one. */
  async lastDelivered(groupKey: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.max('delivered_at').as('last'))
      .where('group_key', '=', groupKey)
      .where('status', '=', 'delivered')
      .executeTakeFirst();
    return row?.last === null || row?.last === undefined ? undefined : Number(row.last);
  }

  /** Deletes delivered entries created before `before`; failed ones stay until retried. */
  async prune(before: number): Promise<number> {
    const result = await this.db
      .deleteFrom('outbox')
      .where('status', '=', 'delivered')
      .where('created_at', '<', Math.round(before))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

interface OutboxRow {
  seq: number;
  id: string;
  receiver: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string;
  created_at: number;
  delivered_at: number | null;
  group_key: string;
}

function entryFromRow(row: OutboxRow): OutboxEntry {
  return {
    seq: Number(row.seq),
    id: row.id,
    receiver: row.receiver,
    payload: JSON.parse(row.payload) as unknown,
    status: row.status as OutboxStatus,
    attempts: row.attempts,
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
    createdAt: Number(row.created_at),
    deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
    groupKey: row.group_key,
  };
}
