import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

// The dashboard's static files, served under /assets/. Each URL carries a hash of the file's
// content, so browsers may cache it for a year: a changed file gets a new URL.

const require = createRequire(import.meta.url);
const ownDir = fileURLToPath(new URL('./assets/', import.meta.url));
const htmxDir = path.dirname(require.resolve('htmx.org/dist/htmx.min.js'));
const uplotDir = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

/** Asset name to the directory it is read from. */
const ASSETS: Record<string, string> = {
  'dashboard.css': ownDir,
  'dashboard.js': ownDir,
  'incidents.js': ownDir,
  'htmx.min.js': htmxDir,
  'uPlot.iife.min.js': uplotDir,
  'uPlot.min.css': uplotDir,
};

export type AssetName = keyof typeof ASSETS;

const versions = new Map<string, string>();

/** The URL of an asset, with its content hash. */
export function assetUrl(name: AssetName): string {
  let version = versions.get(name);
  if (version === undefined) {
    const dir = ASSETS[name];
    if (dir === undefined) throw new Error(`web/assets.ts: no asset "${name}"`);
    version = createHash('sha256')
      .update(readFileSync(path.join(dir, name)))
      .digest('hex')
      .slice(0, 12);
    versions.set(name, version);
  }
  return `/assets/${name}?v=${version}`;
}

export async function registerAssets(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    // Assets are public: the login page needs them before anyone has signed in.
    scope.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
    });
    await scope.register(fastifyStatic, {
      root: [...new Set(Object.values(ASSETS))],
      prefix: '/assets/',
      allowedPath: (pathname) => Object.hasOwn(ASSETS, pathname.replace(/^\//, '')),
      maxAge: '365d',
      immutable: true,
      decorateReply: false,
      index: false,
    });
  });
}
