// Which root-cause problems have had their notifications queued. Recorded after the
// outbox write, so a crash in between means a problem is announced twice (a duplicate
// message), never that it goes unannounced.
import type { Kysely } from 'kysely';
import type { VigilDatabase } from './schema.ts';

export class AnnouncedProblems {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  async list(): Promise<string[]> {
    const rows = await this.db.selectFrom('announced_problems').select('object_id').execute();
    return rows.map((row) => row.object_id);
  }

  /** Records problems announced as opened and forgets those announced as resolved, in one transaction. */
  async record(opened: { objectId: string; at: number }[], resolved: string[]): Promise<void> {
    if (opened.length === 0 && resolved.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      if (resolved.length > 0)
        await tx.deleteFrom('announced_problems').where('object_id', 'in', resolved).execute();
      if (opened.length > 0) {
        await tx
          .insertInto('announced_problems')
          .values(opened.map((o) => ({ object_id: o.objectId, opened_at: Math.round(o.at) })))
          .onConflict((conflict) =>
            conflict.column('object_id').doUpdateSet((eb) => ({ opened_at: eb.ref('excluded.opened_at') })),
          )
          .execute();
      }
    });
  }
}
