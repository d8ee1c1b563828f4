import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

// What each publisher last did, kept beside the site (outside the served tree):
//   DIR/publish-status.json      last success and failure per publisher: `vigil status-site status`
//   DIR/publish/NAME.json        path -> SHA-256 of what NAME last published: only changes go out
//   DIR/publish/NAME.work/       the publisher's working files (the git clone)

export const STATUS_FILE = 'publish-status.json';

export interface PublisherStatus {
  kind: string;
  target: string;
  lastAttemptAt?: number;
  lastSuccessAt?: number;
  lastFailureAt?: number;
  lastError?: string;
  /** Failures since the last success. */
  consecutiveFailures: number;
  /** The generation last published successfully. */
  generation?: string;
  uploaded?: number;
  deleted?: number;
  /** When the next try is due, while failing. */
  retryAt?: number;
}

export type PublishStatusFile = Record<string, PublisherStatus>;

async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, file);
}

export async function readPublishStatus(siteDir: string): Promise<PublishStatusFile> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path.join(siteDir, STATUS_FILE), 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as PublishStatusFile) : {};
  } catch {
    return {};
  }
}

/** Updates one publisher's entry; writes are serialised so two publishers never lose each other's. */
let statusWrites: Promise<unknown> = Promise.resolve();
export function updatePublishStatus(siteDir: string, name: string, status: PublisherStatus): Promise<void> {
  const write = statusWrites.then(async () => {
    const all = await readPublishStatus(siteDir);
    all[name] = status;
    await writeJsonAtomically(path.join(siteDir, STATUS_FILE), all);
  });
  statusWrites = write.catch(() => {});
  return write;
}

const SAFE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[^\0\\]+$/;

/** What a publisher last published (path -> sha256); empty when never, or unreadable. */
export async function readManifest(siteDir: string, name: string): Promise<Map<string, string>> {
  try {
    const parsed = JSON.parse(await readFile(path.join(siteDir, 'publish', `${name}.json`), 'utf8')) as {
      files?: Record<string, string>;
    };
    return new Map(
      Object.entries(parsed.files ?? {}).filter(
        ([file, hash]) => SAFE_PATH.test(file) && typeof hash === 'string',
      ),
    );
  } catch {
    return new Map();
  }
}

export function writeManifest(
  siteDir: string,
  name: string,
  generation: string,
  files: ReadonlyMap<string, string>,
): Promise<void> {
  return writeJsonAtomically(path.join(siteDir, 'publish', `${name}.json`), {
    generation,
    files: Object.fromEntries(files),
  });
}

export function workDirOf(siteDir: string, name: string): string {
  return path.join(siteDir, 'publish', `${name}.work`);
}
