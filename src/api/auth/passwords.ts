import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

// Passwords are stored as scrypt hashes with their parameters, so the cost can be raised
// later without invalidating stored hashes: `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`, salt
// and hash in base64url. scrypt runs in libuv's thread pool: a login does not stall checks.

export const MIN_PASSWORD_LENGTH = 12;
/** Longer texts are refused before hashing: hashing megabytes is a denial of service. */
export const MAX_PASSWORD_LENGTH = 1024;

export interface ScryptParameters {
  log2N: number;
  r: number;
  p: number;
}

/** 2^15 × 8 × 128 bytes = 32 MiB of memory per hash: the OWASP floor for scrypt. */
export const DEFAULT_SCRYPT: ScryptParameters = { log2N: 15, r: 8, p: 1 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;

/** Why a new password is refused, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `the password is shorter than ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `the password is longer than ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}

export async function hashPassword(
  password: string,
  parameters: ScryptParameters = DEFAULT_SCRYPT,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, parameters);
  const { log2N, r, p } = parameters;
  return `scrypt$${log2N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/** Whether the password matches the encoded hash; a malformed hash matches nothing. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (!parsed || password.length > MAX_PASSWORD_LENGTH) return false;
  const hash = await derive(password, parsed.salt, parsed.parameters, parsed.hash.length);
  return timingSafeEqual(hash, parsed.hash);
}

function parseHash(
  encoded: string,
): { parameters: ScryptParameters; salt: Buffer; hash: Buffer } | undefined {
  const match = /^scrypt\$(\d{1,2})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(encoded);
  if (!match) return undefined;
  const parameters = { log2N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (parameters.log2N < 1 || parameters.log2N > 24 || parameters.r < 1 || parameters.p < 1) return undefined;
  const hash = Buffer.from(match[5] as string, 'base64url');
  if (hash.length < 16) return undefined;
  return { parameters, salt: Buffer.from(match[4] as string, 'base64url'), hash };
}

function derive(
  password: string,
  salt: Buffer,
  { log2N, r, p }: ScryptParameters,
  keyBytes = KEY_BYTES,
): Promise<Buffer> {
  const N = 2 ** log2N;
  // Node's default limit (32 MiB) is exactly the default cost; leave room above it.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyBytes, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}
