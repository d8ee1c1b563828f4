import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Session and token secrets: 32 random bytes, base64url. The store keeps only their
// SHA-256: a leaked database or backup signs nobody in. API tokens read
// `vigil_<id>_<secret>` so that secret scanners and people recognise one in pasted text.

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A token id: short, hex, shown in listings and used to revoke. */
export function newTokenId(): string {
  return randomBytes(6).toString('hex');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Compares in time independent of where the texts differ (both are hashed to one length first). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export function formatApiToken(id: string, secret: string): string {
  return `vigil_${id}_${secret}`;
}

/** The parts of a token, or undefined when the text is not one (base64url may itself contain `_`). */
export function parseApiToken(text: string): { id: string; secret: string } | undefined {
  const match = /^vigil_([0-9a-f]{12}|local)_([A-Za-z0-9_-]{43})$/.exec(text.trim());
  return match ? { id: match[1] as string, secret: match[2] as string } : undefined;
}
