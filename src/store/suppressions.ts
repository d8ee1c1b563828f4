// Acknowledgements and downtime windows, shared by both backends through kysely. Nothing
// here is ever deleted: an acknowledgement that ends gets `removedAt`, a cancelled window
// `cancelledAt`, so availability and noise reports can count them afterwards.
import type { Kysely, Selectable } from 'kysely';
import type { AcknowledgementsTable, DowntimesTable, VigilDatabase } from './schema.ts';

export interface AcknowledgementRecord {
  id: number;
  /** Host name or `host/service`. */
  objectId: string;
  /** The state acknowledged (host or service numbering). */
  state: number;
  author: string;
  comment: string;
  /** Sticky: holds until the object is OK again; otherwise also ends when the state changes. */
  sticky: boolean;
  expiresAt: number | null;
  createdAt: number;
  removedAt: number | null;
  /** Why it ended: "recovered", "state changed to WARNING", "removed by alice", "replaced", ... */
  removedReason: string;
}

export type NewAcknowledgement = Omit<AcknowledgementRecord, 'id' | 'removedAt' | 'removedReason'>;

export type DowntimeTargetKind = 'host' | 'service' | 'hostgroup' | 'tag';

export interface DowntimeRecord {
  id: number;
  target: { kind: DowntimeTargetKind; name: string };
  /** The services of covered hosts are themselves in downtime (not only silenced through their host). */
  includeServices: boolean;
  /** Hosts whose parents lead to a covered host are covered too. */
  includeChildren: boolean;
  /** Fixed: in force from start to end. Flexible: starts when a covered object first fails inside [start, end). */
  type: 'fixed' | 'flexible';
  startAt: number;
  /** End of the window (fixed), of the trigger window (flexible), or of the recurrence (null: none). */
  endAt: number | null;
  /** Flexible: how long it lasts once triggered. Recurring: how long each occurrence lasts. */
  durationMs: number | null;
  /** A cron expression, or "weekly ..." / "monthly ..." text; null for a single window. */
  recurrence: string | null;
  /** Zone the recurrence is read in. */
  timeZone: string;
  /** When a flexible window was triggered. */
  triggeredAt: number | null;
  author: string;
  comment: string;
  createdAt: number;
  cancelledAt: number | null;
}

export type NewDowntime = Omit<DowntimeRecord, 'id' | 'triggeredAt' | 'cancelledAt'>;

const ms = (time: number | null) => (time === null ? null : Math.round(time));
const num = (value: number | null) => (value === null ? null : Number(value));

export class AcknowledgementRecords {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  /** Records an acknowledgement; one already in force on the object is replaced (it ends as "replaced"). */
  async add(ack: NewAcknowledgement): Promise<AcknowledgementRecord> {
    // Two statements, not a kysely transaction: on SQLite the engine's synchronous writes share
    // the connection and must not land inside one that awaits.
    await this.db
      .updateTable('acknowledgements')
      .set({ removed_at: ms(ack.createdAt), removed_reason: 'replaced' })
      .where('object_id', '=', ack.objectId)
      .where('removed_at', 'is', null)
      .execute();
    const row = await this.db
      .insertInto('acknowledgements')
      .values({
        object_id: ack.objectId,
        state: ack.state,
        author: ack.author,
        comment: ack.comment,
        sticky: ack.sticky ? 1 : 0,
        expires_at: ms(ack.expiresAt),
        created_at: ms(ack.createdAt) as number,
        removed_at: null,
        removed_reason: '',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return ackFromRow(row);
  }

  /** Acknowledgements not yet removed (expiry is judged by the caller, who has the clock). */
  async current(): Promise<AcknowledgementRecord[]> {
    const rows = await this.db
      .selectFrom('acknowledgements')
      .selectAll()
      .where('removed_at', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map(ackFromRow);
  }

  /** Every acknowledgement of an object (or all), newest first. */
  async list(objectId?: string, limit = 100): Promise<AcknowledgementRecord[]> {
    let select = this.db.selectFrom('acknowledgements').selectAll().orderBy('id', 'desc').limit(limit);
    if (objectId !== undefined) select = select.where('object_id', '=', objectId);
    return (await select.execute()).map(ackFromRow);
  }

  /** Acknowledgements made in [since, until), oldest first, ended ones included. */
  async createdBetween(since: number, until: number): Promise<AcknowledgementRecord[]> {
    const rows = await this.db
      .selectFrom('acknowledgements')
      .selectAll()
      .where('created_at', '>=', Math.round(since))
      .where('created_at', '<', Math.round(until))
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(ackFromRow);
  }

  /** Ends the acknowledgement in force on an object; returns how many ended (0 or 1). */
  async remove(objectId: string, at: number, reason: string): Promise<number> {
    const result = await this.db
      .updateTable('acknowledgements')
      .set({ removed_at: ms(at), removed_reason: reason })
      .where('object_id', '=', objectId)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Ends one acknowledgement by id, if still in force. */
  async end(id: number, at: number, reason: string): Promise<void> {
    await this.db
      .updateTable('acknowledgements')
      .set({ removed_at: ms(at), removed_reason: reason })
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .execute();
  }
}

export class DowntimeRecords {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  async add(downtime: NewDowntime): Promise<DowntimeRecord> {
    const row = await this.db
      .insertInto('downtimes')
      .values({
        target_kind: downtime.target.kind,
        target_name: downtime.target.name,
        include_services: downtime.includeServices ? 1 : 0,
        include_children: downtime.includeChildren ? 1 : 0,
        type: downtime.type,
        start_at: ms(downtime.startAt) as number,
        end_at: ms(downtime.endAt),
        duration_ms: ms(downtime.durationMs),
        recurrence: downtime.recurrence,
        time_zone: downtime.timeZone,
        triggered_at: null,
        author: downtime.author,
        comment: downtime.comment,
        created_at: ms(downtime.createdAt) as number,
        cancelled_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return downtimeFromRow(row);
  }

  async get(id: number): Promise<DowntimeRecord | undefined> {
    const row = await this.db.selectFrom('downtimes').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? downtimeFromRow(row) : undefined;
  }

  /** Windows not cancelled (whether past, in force or to come is for the caller's clock). */
  async current(): Promise<DowntimeRecord[]> {
    const rows = await this.db
      .selectFrom('downtimes')
      .selectAll()
      .where('cancelled_at', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map(downtimeFromRow);
  }

  /** Every window, cancelled ones included, oldest first: what availability reports count. */
  async all(): Promise<DowntimeRecord[]> {
    const rows = await this.db.selectFrom('downtimes').selectAll().orderBy('id').execute();
    return rows.map(downtimeFromRow);
  }

  /** Ends a window now; false when there is no such window or it was already cancelled. */
  async cancel(id: number, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('downtimes')
      .set({ cancelled_at: ms(at) })
      .where('id', '=', id)
      .where('cancelled_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Records when a flexible window started; the first trigger wins. */
  async trigger(id: number, at: number): Promise<void> {
    await this.db
      .updateTable('downtimes')
      .set({ triggered_at: ms(at) })
      .where('id', '=', id)
      .where('triggered_at', 'is', null)
      .execute();
  }
}

function ackFromRow(row: Selectable<AcknowledgementsTable>): AcknowledgementRecord {
  return {
    id: Number(row.id),
    objectId: row.object_id,
    state: row.state,
    author: row.author,
    comment: row.comment,
    sticky: row.sticky !== 0,
    expiresAt: num(row.expires_at),
    createdAt: Number(row.created_at),
    removedAt: num(row.removed_at),
    removedReason: row.removed_reason,
  };
}

function downtimeFromRow(row: Selectable<DowntimesTable>): DowntimeRecord {
  return {
    id: Number(row.id),
    target: { kind: row.target_kind as DowntimeTargetKind, name: row.target_name },
    includeServices: row.include_services !== 0,
    includeChildren: row.include_children !== 0,
    type: row.type as DowntimeRecord['type'],
    startAt: Number(row.start_at),
    endAt: num(row.end_at),
    durationMs: num(row.duration_ms),
    recurrence: row.recurrence,
    timeZone: row.time_zone,
    triggeredAt: num(row.triggered_at),
    author: row.author,
    comment: row.comment,
    createdAt: Number(row.created_at),
    cancelledAt: num(row.cancelled_at),
  };
}
