import {
  link,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { compressVariants } from './compress.ts';

// The generated site on disk, swapped atomically:
//
//   DIR/current -> generations/<name>      a symlink, replaced by rename(2) in one step
//   DIR/generations/<name>/...             each file, plus FILE.gz and FILE.br
//
// A new generation is written beside the live one under a temporary name, renamed into place,
// and only then does `current` move. A reader (the server, rsync, a publisher) sees the old site
// or the new one, never half of either; a generation that fails on the way leaves `current`
// where it was. The previous generation is kept, so a request that resolved `current` just
// before the swap can still finish reading; older ones are removed.

export const CURRENT = 'current';
export const GENERATIONS = 'generations';

export interface WrittenGeneration {
  /** Absolute path of the new generation's directory. */
  dir: string;
  files: number;
  /** Files taken over unchanged from the previous generation (linked, not compressed again). */
  reused: number;
}

/** The live generation's directory, or undefined before the first one. */
export async function currentGeneration(siteDir: string): Promise<string | undefined> {
  try {
    return path.resolve(siteDir, await readlink(path.join(siteDir, CURRENT)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((error as NodeJS.ErrnoException).code === 'EINVAL')
      throw new Error(
        `${path.join(siteDir, CURRENT)}: is not a symlink; move it away so Vigil can manage the site`,
      );
    throw error;
  }
}

async function sameContent(file: string, content: Buffer): Promise<boolean> {
  try {
    const existing = await readFile(file);
    return existing.equals(content);
  } catch {
    return false;
  }
}

/** Hard-links a file and its compressed variants from the previous generation. */
async function reuse(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    for (const suffix of ['.gz', '.br']) await link(from + suffix, to + suffix).catch(() => {});
    return true;
  } catch {
    return false;
  }
}

async function writeOne(
  previous: string | undefined,
  target: string,
  relative: string,
  content: Buffer,
): Promise<boolean> {
  const file = path.join(target, relative);
  await mkdir(path.dirname(file), { recursive: true });
  if (previous && (await sameContent(path.join(previous, relative), content)))
    if (await reuse(path.join(previous, relative), file)) return true;
  await writeFile(file, content);
  const variants = await compressVariants(content);
  if (variants.gzip) await writeFile(`${file}.gz`, variants.gzip);
  if (variants.brotli) await writeFile(`${file}.br`, variants.brotli);
  return false;
}

/** Runs `work` over items, at most `limit` at a time (compression runs on the thread pool). */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

/** Writes `files` as a new generation named `name` and makes it the live one. */
export async function writeGeneration(
  siteDir: string,
  name: string,
  files: ReadonlyMap<string, string | Buffer>,
): Promise<WrittenGeneration> {
  for (const relative of files.keys())
    if (relative.startsWith('/') || relative.split('/').some((part) => part === '..' || part === ''))
      throw new Error(`status site: file name "${relative}" would leave the site directory`);
  const generations = path.join(siteDir, GENERATIONS);
  await mkdir(generations, { recursive: true });
  const previous = await currentGeneration(siteDir);
  const finalDir = path.join(generations, name);
  const temporary = path.join(generations, `.${name}.tmp-${process.pid}`);
  await rm(temporary, { recursive: true, force: true });
  let reused = 0;
  try {
    await mkdir(temporary);
    await eachLimited([...files], 8, async ([relative, content]) => {
      if (
        await writeOne(
          previous,
          temporary,
          relative,
          typeof content === 'string' ? Buffer.from(content) : content,
        )
      )
        reused++;
    });
    await rm(finalDir, { recursive: true, force: true });
    await rename(temporary, finalDir);
    const link = path.join(siteDir, `.${CURRENT}.tmp-${process.pid}`);
    await rm(link, { force: true });
    await symlink(path.join(GENERATIONS, name), link);
    await rename(link, path.join(siteDir, CURRENT));
  } catch (error) {
    await rm(temporary, { recursive: true, force: true }).catch(() => {});
    throw error;
  }
  await pruneGenerations(generations, [name, previous ? path.basename(previous) : '']);
  return { dir: finalDir, files: files.size, reused };
}

/** Removes every generation but the ones to keep (the live one and the one before it). */
async function pruneGenerations(generations: string, keep: readonly string[]): Promise<void> {
  for (const entry of await readdir(generations)) {
    if (keep.includes(entry)) continue;
    // Another writer's temporary directory is left alone while it may still be in use.
    if (entry.startsWith('.')) {
      const age =
        Date.now() - (await stat(path.join(generations, entry)).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
      if (age < 3_600_000) continue;
    }
    await rm(path.join(generations, entry), { recursive: true, force: true }).catch(() => {});
  }
}

/** Every file of a generation (not the .gz/.br variants), by its path from the root. */
export async function readGeneration(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || /\.(gz|br)$/.test(entry.name)) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full).split(path.sep).join('/'), await readFile(full));
  }
  return files;
}
