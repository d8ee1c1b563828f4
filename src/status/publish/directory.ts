import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Publisher } from './publisher.ts';

// `directory`: a copy of the site in another directory (a web server's document root, an NFS
// mount, a folder rsync picks up). Each file is written beside its target and renamed over it,
// so a web server never serves half a file; unchanged files are left alone.

const settings = z.strictObject({
  /** Absolute path, or relative to the configuration directory. */
  path: z.string().min(1, 'path is empty'),
});

export type DirectorySettings = z.output<typeof settings>;

export const directoryPublisher: Publisher<DirectorySettings> = {
  kind: 'directory',
  settings,
  target: (s) => s.path,
  async publish(input, s) {
    const root = path.resolve(s.path);
    let uploaded = 0;
    for (const file of input.files) {
      const target = path.join(root, file.path);
      const existing = await readFile(target).catch(() => undefined);
      if (existing?.equals(file.content)) continue;
      await mkdir(path.dirname(target), { recursive: true });
      const temporary = `${target}.vigil-tmp`;
      await writeFile(temporary, file.content);
      await rename(temporary, target);
      uploaded++;
    }
    let deleted = 0;
    for (const removed of input.removed) {
      await rm(path.join(root, removed), { force: true });
      deleted++;
    }
    return { uploaded, deleted };
  },
};
