import path from 'node:path';
import type { StatusSnapshot } from '../snapshot.ts';
import { currentGeneration, writeGeneration } from './generation-writer.ts';
import { renderSite, snapshotHash } from './render-site.ts';

// Snapshot in, live site out: skipped when the snapshot has not changed since the live
// generation (its directory name ends with the snapshot's hash).

export interface GeneratedSite {
  /** False when the live site already shows this snapshot. */
  changed: boolean;
  /** The live generation's directory. */
  dir: string;
  hash: string;
  files: number;
  /** Files linked unchanged from the generation before. */
  reused: number;
  renderMs: number;
  writeMs: number;
}

export async function generateSite(
  siteDir: string,
  snapshot: StatusSnapshot,
  options: { force?: boolean } = {},
): Promise<GeneratedSite> {
  const hash = snapshotHash(snapshot);
  const live = await currentGeneration(siteDir);
  if (!options.force && live && path.basename(live).endsWith(`-${hash}`))
    return { changed: false, dir: live, hash, files: 0, reused: 0, renderMs: 0, writeMs: 0 };
  const started = performance.now();
  const files = renderSite(snapshot);
  const rendered = performance.now();
  // The time first, so names sort by age; the hash last, for the check above.
  const name = `${snapshot.generatedAt.toString(36)}-${process.pid.toString(36)}-${hash}`;
  const written = await writeGeneration(siteDir, name, files);
  return {
    changed: true,
    dir: written.dir,
    hash,
    files: written.files,
    reused: written.reused,
    renderMs: rendered - started,
    writeMs: performance.now() - rendered,
  };
}
