import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseConfigText } from '../../src/config/load.ts';
import { resolveModel } from '../../src/config/resolve.ts';
import type { Model } from '../../src/model/types.ts';

/** Builds a model from YAML text, failing loudly on config errors. */
export function modelFromYaml(yaml: string, baseDir = tmpdir()): Model {
  const parsed = parseConfigText('test.yml', yaml);
  if ('errors' in parsed) throw new Error(parsed.errors.map((e) => `${e.line}: ${e.message}`).join('\n'));
  const resolved = resolveModel([parsed], baseDir);
  if (!resolved.ok) throw new Error(resolved.errors.map((e) => `${e.line}: ${e.message}`).join('\n'));
  return resolved.model;
}

export async function tempDir(prefix = 'vigil-test-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `condition` holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await sleep(20);
  }
  return condition();
}
