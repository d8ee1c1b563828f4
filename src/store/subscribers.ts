// Subscribers to status-site incidents (e-mail and webhook), shared by both backends through
// kysely. A confirmation token is kept only as its SHA-256; the unsubscribe token is kept as
// it is, because every message carries it and it can do nothing but unsubscribe. Unconfirmed
// e-mail subscriptions are deleted when they expire: an address nobody confirmed is not kept.
import type { Kysely, Selectable } from 'kysely';
import type { SubscribersTable, VigilDatabase } from './schema.ts';

export type SubscriberKind = 'email' | 'webhook';

export interface SubscriberRecord {
  id: number;
  kind: SubscriberKind;
  /** The e-mail address or the webhook URL. */
  target: string;
  /** A webhook's HMAC secret; '' for e-mail. */
  secret: string;
  /** Components subscribed to; empty: all. */
  components: string[];
  confirmTokenHash: string;
  unsubscribeToken: string;
  createdAt: number;
  confirmedAt: number | null;
  expiresAt: number | null;
  unsubscribedAt: number | null;
}

export type NewSubscriber = Omit<SubscriberRecord, 'id' | 'unsubscribedAt'>;

const num = (value: number | string | null) => (value === null ? null : Number(value));

function fromRow(row: Selectable<SubscribersTable>): SubscriberRecord {
  let components: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.components);
    if (Array.isArray(parsed)) components = parsed.map(String);
  } catch {
    // A broken row subscribes to everything rather than to nothing.
  }
  return {
    id: Number(row.id),
    kind: row.kind === 'webhook' ? 'webhook' : 'email',
    target: row.target,
    secret: row.secret,
    components,
    confirmTokenHash: row.confirm_token_hash,
    unsubscribeToken: row.unsubscribe_token,
    createdAt: Number(row.created_at),
    confirmedAt: num(row.confirmed_at),
    expiresAt: num(row.expires_at),
    unsubscribedAt: num(row.unsubscribed_at),
  };
}

export class SubscriberRecords {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  async add(subscriber: NewSubscriber): Promise<SubscriberRecord> {
    const row = await this.db
      .insertInto('subscribers')
      .values({
        kind: subscriber.kind,
        target: subscriber.target,
        secret: subscriber.secret,
        components: JSON.stringify(subscriber.components),
        confirm_token_hash: subscriber.confirmTokenHash,
        unsubscribe_token: subscriber.unsubscribeToken,
        created_at: Math.round(subscriber.createdAt),
        confirmed_at: subscriber.confirmedAt === null ? null : Math.round(subscriber.confirmedAt),
        expires_at: subscriber.expiresAt === null ? null : Math.round(subscriber.expiresAt),
        unsubscribed_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await this.get(Number(row.id))) as SubscriberRecord;
  }

  async get(id: number): Promise<SubscriberRecord | undefined> {
    const row = await this.db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Subscriptions of one address or URL that are not unsubscribed. */
  async ofTarget(kind: SubscriberKind, target: string): Promise<SubscriberRecord[]> {
    const rows = await this.db
      .selectFrom('subscribers')
      .selectAll()
      .where('kind', '=', kind)
      .where('target', '=', target)
      .where('unsubscribed_at', 'is', null)
      .execute();
    return rows.map(fromRow);
  }

  /** A new confirmation token for a pending subscription (asked again before it expired). */
  async renewConfirmation(
    id: number,
    tokenHash: string,
    expiresAt: number,
    components: string[],
  ): Promise<void> {
    await this.db
      .updateTable('subscribers')
      .set({
        confirm_token_hash: tokenHash,
        expires_at: Math.round(expiresAt),
        components: JSON.stringify(components),
      })
      .where('id', '=', id)
      .where('confirmed_at', 'is', null)
      .execute();
  }

  /** Confirms the pending, unexpired subscription with this token hash; undefined when there is none. */
  async confirm(tokenHash: string, at: number): Promise<SubscriberRecord | undefined> {
    if (tokenHash === '') return undefined;
    const row = await this.db
      .selectFrom('subscribers')
      .selectAll()
      .where('confirm_token_hash', '=', tokenHash)
      .where('confirmed_at', 'is', null)
      .where('unsubscribed_at', 'is', null)
      .executeTakeFirst();
    if (!row || (row.expires_at !== null && Number(row.expires_at) <= at)) return undefined;
    await this.db
      .updateTable('subscribers')
      .set({ confirmed_at: Math.round(at), confirm_token_hash: '', expires_at: null })
      .where('id', '=', row.id)
      .execute();
    return this.get(Number(row.id));
  }

  /** Ends the subscription with this unsubscribe token; undefined when none is active. */
  async unsubscribe(token: string, at: number): Promise<SubscriberRecord | undefined> {
    if (token === '') return undefined;
    const row = await this.db
      .selectFrom('subscribers')
      .selectAll()
      .where('unsubscribe_token', '=', token)
      .where('unsubscribed_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    await this.db
      .updateTable('subscribers')
      .set({ unsubscribed_at: Math.round(at) })
      .where('id', '=', row.id)
      .execute();
    return this.get(Number(row.id));
  }

  /** Confirmed subscriptions still in force: who is told about incidents. */
  async active(): Promise<SubscriberRecord[]> {
    const rows = await this.db
      .selectFrom('subscribers')
      .selectAll()
      .where('confirmed_at', 'is not', null)
      .where('unsubscribed_at', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map(fromRow);
  }

  /** Subscriptions a message may still go to: active ones, and pending ones awaiting their confirmation mail. */
  async reachable(now: number): Promise<SubscriberRecord[]> {
    const rows = await this.db
      .selectFrom('subscribers')
      .selectAll()
      .where('unsubscribed_at', 'is', null)
      .where((eb) => eb.or([eb('confirmed_at', 'is not', null), eb('expires_at', '>', Math.round(now))]))
      .orderBy('id')
      .execute();
    return rows.map(fromRow);
  }

  /** Deletes unconfirmed subscriptions past their expiry; returns how many. */
  async expire(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom('subscribers')
      .where('confirmed_at', 'is', null)
      .where('expires_at', '<=', Math.round(now))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Counts for operators: confirmed, pending and unsubscribed, by kind. */
  async counts(): Promise<
    { kind: SubscriberKind; confirmed: number; pending: number; unsubscribed: number }[]
  > {
    const rows = await this.db
      .selectFrom('subscribers')
      .select(['kind', 'confirmed_at', 'unsubscribed_at'])
      .execute();
    const counts = new Map<SubscriberKind, { confirmed: number; pending: number; unsubscribed: number }>();
    for (const row of rows) {
      const kind: SubscriberKind = row.kind === 'webhook' ? 'webhook' : 'email';
      const entry = counts.get(kind) ?? { confirmed: 0, pending: 0, unsubscribed: 0 };
      if (row.unsubscribed_at !== null) entry.unsubscribed++;
      else if (row.confirmed_at !== null) entry.confirmed++;
      else entry.pending++;
      counts.set(kind, entry);
    }
    return [...counts].map(([kind, c]) => ({ kind, ...c }));
  }
}
