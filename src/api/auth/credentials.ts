import type { Store } from '../../store/store.ts';
import type { Principal } from '../access.ts';
import { lesserRole, storedRole } from './roles.ts';
import { parseApiToken, sameSecret, sha256Hex } from './secrets.ts';
import { SESSION_TOUCH_MS, sessionEnded } from './sessions.ts';

// From a request's credentials to a principal. Looked up in the store on every request,
// with no cache: a revoked token, an ended session, a disabled user or a lowered role
// takes effect on the very next request.

export type Resolved = { principal: Principal; csrfToken?: string } | { refused: string };

/** `Authorization: Bearer vigil_...`. */
export async function principalFromToken(
  store: Store,
  text: string,
  localToken: string | undefined,
  now: number,
  touch = true,
): Promise<Resolved> {
  const parsed = parseApiToken(text);
  if (!parsed) return { refused: 'the bearer token is not a Vigil API token' };
  if (parsed.id === 'local') {
    // The CLI's token (see local-token.ts): an admin named after the machine, not a user.
    if (localToken !== undefined && sameSecret(text.trim(), localToken))
      return { principal: { username: 'local', role: 'admin', via: 'token', tokenId: 'local' } };
    return { refused: "the CLI token is not the running daemon's (it changes at every start)" };
  }
  const token = await store.auth.tokens.get(parsed.id);
  if (!token || !sameSecret(sha256Hex(parsed.secret), token.secretHash))
    return { refused: 'unknown API token' };
  if (token.revokedAt !== null) return { refused: `API token ${token.id} was revoked` };
  if (token.expiresAt !== null && now >= token.expiresAt)
    return { refused: `API token ${token.id} has expired` };
  const user = await store.auth.users.get(token.username);
  if (!user || user.disabled) return { refused: `the user of API token ${token.id} is disabled or gone` };
  // Written at most once a minute per token: a scraper every 15 s does not write every time.
  if (touch && (token.lastUsedAt === null || now - token.lastUsedAt >= SESSION_TOUCH_MS))
    await store.auth.tokens.markUsed(token.id, now);
  return {
    principal: {
      username: user.username,
      role: lesserRole(storedRole(token.role), storedRole(user.role)),
      via: 'token',
      tokenId: token.id,
    },
  };
}

/**
 * The `vigil_session` cookie. `touch: false` re-checks without counting as a use (an open
 * event stream is not activity that should keep an idle session alive).
 */
export async function principalFromSession(
  store: Store,
  secret: string,
  now: number,
  touch = true,
): Promise<Resolved> {
  const session = await store.auth.sessions.get(sha256Hex(secret));
  if (!session) return { refused: 'not signed in (the session ended)' };
  if (sessionEnded(session, now)) {
    await store.auth.sessions.remove(session.id);
    return { refused: 'the session has expired: sign in again' };
  }
  const user = await store.auth.users.get(session.username);
  if (!user || user.disabled) {
    await store.auth.sessions.remove(session.id);
    return { refused: 'the account is disabled or gone' };
  }
  if (touch && now - session.lastSeenAt >= SESSION_TOUCH_MS) await store.auth.sessions.touch(session.id, now);
  return {
    principal: { username: user.username, role: storedRole(user.role), via: 'session' },
    csrfToken: session.csrfToken,
  };
}
