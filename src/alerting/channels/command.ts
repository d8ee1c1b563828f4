// The `command` channel: runs a program (an argv, no shell) with the notification as JSON on
// stdin and its main fields in VIGIL_* environment variables. Exit 0 is delivered; any other
// exit is a retryable failure named by the first line of stderr (unless listed in
// `permanent_exit_codes`); at the delivery timeout the program's whole process group is killed.
import { spawn } from 'node:child_process';
import { z } from 'zod';
import type { Notification } from '../notification.ts';
import { type Channel, DeliveryError } from './channel.ts';
import { affectedLine, locationLine } from './format.ts';

const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];
const MAX_STDERR = 16 * 1024;
const KILL_GRACE_MS = 2000;

const settings = z.strictObject({
  /** Program and arguments; the program is found on PATH unless it contains a slash. */
  argv: z
    .array(z.string().min(1, 'argv entries must not be empty'))
    .min(1, 'argv needs at least the program'),
  /** Extra environment; the program also gets PATH, HOME, LANG, LC_ALL, TZ, TMPDIR and VIGIL_*. */
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names are letters, digits and _'), z.string())
    .default({}),
  cwd: z.string().min(1).optional(),
  /** Exit codes meaning "retrying cannot help" (the delivery is failed at once). */
  permanent_exit_codes: z.array(z.number().int().min(1).max(255)).default([]),
});

export type CommandSettings = z.output<typeof settings>;

/** The VIGIL_* variables a command sees. */
export function commandEnv(n: Notification): Record<string, string> {
  const p = n.problem;
  return {
    VIGIL_NOTIFICATION_ID: n.id,
    VIGIL_KIND: n.kind,
    VIGIL_URGENCY: n.urgency,
    VIGIL_ROUTE: n.route,
    VIGIL_RECEIVER: n.receiver,
    VIGIL_OBJECT: p.objectId,
    VIGIL_HOST: p.host,
    VIGIL_SERVICE: p.service ?? '',
    VIGIL_STATE: p.state,
    VIGIL_OUTPUT: p.output,
    VIGIL_TITLE: n.title,
    VIGIL_SINCE: new Date(p.since).toISOString(),
    VIGIL_AFFECTED: affectedLine(p) ?? '',
    VIGIL_AFFECTED_HOSTS: String(p.affectedHosts),
    VIGIL_AFFECTED_SERVICES: String(p.affectedServices),
    VIGIL_LOCATION: locationLine(p.location) ?? '',
    VIGIL_URL: n.url ?? '',
    VIGIL_ACK_AUTHOR: n.acknowledgement?.author ?? '',
    VIGIL_ACK_COMMENT: n.acknowledgement?.comment ?? '',
  };
}

export const commandChannel: Channel<CommandSettings> = {
  kind: 'command',
  settings,
  send(n, s, context) {
    const program = s.argv[0] as string;
    return new Promise<void>((resolve, reject) => {
      if (context.signal.aborted) {
        reject(new DeliveryError(`${program}: not started, the delivery timed out`, true));
        return;
      }
      const env: Record<string, string> = {};
      for (const name of PASSED_ENV)
        if (process.env[name] !== undefined) env[name] = process.env[name] as string;
      Object.assign(env, s.env, commandEnv(n));
      const child = spawn(program, s.argv.slice(1), {
        env,
        cwd: s.cwd,
        stdio: ['pipe', 'ignore', 'pipe'],
        // Its own process group, so a timeout kills what it started too.
        detached: true,
      });
      let stderr = '';
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const killGroup = (signal: NodeJS.Signals) => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, signal);
        } catch {
          // already gone
        }
      };
      const onAbort = () => {
        timedOut = true;
        killGroup('SIGTERM');
        killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      };
      context.signal.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        context.signal.removeEventListener('abort', onAbort);
        clearTimeout(killTimer);
      };
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        if (stderr.length < MAX_STDERR) stderr += chunk;
      });
      // A program that exits without reading its stdin closes the pipe: not a failure in itself.
      child.stdin.on('error', () => {});
      child.stdin.end(`${JSON.stringify(n)}\n`);
      child.on('error', (error: NodeJS.ErrnoException) => {
        done();
        const permanent = error.code === 'ENOENT' || error.code === 'EACCES';
        reject(new DeliveryError(`${program}: ${error.code ?? ''} ${error.message}`.trim(), !permanent));
      });
      child.on('close', (code, signal) => {
        done();
        if (timedOut) {
          reject(
            new DeliveryError(
              `${program}: killed after ${context.timeoutMs / 1000}s without finishing`,
              true,
            ),
          );
          return;
        }
        if (code === 0) {
          resolve();
          return;
        }
        const firstLine = stderr
          .split('\n')
          .find((line) => line.trim() !== '')
          ?.trim()
          .slice(0, 200);
        const how = code !== null ? `exit ${code}` : `killed by ${signal}`;
        const permanent = code !== null && s.permanent_exit_codes.includes(code);
        reject(new DeliveryError(`${program}: ${how}${firstLine ? `: ${firstLine}` : ''}`, !permanent));
      });
    });
  },
};
