// The `plugin` check kind: runs a Nagios / Monitoring Plugins executable and reads its
// exit code and output per the plugin API.
import { constants as osConstants } from 'node:os';
import { z } from 'zod';
import { ServiceState } from '../model/types.ts';
import type { CheckEnv, CheckKind, CheckOutcome, CheckTarget } from './check.ts';
import { buildArgv, type MacroContext } from './plugin/command.ts';
import { NO_OUTPUT, parsePluginOutput } from './plugin/output.ts';
import type { SpawnResult } from './plugin/spawner.ts';

export const pluginParams = z.strictObject({
  /** A command line split with shell-like quoting (no shell runs), or an argv. */
  command: z.union([
    z.string().trim().min(1, 'command is empty'),
    z.array(z.string()).min(1, 'command is empty'),
  ]),
  /** Values of $ARG1$, $ARG2$, ... */
  args: z.array(z.string()).optional(),
  /** Run the expanded command with /bin/sh -c, for pipes and redirections. */
  shell: z.boolean().default(false),
});

export type PluginParams = z.output<typeof pluginParams>;

/** Shown after the output when perfdata or macros had problems; kept short. */
const MAX_NOTES = 3;

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  ENOEXEC: 'not an executable format',
  ENOTDIR: 'a path component is not a directory',
  E2BIG: 'argument list too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENOMEM: 'out of memory',
  EAGAIN: 'process limit reached',
  ELOOP: 'too many symbolic links',
  ETXTBSY: 'file is being written',
};

export const pluginCheck: CheckKind<PluginParams> = {
  kind: 'plugin',
  params: pluginParams,
  async run(params: PluginParams, target: CheckTarget, env: CheckEnv): Promise<CheckOutcome> {
    const built = buildArgv(params.command, macroContext(params, target, env), params.shell);
    if (!built.ok) return unknown(`plugin command is invalid: ${built.error}`);
    const result = await env.spawner.run({
      argv: built.argv,
      timeoutMs: env.timeoutMs,
      maxOutputBytes: env.maxOutputBytes,
      signal: env.signal,
    });
    const notes = built.unknownMacros.map((name) => `unknown macro $${name}$ left as written`);
    return interpretResult(result, built.argv[0] as string, env, notes);
  },
};

function macroContext(params: PluginParams, target: CheckTarget, env: CheckEnv): MacroContext {
  const { host, service } = target;
  return {
    hostName: host.name,
    hostDisplayName: host.displayName,
    hostAddress: host.address,
    ...(service ? { serviceDescription: service.name, serviceDisplayName: service.displayName } : {}),
    args: params.args ?? [],
    userMacros: env.userMacros,
    hostVars: host.vars,
    serviceVars: service?.vars ?? {},
  };
}

/** Maps a finished plugin process to a check outcome. Exported for tests. */
export function interpretResult(
  result: SpawnResult,
  program: string,
  env: Pick<CheckEnv, 'timeoutMs' | 'maxOutputBytes' | 'signal'>,
  notes: string[] = [],
): CheckOutcome {
  if (result.errno !== undefined) {
    const text = ERRNO_TEXT[result.errno];
    return unknown(`cannot run plugin ${program}: ${result.errno}${text ? ` (${text})` : ''}`);
  }
  if (result.timedOut || (result.error === 'aborted' && env.signal.aborted)) {
    return unknown(`plugin timed out after ${formatSeconds(env.timeoutMs)} (process group killed)`);
  }
  if (result.error !== undefined && result.exitCode === null && result.signal === null) {
    return unknown(`plugin could not run: ${result.error}`);
  }

  // Plugins that fail early often write only to stderr.
  const source = result.stdout.length > 0 ? result.stdout : result.stderr;
  const parsed = parsePluginOutput(source);
  const text = parsed.output === NO_OUTPUT ? '' : parsed.output;
  const extra = [...notes, ...parsed.warnings];
  if (result.truncated) extra.unshift(`output truncated to the first ${env.maxOutputBytes} bytes`);

  let exitCode: ServiceState;
  let output: string;
  if (result.exitCode !== null && result.exitCode >= 0 && result.exitCode <= 3) {
    exitCode = result.exitCode as ServiceState;
    output = parsed.output;
  } else {
    exitCode = ServiceState.UNKNOWN;
    output =
      result.signal !== null ? `plugin killed by signal ${signalNumber(result.signal)}` : exitText(result);
    if (text !== '') output += `: ${text}`;
  }
  return {
    exitCode,
    output,
    longOutput: appendNotes(parsed.longOutput, extra),
    perfdata: parsed.perfdata,
  };
}

function exitText(result: SpawnResult): string {
  const code = result.exitCode;
  if (code === 127) return 'plugin exited with code 127 (command not found)';
  if (code === 126) return 'plugin exited with code 126 (command not executable)';
  return `plugin exited with code ${code ?? 'unknown'}`;
}

function signalNumber(name: string): string {
  const number = (osConstants.signals as Record<string, number | undefined>)[name];
  return number === undefined ? name : `${number} (${name})`;
}

function appendNotes(longOutput: string, notes: string[]): string {
  if (notes.length === 0) return longOutput;
  const shown = notes.slice(0, MAX_NOTES).map((note) => `[vigil] ${note}`);
  if (notes.length > MAX_NOTES) shown.push(`[vigil] ... and ${notes.length - MAX_NOTES} more`);
  return longOutput === '' ? shown.join('\n') : `${longOutput}\n${shown.join('\n')}`;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
}

function unknown(output: string): CheckOutcome {
  return { exitCode: ServiceState.UNKNOWN, output, longOutput: '', perfdata: [] };
}
