import { createHash } from 'node:crypto';
import path from 'node:path';
import { readGeneration } from '../site/generation-writer.ts';
import { publisherKinds } from './index.ts';
import {
  type PublisherStatus,
  readManifest,
  readPublishStatus,
  updatePublishStatus,
  workDirOf,
  writeManifest,
} from './publish-state.ts';
import type { PublishResult, SiteFile } from './publisher.ts';

// Publishing a generation to every configured publisher, each on its own: one that is down does
// not hold back the others. A failure is logged at error, counted, written to the status file,
// and retried with backoff (1 s, 2 s, 4 s ... at most 5 min); a newer generation replaces the one
// being retried. Until a publish succeeds the host keeps the previous site: publishers upload
// changed files first and remove nothing before the rest is in place.

export interface ConfiguredPublisher {
  name: string;
  kind: string;
  /** Validated by the kind's schema when the configuration was loaded. */
  settings: unknown;
}

export interface PublishLog {
  info(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface PublisherCounters {
  successes: number;
  failures: number;
  lastSuccessAt?: number;
}

export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { firstDelayMs: 1_000, maxDelayMs: 300_000 };

function siteFilesOf(files: ReadonlyMap<string, Buffer>): SiteFile[] {
  return [...files].map(([file, content]) => ({
    path: file,
    content,
    sha256: createHash('sha256').update(content).digest('hex'),
  }));
}

/** Publishes one generation once; records the outcome; throws on failure. */
export async function publishOnce(
  siteDir: string,
  publisher: ConfiguredPublisher,
  generationDir: string,
  signal: AbortSignal,
): Promise<PublishResult> {
  const kind = publisherKinds.get(publisher.kind);
  if (!kind) throw new Error(`publisher "${publisher.name}": kind "${publisher.kind}" is unknown`);
  const generation = path.basename(generationDir);
  const status: PublisherStatus = {
    consecutiveFailures: 0,
    ...(await readPublishStatus(siteDir))[publisher.name],
    kind: publisher.kind,
    target: kind.target(publisher.settings),
    lastAttemptAt: Date.now(),
  };
  delete status.retryAt;
  try {
    const files = siteFilesOf(await readGeneration(generationDir));
    const previous = await readManifest(siteDir, publisher.name);
    const current = new Map(files.map((f) => [f.path, f.sha256]));
    const result = await kind.publish(
      {
        files,
        changed: files.filter((f) => previous.get(f.path) !== f.sha256),
        removed: [...previous.keys()].filter((file) => !current.has(file)),
        workDir: workDirOf(siteDir, publisher.name),
        signal,
      },
      publisher.settings,
    );
    await writeManifest(siteDir, publisher.name, generation, current);
    Object.assign(status, {
      lastSuccessAt: Date.now(),
      consecutiveFailures: 0,
      generation,
      uploaded: result.uploaded,
      deleted: result.deleted,
    });
    await updatePublishStatus(siteDir, publisher.name, status);
    return result;
  } catch (error) {
    status.lastFailureAt = Date.now();
    status.lastError = error instanceof Error ? error.message : String(error);
    status.consecutiveFailures++;
    await updatePublishStatus(siteDir, publisher.name, status).catch(() => {});
    throw error;
  }
}

/** One publisher's loop in the daemon: the newest generation offered, retried until it is out. */
class PublisherWorker {
  private wanted: string | undefined;
  private published: string | undefined;
  private running = false;
  private wake: (() => void) | undefined;
  readonly counters: PublisherCounters = { successes: 0, failures: 0 };
  private readonly abort = new AbortController();

  constructor(
    private readonly siteDir: string,
    readonly publisher: ConfiguredPublisher,
    private readonly log: PublishLog,
    private readonly retry: RetryPolicy,
  ) {}

  offer(generationDir: string): void {
    this.wanted = generationDir;
    this.wake?.();
    if (!this.running) void this.loop();
  }

  stop(): void {
    this.abort.abort();
    this.wake?.();
  }

  private async loop(): Promise<void> {
    this.running = true;
    let failures = 0;
    while (this.wanted !== undefined && this.wanted !== this.published && !this.abort.signal.aborted) {
      const generation = this.wanted;
      try {
        const result = await publishOnce(this.siteDir, this.publisher, generation, this.abort.signal);
        this.published = generation;
        this.counters.successes++;
        this.counters.lastSuccessAt = Date.now();
        failures = 0;
        this.log.info(
          { publisher: this.publisher.name, generation: path.basename(generation), ...result },
          `status site published to ${this.publisher.name}`,
        );
      } catch (error) {
        if (this.abort.signal.aborted) break;
        failures++;
        this.counters.failures++;
        const delay = Math.min(this.retry.firstDelayMs * 2 ** (failures - 1), this.retry.maxDelayMs);
        this.log.error(
          { publisher: this.publisher.name, err: error, attempt: failures, retryInMs: delay },
          `status site publish to ${this.publisher.name} failed; the previous site stays there, retrying`,
        );
        // The coming retry is visible in `vigil status-site status`.
        const recorded = (await readPublishStatus(this.siteDir))[this.publisher.name];
        if (recorded)
          await updatePublishStatus(this.siteDir, this.publisher.name, {
            ...recorded,
            retryAt: Date.now() + delay,
          }).catch(() => {});
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          timer.unref();
          // A newer generation is tried at once.
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
    this.running = false;
  }
}

/** Every configured publisher, fed each new generation. */
export class SitePublishing {
  private workers = new Map<string, PublisherWorker>();

  constructor(
    private readonly siteDir: string,
    private readonly log: PublishLog,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  /** Hands a new live generation to every publisher (the list may have changed with a reload). */
  offer(generationDir: string, publishers: readonly ConfiguredPublisher[]): void {
    const names = new Set(publishers.map((p) => p.name));
    for (const [name, worker] of this.workers)
      if (
        !names.has(name) ||
        JSON.stringify(worker.publisher) !== JSON.stringify(publishers.find((p) => p.name === name))
      ) {
        worker.stop();
        this.workers.delete(name);
      }
    for (const publisher of publishers) {
      let worker = this.workers.get(publisher.name);
      if (!worker) {
        worker = new PublisherWorker(this.siteDir, publisher, this.log, this.retry);
        this.workers.set(publisher.name, worker);
      }
      worker.offer(generationDir);
    }
  }

  counters(): Map<string, PublisherCounters> {
    return new Map([...this.workers].map(([name, worker]) => [name, worker.counters]));
  }

  stop(): void {
    for (const worker of this.workers.values()) worker.stop();
  }
}
