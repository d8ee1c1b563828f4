import { parseDuration } from '../../model/duration.ts';
import type { AuditVia } from '../../store/audit.ts';
import type { ApiTokenRecord, UserRecord } from '../../store/auth.ts';
import type { Store } from '../../store/store.ts';
import type { Role } from '../access.ts';
import { hashPassword, passwordProblem } from './passwords.ts';
import { lesserRole, storedRole } from './roles.ts';
import { formatApiToken, newSecret, newTokenId, sha256Hex } from './secrets.ts';

// Managing users and API tokens: the rules both the HTTP API and the CLI apply. Each
// function returns what it made, or a one-line reason for refusing.

/** Letters, digits and . _ @ -; starting with a letter or digit; at most 64. */
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function usernameProblem(username: string): string | undefined {
  return USERNAME.test(username)
    ? undefined
    : `username "${username.slice(0, 80)}" must be 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit`;
}

/** Who is making a change, for the audit log. */
export interface Actor {
  name: string;
  via: AuditVia;
  remoteAddress: string;
}

export async function addUser(
  store: Store,
  user: { username: string; role: Role; password: string },
  now: number,
): Promise<UserRecord | string> {
  const problem = usernameProblem(user.username) ?? passwordProblem(user.password);
  if (problem) return problem;
  const record: UserRecord = {
    username: user.username,
    role: user.role,
    passwordHash: await hashPassword(user.password),
    createdAt: now,
    disabled: false,
  };
  if (!(await store.auth.users.add(record))) return `user "${user.username}" already exists`;
  return record;
}

export interface UserChange {
  role?: Role;
  password?: string;
  disabled?: boolean;
  /** With a new password: revoke the user's API tokens too (a leaked password may have made some). */
  revokeTokens?: boolean;
}

export interface ChangeContext {
  /** The session making the change (its SHA-256 id), kept when users change their own password. */
  keepSessionId?: string;
  /** When tokens are revoked. */
  now?: number;
}

/** What a password change ended, for the answer and the audit log. */
export interface ChangedUser {
  user: UserRecord;
  sessionsEnded: number;
  tokensRevoked: number;
}

/**
 * Changes a user. A new password ends the user's other sessions (and, when asked, revokes
 * their API tokens); disabling ends every session. Refuses to leave Vigil without an
 * enabled admin: nobody could manage users any more.
 */
export async function changeUser(
  store: Store,
  username: string,
  change: UserChange,
  context: ChangeContext = {},
): Promise<ChangedUser | string> {
  if (!(await store.auth.users.get(username))) return `no user "${username}"`;
  if (change.password !== undefined) {
    const problem = passwordProblem(change.password);
    if (problem) return problem;
  }
  if (change.revokeTokens && change.password === undefined)
    return 'revoke_tokens goes with a new password (revoke single tokens with DELETE /api/v1/tokens/ID)';
  const passwordHash = change.password !== undefined ? await hashPassword(change.password) : undefined;
  const removesAdmin = (change.role !== undefined && change.role !== 'admin') || change.disabled === true;
  const outcome = await oneAtATime(store, () =>
    store.auth.users.updateKeepingAnAdmin(
      username,
      {
        ...(change.role !== undefined ? { role: change.role } : {}),
        ...(passwordHash !== undefined ? { passwordHash } : {}),
        ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
      },
      removesAdmin,
    ),
  );
  if (outcome === 'no-user') return `no user "${username}"`;
  if (outcome === 'last-admin') return lastAdmin(username);
  let sessionsEnded = 0;
  let tokensRevoked = 0;
  if (change.disabled === true) sessionsEnded = await store.auth.sessions.removeAllOf(username);
  else if (passwordHash !== undefined)
    sessionsEnded = await store.auth.sessions.removeAllOf(username, context.keepSessionId);
  if (passwordHash !== undefined && change.revokeTokens)
    tokensRevoked = await store.auth.tokens.revokeAllOf(username, context.now ?? Date.now());
  const user = await store.auth.users.get(username);
  if (!user) return `no user "${username}"`;
  return { user, sessionsEnded, tokensRevoked };
}

export async function removeUser(store: Store, username: string): Promise<true | string> {
  const outcome = await oneAtATime(store, () => store.auth.users.removeKeepingAnAdmin(username));
  if (outcome === 'no-user') return `no user "${username}"`;
  if (outcome === 'last-admin') return lastAdmin(username);
  return true;
}

const lastAdmin = (username: string) => `"${username}" is the last enabled admin: make another admin first`;

// Changes that may remove an admin run one at a time in this process as well: the store's
// conditional statement makes each one safe, and queueing them keeps the answers in order.
const pending = new WeakMap<Store, Promise<unknown>>();

function oneAtATime<T>(store: Store, work: () => Promise<T>): Promise<T> {
  const previous = pending.get(store) ?? Promise.resolve();
  const next = previous.then(work, work);
  pending.set(
    store,
    next.catch(() => undefined),
  );
  return next;
}

/** The longest a token may live: long enough for any integration, short of "never" by accident. */
export const MAX_TOKEN_LIFETIME_MS = 3650 * 86_400_000;

/**
 * When a token given `expires` (a duration such as "90d") made at `now` expires, or why
 * not: at most ten years ahead, in whole milliseconds a date can hold.
 */
export function tokenExpiry(expires: string, now: number, place: string): number | string {
  const ms = parseDuration(expires);
  const text = expires.slice(0, 40);
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0)
    return `${place} "${text}" is not a duration such as 90d`;
  if (ms > MAX_TOKEN_LIFETIME_MS) return `${place} "${text}" is longer than 10 years (3650d)`;
  const expiresAt = Math.ceil(now + ms);
  if (!Number.isSafeInteger(expiresAt)) return `${place} "${text}" is not a usable duration`;
  return expiresAt;
}

export interface NewToken {
  username: string;
  name: string;
  /** Defaults to the lesser of the user's role and `ceiling`; may exceed neither. */
  role?: Role;
  /**
   * The role of whoever asks, when that is not the user's full role (a token making a
   * token): a credential never makes a stronger one than itself.
   */
  ceiling?: Role;
  expiresAt?: number | null;
}

/** Creates a token; the returned `token` text is shown once and never stored. */
export async function createToken(
  store: Store,
  request: NewToken,
  now: number,
): Promise<{ token: string; record: ApiTokenRecord } | string> {
  const user = await store.auth.users.get(request.username);
  if (!user) return `no user "${request.username}"`;
  if (user.disabled) return `user "${request.username}" is disabled`;
  const name = request.name.trim();
  if (name === '' || name.length > 100) return 'the token name must be 1-100 characters';
  const userRole = storedRole(user.role);
  const ceiling = request.ceiling ?? 'admin';
  const role = request.role ?? lesserRole(userRole, ceiling);
  if (lesserRole(role, ceiling) !== role)
    return `a ${ceiling} credential cannot make a token with the ${role} role`;
  if (lesserRole(role, userRole) !== role)
    return `a token of ${request.username} cannot have the ${role} role: ${request.username} is ${userRole === 'admin' ? 'an' : 'a'} ${userRole}`;
  const expiresAt = request.expiresAt ?? null;
  if (expiresAt !== null) {
    if (!Number.isSafeInteger(expiresAt) || expiresAt - now > MAX_TOKEN_LIFETIME_MS)
      return 'the token must expire within 10 years';
    if (expiresAt <= now) return 'the token would expire before it is made';
  }
  const id = newTokenId();
  const secret = newSecret();
  const record: ApiTokenRecord = {
    id,
    name,
    username: user.username,
    role,
    secretHash: sha256Hex(secret),
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
    expiresAt,
  };
  await store.auth.tokens.add(record);
  return { token: formatApiToken(id, secret), record };
}

/** A token as listings show it: never its hash. */
export function describeToken(record: ApiTokenRecord) {
  return {
    id: record.id,
    name: record.name,
    username: record.username,
    role: record.role,
    createdAt: record.createdAt,
    lastUsedAt: record.lastUsedAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
  };
}

/** A user as listings show it: never the password hash. */
export function describeUser(user: UserRecord) {
  return { username: user.username, role: user.role, disabled: user.disabled, createdAt: user.createdAt };
}
