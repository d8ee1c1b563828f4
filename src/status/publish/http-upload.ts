import { readFileSync } from 'node:fs';
import { PublishError } from './publisher.ts';

// What the HTTP publishers (s3, webdav) share: one request with a timeout and an error that
// names the URL and the answer, uploads a few at a time, secrets from a file or inline, and the
// headers a host should serve each file with.

export const UPLOAD_TIMEOUT_MS = 30_000;

export async function request(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: Buffer | undefined,
  signal: AbortSignal,
  accept: (status: number) => boolean,
): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(body ? { body: Uint8Array.from(body) } : {}),
      signal: AbortSignal.any([signal, AbortSignal.timeout(UPLOAD_TIMEOUT_MS)]),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new PublishError(
      `${method} ${url.origin}${url.pathname}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    );
  }
  const text = await response.text().catch(() => '');
  if (!accept(response.status)) {
    const detail = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    throw new PublishError(
      `${method} ${url.origin}${url.pathname}: ${response.status} ${response.statusText}${detail ? ` (${detail})` : ''}`,
    );
  }
  return response.status;
}

/** Runs `work` for every item, `limit` at a time; the first failure stops the rest. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (!failed && next < items.length) {
        const item = items[next++] as T;
        try {
          await work(item);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
}

/** A secret given inline or as a file (read at every publish, so a rotated secret needs no reload). */
export function secretOf(inline: string | undefined, file: string | undefined, what: string): string {
  if (inline !== undefined) return inline;
  if (file === undefined) throw new PublishError(`${what} is not set`);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new PublishError(
      `${what}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  json: 'application/json; charset=utf-8',
  css: 'text/css; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

/** Content-Type and Cache-Control as `vigil status-site serve` sends them. */
export function fileHeaders(path: string): Record<string, string> {
  const extension = path.slice(path.lastIndexOf('.') + 1);
  return {
    'content-type': TYPES[extension] ?? 'application/octet-stream',
    'cache-control': path.startsWith('assets/')
      ? 'public, max-age=31536000, immutable'
      : 'public, max-age=30, stale-while-revalidate=300',
  };
}
