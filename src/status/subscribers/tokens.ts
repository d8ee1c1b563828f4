import { createHash, randomBytes } from 'node:crypto';

/** A random token for confirm and unsubscribe links: 256 bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What is stored of a confirmation token: a copy of the table confirms nobody. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
