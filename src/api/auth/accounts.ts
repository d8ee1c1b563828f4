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
}

/**
 * Changes a user. A new password or a disabled account ends the user's sessions. Refuses
 * to leave Vigil without an enabled admin: nobody could manage users any more.
 */
export async function changeUser(
  store: Store,
  username: string,
  change: UserChange,
): Promise<UserRecord | string> {
  const user = await store.auth.users.get(username);
  if (!user) return `no user "${username}"`;
  if (change.password !== undefined) {
    const problem = passwordProblem(change.password);
    if (problem) return problem;
  }
  const losesAdmin =
    isEnabledAdmin(user) &&
    ((change.role !== undefined && change.role !== 'admin') || change.disabled === true);
  if (losesAdmin && (await enabledAdmins(store)) <= 1)
    return `"${username}" is the last enabled admin: make another admin first`;
  const passwordHash = change.password !== undefined ? await hashPassword(change.password) : undefined;
  await store.auth.users.update(username, {
    ...(change.role !== undefined ? { role: change.role } : {}),
    ...(passwordHash !== undefined ? { passwordHash } : {}),
    ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
  });
  if (passwordHash !== undefined || change.disabled === true) await store.auth.sessions.removeAllOf(username);
  return (await store.auth.users.get(username)) as UserRecord;
}

export async function removeUser(store: Store, username: string): Promise<true | string> {
  const user = await store.auth.users.get(username);
  if (!user) return `no user "${username}"`;
  if (isEnabledAdmin(user) && (await enabledAdmins(store)) <= 1)
    return `"${username}" is the last enabled admin: make another admin first`;
  await store.auth.users.remove(username);
  return true;
}

function isEnabledAdmin(user: UserRecord): boolean {
  return user.role === 'admin' && !user.disabled;
}

async function enabledAdmins(store: Store): Promise<number> {
  return (await store.auth.users.list()).filter(isEnabledAdmin).length;
}

export interface NewToken {
  username: string;
  name: string;
  /** Defaults to the user's role; may not exceed it. */
  role?: Role;
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
  const role = request.role ?? userRole;
  if (lesserRole(role, userRole) !== role)
    return `a token of ${request.username} cannot have the ${role} role: ${request.username} is ${userRole === 'admin' ? 'an' : 'a'} ${userRole}`;
  if (request.expiresAt != null && request.expiresAt <= now)
    return 'the token would expire before it is made';
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
    expiresAt: request.expiresAt ?? null,
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
