import { createHash } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { CURRENT } from './site/generation-writer.ts';

// `vigil status-site serve`: the generated site over plain node:http, for teams without a CDN.
// Files are held in memory per generation with their precompressed variants and ETags, so a
// request costs one readlink (to follow the atomic swap: the request after a swap sees the new
// generation) and one write. HTML and JSON may be cached briefly and served stale while a cache
// revalidates; content-hashed assets for a year.

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.rss': 'application/rss+xml; charset=utf-8',
  '.atom': 'application/atom+xml; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export const SHORT_CACHE = 'public, max-age=30, stale-while-revalidate=300';
export const LONG_CACHE = 'public, max-age=31536000, immutable';

interface Variant {
  body: Buffer;
  etag: string;
  /** Built once per file: a request only picks them. */
  headers: Record<string, string | number>;
  notModified: Record<string, string | number>;
}

interface SiteEntry {
  identity: Variant;
  gzip?: Variant;
  brotli?: Variant;
  type: string;
  cacheControl: string;
}

export interface ServeOptions {
  /** The site directory: the one holding `current`. */
  siteDir: string;
  log?: (message: string) => void;
}

/** A path from the URL as a file of the site, or undefined for anything that could leave it. */
export function sitePathOf(url: string): string | undefined {
  const raw = url.split('?', 1)[0] ?? '/';
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const parts = decoded.split('/').slice(1);
  if (parts.some((part) => part === '..' || part === '.')) return undefined;
  const clean = parts.filter((part) => part !== '');
  if (clean.some((part) => part.startsWith('.'))) return undefined;
  // The precompressed variants are served through Accept-Encoding only, never by name.
  if (/\.(gz|br)$/.test(decoded)) return undefined;
  if (decoded.endsWith('/')) clean.push('index.html');
  return clean.join('/');
}

function acceptsEncoding(header: string | undefined, name: string): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const [token, ...params] = part.trim().split(';');
    if (token?.trim().toLowerCase() !== name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

function etagOf(body: Buffer, suffix: string): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}${suffix}"`;
}

async function loadEntry(dir: string, relative: string): Promise<SiteEntry | undefined> {
  const file = path.join(dir, relative);
  if (!file.startsWith(dir + path.sep)) return undefined;
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return undefined;
  }
  const [gz, br] = await Promise.all([
    readFile(`${file}.gz`).catch(() => undefined),
    readFile(`${file}.br`).catch(() => undefined),
  ]);
  const identity = etagOf(body, '');
  const base = identity.slice(0, -1);
  const type = CONTENT_TYPES[path.extname(relative)] ?? 'application/octet-stream';
  const cacheControl = relative.startsWith('assets/') ? LONG_CACHE : SHORT_CACHE;
  const variant = (content: Buffer, etag: string, encoding?: string): Variant => {
    const notModified = {
      'content-type': type,
      etag,
      'cache-control': cacheControl,
      vary: 'Accept-Encoding',
      'x-content-type-options': 'nosniff',
    };
    return {
      body: content,
      etag,
      notModified,
      headers: {
        ...notModified,
        ...(encoding ? { 'content-encoding': encoding } : {}),
        'content-length': content.length,
      },
    };
  };
  return {
    identity: variant(body, identity),
    ...(gz ? { gzip: variant(gz, `${base}-gz"`, 'gzip') } : {}),
    ...(br ? { brotli: variant(br, `${base}-br"`, 'br') } : {}),
    type,
    cacheControl,
  };
}

function matches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

export class StatusSiteServer {
  private generation = '';
  private entries = new Map<string, Promise<SiteEntry | undefined>>();
  readonly server: Server;

  constructor(private readonly options: ServeOptions) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        this.options.log?.(
          `status-site serve: ${request.url}: ${error instanceof Error ? error.message : String(error)}`,
        );
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end('internal error\n');
      });
    });
    this.server.keepAliveTimeout = 65_000;
  }

  /** The live generation's directory; the cache starts over when it changed. */
  private liveGeneration(): string | undefined {
    let target: string;
    try {
      target = path.resolve(this.options.siteDir, readlinkSync(path.join(this.options.siteDir, CURRENT)));
    } catch {
      return undefined;
    }
    if (target !== this.generation) {
      this.generation = target;
      this.entries = new Map();
    }
    return target;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      response.end('method not allowed\n');
      return;
    }
    const relative = sitePathOf(request.url ?? '/');
    const generation = this.liveGeneration();
    if (relative === undefined || generation === undefined) {
      notFound(
        response,
        generation === undefined ? 'the status site has not been generated yet\n' : 'not found\n',
      );
      return;
    }
    const entries = this.entries;
    let pending = entries.get(relative);
    if (!pending) {
      pending = loadEntry(generation, relative);
      entries.set(relative, pending);
    }
    const entry = await pending;
    if (!entry) {
      // Misses are not remembered: random URLs must not grow the cache.
      entries.delete(relative);
      notFound(response, 'not found\n');
      return;
    }
    const accept = request.headers['accept-encoding'];
    let variant = entry.identity;
    if (entry.brotli && acceptsEncoding(accept, 'br')) variant = entry.brotli;
    else if (entry.gzip && acceptsEncoding(accept, 'gzip')) variant = entry.gzip;
    const ifNoneMatch = request.headers['if-none-match'];
    if (ifNoneMatch && matches(ifNoneMatch, variant.etag)) {
      response.writeHead(304, variant.notModified);
      response.end();
      return;
    }
    response.writeHead(200, variant.headers);
    response.end(request.method === 'HEAD' ? undefined : variant.body);
  }

  listen(host: string, port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const bound = this.server.address();
        resolve(
          typeof bound === 'object' && bound
            ? `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`
            : `${host}:${port}`,
        );
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function notFound(response: ServerResponse, message: string): void {
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
  response.end(message);
}
