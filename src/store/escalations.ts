// Escalations under way, shared by both backends through kysely: after a restart the
// daemon picks every open escalation up at the step it had reached.
import type { Kysely } from 'kysely';
import type { VigilDatabase } from './schema.ts';

export interface EscalationRecord {
  /** The problem: object id and the time it opened. */
  key: string;
  objectId: string;
  policy: string;
  /** The alert that opened it, to notify later steps with. */
  alert: unknown;
  /** The next step to notify. */
  step: number;
  /** How many times the steps have run through already. */
  cycle: number;
  nextAt: number;
  /** Receivers notified so far: they hear about the acknowledgement or recovery too. */
  notified: string[];
  status: 'open' | 'closed';
  createdAt: number;
}

export class Escalations {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  /** Records a new escalation; a problem already escalating keeps its record. */
  async open(record: Omit<EscalationRecord, 'status'>): Promise<void> {
    await this.db
      .insertInto('escalations')
      .values({
        key: record.key,
        object_id: record.objectId,
        policy: record.policy,
        alert: JSON.stringify(record.alert),
        step: record.step,
        cycle: record.cycle,
        next_at: Math.round(record.nextAt),
        notified: JSON.stringify(record.notified),
        status: 'open',
        created_at: Math.round(record.createdAt),
        closed_at: null,
      })
      .onConflict((conflict) => conflict.column('key').doNothing())
      .execute();
  }

  async due(now: number, limit = 500): Promise<EscalationRecord[]> {
    const rows = await this.db
      .selectFrom('escalations')
      .selectAll()
      .where('status', '=', 'open')
      .where('next_at', '<=', Math.round(now))
      .orderBy('next_at')
      .limit(limit)
      .execute();
    return rows.map(recordFromRow);
  }

  async advance(key: string, step: number, cycle: number, nextAt: number, notified: string[]): Promise<void> {
    await this.db
      .updateTable('escalations')
      .set({ step, cycle, next_at: Math.round(nextAt), notified: JSON.stringify(notified) })
      .where('key', '=', key)
      .execute();
  }

  /** Ends every open escalation of an object (acknowledged, recovered); returns what was open. */
  async close(objectId: string, at: number): Promise<EscalationRecord[]> {
    return this.db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('escalations')
        .selectAll()
        .where('object_id', '=', objectId)
        .where('status', '=', 'open')
        .execute();
      if (rows.length > 0) {
        await tx
          .updateTable('escalations')
          .set({ status: 'closed', closed_at: Math.round(at) })
          .where('object_id', '=', objectId)
          .where('status', '=', 'open')
          .execute();
      }
      return rows.map(recordFromRow);
    });
  }

  async list(status: 'open' | 'closed' = 'open', limit = 100): Promise<EscalationRecord[]> {
    const rows = await this.db
      .selectFrom('escalations')
      .selectAll()
      .where('status', '=', status)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(recordFromRow);
  }
}

function recordFromRow(row: VigilDatabase['escalations']): EscalationRecord {
  return {
    key: row.key,
    objectId: row.object_id,
    policy: row.policy,
    alert: JSON.parse(row.alert) as unknown,
    step: row.step,
    cycle: row.cycle,
    nextAt: Number(row.next_at),
    notified: JSON.parse(row.notified) as string[],
    status: row.status as 'open' | 'closed',
    createdAt: Number(row.created_at),
  };
}
