// Users, sign-in sessions and API tokens, shared by both backends through kysely. Secrets
// never reach the store: sessions and tokens are found by the SHA-256 of their secret, and
// passwords are stored as scrypt hashes. Hashing and role rules live in src/api/auth/; this
// file only keeps rows. Roles are stored as text and checked by the auth layer on the way out.
//
// Single statements only, no kysely transactions: on SQLite the engine's synchronous writes
// share the connection and must not land inside a transaction that awaits.
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { ApiTokensTable, SessionsTable, UsersTable, VigilDatabase } from './schema.ts';

export interface UserRecord {
  username: string;
  /** 'viewer', 'operator' or 'admin'. */
  role: string;
  passwordHash: string;
  createdAt: number;
  disabled: boolean;
}

export interface SessionRecord {
  /** SHA-256 of the cookie secret, hex. */
  id: string;
  username: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export interface ApiTokenRecord {
  id: string;
  /** What the token is for, chosen by its creator ("grafana", "deploy script"). */
  name: string;
  username: string;
  /** The most the token may do; its user's current role caps it further. */
  role: string;
  /** SHA-256 of the secret part, hex. */
  secretHash: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  expiresAt: number | null;
}

const ms = (time: number) => Math.round(time);
const maybeMs = (time: number | null) => (time === null ? null : Math.round(time));

/** What a change guarded by "keep an enabled admin" did. */
export type GuardedChange = 'done' | 'no-user' | 'last-admin';

export interface AuthStoreOptions {
  /**
   * Lock the enabled admins' rows while checking that another one remains (PostgreSQL:
   * `FOR UPDATE`). Without the lock two concurrent demotions, each seeing the other admin
   * in its snapshot, could both succeed. SQLite needs none: it runs one writer at a time.
   */
  locksRows?: boolean;
}

export class UserRecords {
  constructor(
    private readonly db: Kysely<VigilDatabase>,
    private readonly options: AuthStoreOptions = {},
  ) {}

  /** Adds a user; false when the name is taken. */
  async add(user: UserRecord): Promise<boolean> {
    const inserted = await this.db
      .insertInto('users')
      .values({
        username: user.username,
        role: user.role,
        password_hash: user.passwordHash,
        created_at: ms(user.createdAt),
        disabled: user.disabled ? 1 : 0,
      })
      .onConflict((conflict) => conflict.column('username').doNothing())
      .executeTakeFirst();
    return Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async get(username: string): Promise<UserRecord | undefined> {
    const row = await this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username)
      .executeTakeFirst();
    return row ? userFromRow(row) : undefined;
  }

  async list(): Promise<UserRecord[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username').execute();
    return rows.map(userFromRow);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Changes what is given; false when there is no such user. */
  async update(
    username: string,
    change: { role?: string; passwordHash?: string; disabled?: boolean },
  ): Promise<boolean> {
    const set: { role?: string; password_hash?: string; disabled?: number } = {};
    if (change.role !== undefined) set.role = change.role;
    if (change.passwordHash !== undefined) set.password_hash = change.passwordHash;
    if (change.disabled !== undefined) set.disabled = change.disabled ? 1 : 0;
    if (Object.keys(set).length === 0) return (await this.get(username)) !== undefined;
    const result = await this.db
      .updateTable('users')
      .set(set)
      .where('username', '=', username)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Changes a user in one conditional statement that, when `removesAdmin`, applies only if
   * the user is not an enabled admin or another enabled admin remains: checking and
   * changing in two steps would let two concurrent demotions remove the last two admins.
   */
  async updateKeepingAnAdmin(
    username: string,
    change: { role?: string; passwordHash?: string; disabled?: boolean },
    removesAdmin: boolean,
  ): Promise<GuardedChange> {
    const set: { role?: string; password_hash?: string; disabled?: number } = {};
    if (change.role !== undefined) set.role = change.role;
    if (change.passwordHash !== undefined) set.password_hash = change.passwordHash;
    if (change.disabled !== undefined) set.disabled = change.disabled ? 1 : 0;
    if (Object.keys(set).length === 0) return (await this.get(username)) ? 'done' : 'no-user';
    const result = await this.db
      .updateTable('users')
      .set(set)
      .where('username', '=', username)
      .$if(removesAdmin, (update) => update.where((eb) => this.keepsAnAdmin(eb, username)))
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) return 'done';
    return (await this.get(username)) ? 'last-admin' : 'no-user';
  }

  /** Removes a user with their sessions and tokens, unless they are the last enabled admin. */
  async removeKeepingAnAdmin(username: string): Promise<GuardedChange> {
    const result = await this.db
      .deleteFrom('users')
      .where('username', '=', username)
      .where((eb) => this.keepsAnAdmin(eb, username))
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return (await this.get(username)) ? 'last-admin' : 'no-user';
    await this.db.deleteFrom('sessions').where('username', '=', username).execute();
    await this.db.deleteFrom('api_tokens').where('username', '=', username).execute();
    return 'done';
  }

  /** The row is not an enabled admin, or an enabled admin other than `username` exists. */
  private keepsAnAdmin(eb: ExpressionBuilder<VigilDatabase, 'users'>, username: string) {
    // Every enabled admin, locked in one order (PostgreSQL) so concurrent checks queue
    // behind each other instead of deadlocking; a waiter re-reads the rows it then locks.
    const admins = eb
      .selectFrom('users as admin')
      .select('admin.username')
      .where('admin.role', '=', 'admin')
      .where('admin.disabled', '=', 0)
      .orderBy('admin.username')
      .$if(this.options.locksRows === true, (select) => select.forUpdate());
    return eb.or([
      eb('users.role', '<>', 'admin'),
      eb('users.disabled', '<>', 0),
      eb.exists(
        eb.selectFrom(admins.as('other')).select('other.username').where('other.username', '<>', username),
      ),
    ]);
  }

  /** Removes a user with their sessions and tokens; false when there was no such user. */
  async remove(username: string): Promise<boolean> {
    await this.db.deleteFrom('sessions').where('username', '=', username).execute();
    await this.db.deleteFrom('api_tokens').where('username', '=', username).execute();
    const result = await this.db.deleteFrom('users').where('username', '=', username).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

export class SessionRecords {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  async add(session: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: session.id,
        username: session.username,
        csrf_token: session.csrfToken,
        created_at: ms(session.createdAt),
        last_seen_at: ms(session.lastSeenAt),
        expires_at: ms(session.expiresAt),
      })
      .execute();
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? sessionFromRow(row) : undefined;
  }

  async touch(id: string, at: number): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: ms(at) })
      .where('id', '=', id)
      .execute();
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** Signs a user out everywhere (a new password, a disabled account), but for `exceptId`. */
  async removeAllOf(username: string, exceptId?: string): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where('username', '=', username)
      .$if(exceptId !== undefined, (remove) => remove.where('id', '<>', exceptId as string))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Forgets sessions past their absolute end or idle since before `idleBefore`. */
  async prune(now: number, idleBefore: number): Promise<number> {
    const result = await this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('expires_at', '<=', ms(now)), eb('last_seen_at', '<', ms(idleBefore))]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

export class ApiTokenRecords {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  async add(token: ApiTokenRecord): Promise<void> {
    await this.db
      .insertInto('api_tokens')
      .values({
        id: token.id,
        name: token.name,
        username: token.username,
        role: token.role,
        secret_hash: token.secretHash,
        created_at: ms(token.createdAt),
        last_used_at: maybeMs(token.lastUsedAt),
        revoked_at: maybeMs(token.revokedAt),
        expires_at: maybeMs(token.expiresAt),
      })
      .execute();
  }

  async get(id: string): Promise<ApiTokenRecord | undefined> {
    const row = await this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? tokenFromRow(row) : undefined;
  }

  /** Every token (or a user's), newest first, revoked ones included. */
  async list(username?: string): Promise<ApiTokenRecord[]> {
    let select = this.db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc').orderBy('id');
    if (username !== undefined) select = select.where('username', '=', username);
    return (await select.execute()).map(tokenFromRow);
  }

  async markUsed(id: string, at: number): Promise<void> {
    await this.db
      .updateTable('api_tokens')
      .set({ last_used_at: ms(at) })
      .where('id', '=', id)
      .execute();
  }

  /** Revokes every token of a user not yet revoked; returns how many. */
  async revokeAllOf(username: string, at: number): Promise<number> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: ms(at) })
      .where('username', '=', username)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /** Revokes a token; false when it does not exist or was already revoked. */
  async revoke(id: string, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: ms(at) })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

/** Users, sessions and tokens: `store.auth`. */
export class AuthRecords {
  readonly users: UserRecords;
  readonly sessions: SessionRecords;
  readonly tokens: ApiTokenRecords;

  constructor(db: Kysely<VigilDatabase>, options: AuthStoreOptions = {}) {
    this.users = new UserRecords(db, options);
    this.sessions = new SessionRecords(db);
    this.tokens = new ApiTokenRecords(db);
  }
}

function userFromRow(row: Selectable<UsersTable>): UserRecord {
  return {
    username: row.username,
    role: row.role,
    passwordHash: row.password_hash,
    createdAt: Number(row.created_at),
    disabled: Number(row.disabled) !== 0,
  };
}

function sessionFromRow(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    username: row.username,
    csrfToken: row.csrf_token,
    createdAt: Number(row.created_at),
    lastSeenAt: Number(row.last_seen_at),
    expiresAt: Number(row.expires_at),
  };
}

function tokenFromRow(row: Selectable<ApiTokensTable>): ApiTokenRecord {
  const num = (value: number | null) => (value === null ? null : Number(value));
  return {
    id: row.id,
    name: row.name,
    username: row.username,
    role: row.role,
    secretHash: row.secret_hash,
    createdAt: Number(row.created_at),
    lastUsedAt: num(row.last_used_at),
    revokedAt: num(row.revoked_at),
    expiresAt: num(row.expires_at),
  };
}
