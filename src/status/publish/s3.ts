import { z } from 'zod';
import { fileHeaders, inParallel, request, secretOf } from './http-upload.ts';
import type { Publisher } from './publisher.ts';
import { sha256Hex, signRequest, uriEncode } from './sigv4.ts';

// `s3`: PUTs changed files into an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, ...) with
// Signature Version 4, and DELETEs files the site no longer has. Files are uploaded before
// deletions, and the home page last of all, so a visitor never follows a link to a page that is
// not there yet. Path-style URLs (endpoint/bucket/key) work with every implementation.

const settings = z
  .strictObject({
    /** https://s3.eu-central-1.amazonaws.com, http://127.0.0.1:9000 (MinIO). */
    endpoint: z.url({ protocol: /^https?$/, error: 'endpoint must be a full http:// or https:// URL' }),
    bucket: z.string().min(1, 'bucket is empty'),
    region: z.string().min(1).default('us-east-1'),
    /** Key prefix inside the bucket, e.g. "status/". */
    prefix: z.string().default(''),
    access_key_id: z.string().min(1, 'access_key_id is empty'),
    secret_access_key: z.string().min(1).optional(),
    /** A file holding the secret key (read at every publish). */
    secret_access_key_file: z.string().min(1).optional(),
    /** Virtual-host style (bucket.endpoint) instead of path style. */
    virtual_host: z.boolean().default(false),
  })
  .refine((s) => (s.secret_access_key === undefined) !== (s.secret_access_key_file === undefined), {
    message: 'give secret_access_key or secret_access_key_file (one of them)',
  });

export type S3Settings = z.output<typeof settings>;

export function objectUrl(s: S3Settings, key: string): URL {
  const base = new URL(s.endpoint);
  const objectKey = uriEncode(`${s.prefix.replace(/^\/+/, '')}${key}`, true);
  if (s.virtual_host) return new URL(`${base.protocol}//${s.bucket}.${base.host}/${objectKey}`);
  return new URL(
    `${base.origin}${base.pathname.replace(/\/+$/, '')}/${uriEncode(s.bucket, false)}/${objectKey}`,
  );
}

const homeLast = <T extends { path: string }>(files: readonly T[]) =>
  [...files].sort((a, b) => Number(a.path === 'index.html') - Number(b.path === 'index.html'));

export const s3Publisher: Publisher<S3Settings> = {
  kind: 's3',
  settings,
  target: (s) => `${s.endpoint} bucket ${s.bucket}${s.prefix ? ` prefix ${s.prefix}` : ''}`,
  async publish(input, s) {
    const credentials = {
      accessKeyId: s.access_key_id,
      secretAccessKey: secretOf(s.secret_access_key, s.secret_access_key_file, 'secret_access_key'),
      region: s.region,
    };
    const send = (method: string, key: string, body: Buffer | undefined, extra: Record<string, string>) => {
      const url = objectUrl(s, key);
      const headers = signRequest(
        { method, url, headers: extra, payloadHash: body ? sha256Hex(body) : sha256Hex('') },
        credentials,
        Date.now(),
      );
      return request(method, url, headers, body, input.signal, (status) =>
        method === 'DELETE' ? status === 204 || status === 200 || status === 404 : status === 200,
      );
    };
    const ordered = homeLast(input.changed);
    await inParallel(
      ordered.filter((f) => f.path !== 'index.html'),
      8,
      (file) => send('PUT', file.path, file.content, fileHeaders(file.path)).then(() => {}),
    );
    for (const file of ordered.filter((f) => f.path === 'index.html'))
      await send('PUT', file.path, file.content, fileHeaders(file.path));
    await inParallel(input.removed, 8, (key) => send('DELETE', key, undefined, {}).then(() => {}));
    return { uploaded: input.changed.length, deleted: input.removed.length };
  },
};
