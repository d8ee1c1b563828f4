import { z } from 'zod';
import { fileHeaders, inParallel, request, secretOf } from './http-upload.ts';
import type { Publisher } from './publisher.ts';

// `webdav`: PUTs changed files to a WebDAV server (Apache mod_dav, nginx dav, Nextcloud, most
// shared hosting), creating folders with MKCOL first, and DELETEs files the site no longer has.
// Like s3, the home page goes last.

const settings = z
  .strictObject({
    /** The folder the site goes into, e.g. https://dav.example.com/status/. */
    url: z.url({ protocol: /^https?$/, error: 'url must be a full http:// or https:// URL' }),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** A file holding the password (read at every publish). */
    password_file: z.string().min(1).optional(),
  })
  .refine((s) => s.password === undefined || s.password_file === undefined, {
    message: 'give password or password_file, not both',
  });

export type WebdavSettings = z.output<typeof settings>;

function urlOf(s: WebdavSettings, relative: string): URL {
  const base = s.url.endsWith('/') ? s.url : `${s.url}/`;
  return new URL(relative.split('/').map(encodeURIComponent).join('/'), base);
}

/** "a/b/c.html" -> ["a", "a/b"] */
function foldersOf(path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

export const webdavPublisher: Publisher<WebdavSettings> = {
  kind: 'webdav',
  settings,
  target: (s) => s.url,
  async publish(input, s) {
    const headers: Record<string, string> = {};
    if (s.username !== undefined) {
      const password =
        s.password !== undefined || s.password_file !== undefined
          ? secretOf(s.password, s.password_file, 'password')
          : '';
      headers.authorization = `Basic ${Buffer.from(`${s.username}:${password}`).toString('base64')}`;
    }
    // Folders the last publish already filled exist; new ones are made parents first.
    const known = new Set(
      input.files.filter((f) => !input.changed.includes(f)).flatMap((f) => foldersOf(f.path)),
    );
    const needed = [...new Set(input.changed.flatMap((f) => foldersOf(f.path)))]
      .filter((folder) => !known.has(folder))
      .sort((a, b) => a.split('/').length - b.split('/').length);
    // 405: the folder is there already.
    for (const folder of needed)
      await request(
        'MKCOL',
        urlOf(s, `${folder}/`),
        headers,
        undefined,
        input.signal,
        (status) => status === 201 || status === 405,
      );
    const put = (file: (typeof input.changed)[number]) =>
      request(
        'PUT',
        urlOf(s, file.path),
        { ...headers, ...fileHeaders(file.path) },
        file.content,
        input.signal,
        (status) => [200, 201, 204].includes(status),
      ).then(() => {});
    await inParallel(
      input.changed.filter((f) => f.path !== 'index.html'),
      4,
      put,
    );
    for (const file of input.changed.filter((f) => f.path === 'index.html')) await put(file);
    await inParallel(input.removed, 4, (path) =>
      request('DELETE', urlOf(s, path), headers, undefined, input.signal, (status) =>
        [200, 204, 404].includes(status),
      ).then(() => {}),
    );
    return { uploaded: input.changed.length, deleted: input.removed.length };
  },
};
