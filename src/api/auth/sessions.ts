import type { SessionRecord } from '../../store/auth.ts';
import type { Store } from '../../store/store.ts';
import { newSecret, sha256Hex } from './secrets.ts';

// Sign-in sessions. The cookie holds the secret; the store holds its SHA-256. A session
// ends after 12 hours without a request or 7 days after sign-in, whichever comes first,
// and at once on sign-out, password change or when the account is disabled.

export const SESSION_IDLE_MS = 12 * 3_600_000;
export const SESSION_MAX_MS = 7 * 86_400_000;
/** last_seen_at is written at most this often: not one store write per request. */
export const SESSION_TOUCH_MS = 60_000;

export const SESSION_COOKIE = 'vigil_session';

export async function startSession(
  store: Store,
  username: string,
  now: number,
): Promise<{ secret: string; session: SessionRecord }> {
  const secret = newSecret();
  const session: SessionRecord = {
    id: sha256Hex(secret),
    username,
    csrfToken: newSecret(),
    createdAt: now,
    lastSeenAt: now,
    expiresAt: now + SESSION_MAX_MS,
  };
  // Signing in is rare: a good moment to forget ended sessions.
  await store.auth.sessions.prune(now, now - SESSION_IDLE_MS);
  await store.auth.sessions.add(session);
  return { secret, session };
}

/** Whether a session has ended by time. */
export function sessionEnded(session: SessionRecord, now: number): boolean {
  return now >= session.expiresAt || now - session.lastSeenAt >= SESSION_IDLE_MS;
}

export async function endSession(store: Store, secret: string): Promise<void> {
  await store.auth.sessions.remove(sha256Hex(secret));
}
