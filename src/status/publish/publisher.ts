import type { z } from 'zod';

// Where the generated site goes besides its own directory. Each kind lives in its own file under
// src/status/publish/, validates its settings when the configuration is loaded, and is listed in
// src/status/publish/index.ts. A publisher gets the whole site and what changed since its last
// successful publish; it uploads what it needs and throws on failure, leaving the previously
// published site in place (the runner retries).

export interface SiteFile {
  /** Path from the site root, "/"-separated: "index.html", "incidents/7.html". */
  path: string;
  content: Buffer;
  /** Hex SHA-256 of the content. */
  sha256: string;
}

export interface PublishInput {
  /** Every file of the generation to publish. */
  files: readonly SiteFile[];
  /** Files whose content differs from the last successful publish (all of them the first time). */
  changed: readonly SiteFile[];
  /** Paths published last time that the new generation no longer has. */
  removed: readonly string[];
  /** A directory this publisher may keep working files in (the git publisher's clone). */
  workDir: string;
  signal: AbortSignal;
}

export interface PublishResult {
  uploaded: number;
  deleted: number;
}

export class PublishError extends Error {}

export interface Publisher<Settings = unknown> {
  readonly kind: string;
  readonly settings: z.ZodType<Settings>;
  /** Where it publishes, for logs and `vigil status-site status` (never a secret). */
  target(settings: Settings): string;
  publish(input: PublishInput, settings: Settings): Promise<PublishResult>;
}
