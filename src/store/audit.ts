// The audit log: who changed what, when, through which door. Rows are only ever added;
// reading is newest first with a cursor (the last id seen), so paging stays stable while
// new entries arrive.
import type { Kysely, Selectable } from 'kysely';
import type { AuditLogTable, VigilDatabase } from './schema.ts';

/** How the actor reached Vigil. */
export type AuditVia = 'session' | 'token' | 'cli' | 'chat';

export interface AuditEntry {
  id: number;
  at: number;
  /** A username, the OS user of a CLI command, or the chat user. */
  actor: string;
  via: AuditVia;
  /** Dotted verb: "acknowledgement.add", "user.remove", "session.login_failed", ... */
  action: string;
  /** What was acted on: an object id, a username, a token id, a downtime id; '' when none. */
  target: string;
  detail: Record<string, unknown>;
  /** The client address for HTTP requests; '' for the CLI. */
  remoteAddress: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface AuditQuery {
  actor?: string;
  action?: string;
  /** Entries at or after this time. */
  since?: number;
  /** Entries older than this id (the cursor of the previous page). */
  before?: number;
  limit: number;
}

export class AuditLog {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  async record(entry: NewAuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        at: Math.round(entry.at),
        actor: entry.actor,
        via: entry.via,
        action: entry.action,
        target: entry.target,
        detail: JSON.stringify(entry.detail),
        remote_address: entry.remoteAddress,
      })
      .execute();
  }

  /** Newest first. */
  async list(query: AuditQuery): Promise<AuditEntry[]> {
    let select = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(query.limit);
    if (query.actor !== undefined) select = select.where('actor', '=', query.actor);
    if (query.action !== undefined) select = select.where('action', '=', query.action);
    if (query.since !== undefined) select = select.where('at', '>=', Math.round(query.since));
    if (query.before !== undefined) select = select.where('id', '<', query.before);
    return (await select.execute()).map(entryFromRow);
  }
}

function entryFromRow(row: Selectable<AuditLogTable>): AuditEntry {
  let detail: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(row.detail);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      detail = parsed as Record<string, unknown>;
  } catch {
    // A row written by hand with broken JSON still lists; its detail is just empty.
  }
  return {
    id: Number(row.id),
    at: Number(row.at),
    actor: row.actor,
    via: row.via as AuditVia,
    action: row.action,
    target: row.target,
    detail,
    remoteAddress: row.remote_address,
  };
}
