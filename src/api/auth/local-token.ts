import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { newSecret } from './secrets.ts';

// How the `vigil` command on the daemon's machine talks to the daemon (`vigil reload`):
// at start the daemon writes a fresh admin token to a file only its own user (and root)
// can read, as a Unix socket guarded by file permissions would. Reading the file proves
// the caller could already read the daemon's database and configuration. A new token is
// made at every start; the old one stops working at once.

/** The token text: `vigil_local_<secret>`. */
export async function writeLocalToken(file: string): Promise<string> {
  const token = `vigil_local_${newSecret()}`;
  const temporary = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  // Created 0600 before the secret is in it, then moved over the old one in one step.
  await writeFile(temporary, `${token}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
  return token;
}

/** The token the running daemon wrote, or an error naming the file and what to do. */
export async function readLocalToken(file: string): Promise<string | Error> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES'
        ? "permission denied: run as the daemon's user or root"
        : code === 'ENOENT'
          ? 'it does not exist: is the daemon running with this configuration?'
          : (error as Error).message;
    return new Error(`cannot read the daemon's CLI token ${file}: ${why}`);
  }
}
