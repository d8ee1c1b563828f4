// Signing test requests in to a daemon started with `vigil run`: the daemon writes its
// local CLI token (an admin) beside its SQLite database at start, as `vigil reload` reads it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { eventually } from './model.ts';

/** The token of the daemon whose database is in `dir`, once the daemon has written it. */
export async function localToken(dir: string, timeoutMs = 15_000): Promise<string> {
  const file = path.join(dir, 'vigil-cli.token');
  let token = '';
  await eventually(async () => {
    token = (await readFile(file, 'utf8').catch(() => '')).trim();
    return token !== '';
  }, timeoutMs);
  if (token === '') throw new Error(`the daemon wrote no CLI token to ${file}`);
  return token;
}

/** Headers that sign a request in with the daemon's local token. */
export async function adminHeaders(dir: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await localToken(dir)}` };
}
