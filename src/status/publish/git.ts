import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { PublishError, type Publisher } from './publisher.ts';

// `git`: commits the site into a branch of a repository and pushes it, for GitHub Pages, GitLab
// Pages or any host that deploys from git. It keeps a shallow clone in its work directory and
// runs the git CLI, so authentication is whatever git uses for that URL (SSH keys of the daemon's
// user, a credential helper). The branch holds the site only: files not in the site are removed,
// except those listed in `keep` (a CNAME file). A failed push leaves the branch as it was.

const run = promisify(execFile);

const settings = z.strictObject({
  /** Any URL or path git can push to: git@github.com:example/status.git, /srv/git/status.git. */
  repository: z.string().min(1, 'repository is empty'),
  branch: z
    .string()
    .regex(/^[A-Za-z0-9._/-]+$/, 'branch may hold letters, digits, ".", "_", "/" and "-"')
    .default('gh-pages'),
  /** Files of the branch that are not part of the site and stay (e.g. CNAME). */
  keep: z.array(z.string().min(1)).default(['CNAME']),
  author_name: z.string().min(1).default('Vigil'),
  author_email: z.string().min(3).default('vigil@localhost'),
  message: z.string().min(1).default('Status site update'),
});

export type GitSettings = z.output<typeof settings>;

async function git(cwd: string, args: string[], signal: AbortSignal): Promise<string> {
  try {
    const { stdout } = await run('git', args, {
      cwd,
      signal,
      maxBuffer: 16 * 1024 * 1024,
      // Never wait for a password on a terminal: a daemon has none.
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true' },
    });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').at(-1) ?? '';
    throw new PublishError(`git ${args[0]}: ${stderr || (error as Error).message}`);
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

export const gitPublisher: Publisher<GitSettings> = {
  kind: 'git',
  settings,
  target: (s) => `${s.repository} ${s.branch}`,
  async publish(input, s) {
    const work = input.workDir;
    const signal = input.signal;
    await mkdir(work, { recursive: true });
    if (!(await exists(path.join(work, '.git')))) {
      await git(work, ['init', '-q'], signal);
      await git(work, ['remote', 'add', 'origin', s.repository], signal);
    } else await git(work, ['remote', 'set-url', 'origin', s.repository], signal);
    const remote = await git(work, ['ls-remote', '--heads', 'origin', `refs/heads/${s.branch}`], signal);
    if (remote.trim()) {
      await git(work, ['fetch', '-q', '--depth', '1', 'origin', `refs/heads/${s.branch}`], signal);
      await git(work, ['checkout', '-q', '-f', '-B', s.branch, 'FETCH_HEAD'], signal);
    } else {
      // A new branch with the site only, no history of another branch.
      await git(work, ['checkout', '-q', '-f', '--orphan', s.branch], signal);
      await git(work, ['rm', '-rqf', '--cached', '--ignore-unmatch', '.'], signal);
    }
    for (const entry of await readdir(work)) {
      if (entry === '.git' || s.keep.includes(entry)) continue;
      await rm(path.join(work, entry), { recursive: true, force: true });
    }
    for (const file of input.files) {
      const target = path.join(work, file.path);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, file.content);
    }
    // GitHub Pages would otherwise run Jekyll over the files.
    await writeFile(path.join(work, '.nojekyll'), '');
    await git(work, ['add', '-A'], signal);
    const changes = (await git(work, ['diff', '--cached', '--name-status'], signal))
      .split('\n')
      .filter(Boolean);
    if (changes.length === 0 && remote.trim()) return { uploaded: 0, deleted: 0 };
    await git(
      work,
      [
        '-c',
        `user.name=${s.author_name}`,
        '-c',
        `user.email=${s.author_email}`,
        'commit',
        '-q',
        '--allow-empty',
        '-m',
        s.message,
      ],
      signal,
    );
    await git(work, ['push', '-q', 'origin', `HEAD:refs/heads/${s.branch}`], signal);
    return {
      uploaded: changes.filter((line) => !line.startsWith('D')).length,
      deleted: changes.filter((line) => line.startsWith('D')).length,
    };
  },
};
