// Watches the machine Vigil runs on for things that must never be left behind: a kernel
// module (sch_netem, which emulates a bad network), a process (the tool that set it up),
// or a queueing discipline on an interface (`tc qdisc ... netem`). A netem left running
// on a server once caused a real outage; this check turns "never again" into an alert.
import { close, open, read, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { type ServiceState, ServiceState as State } from '../model/types.ts';
import type { CheckEnv, CheckKind } from './check.ts';
import { errorText, outcomeFor, untilAbort } from './native.ts';
import { worstState } from './thresholds.ts';

/** The kernel keeps at most 15 bytes of a process name in /proc/<pid>/comm. */
const COMM_LENGTH = 15;
/** Processes whose name is read before yielding to the event loop (~1 ms of work). */
const COMM_BATCH = 128;
/** Command lines read at once: few enough to leave most of libuv's 4 pool threads to others. */
const CMDLINE_CONCURRENCY = 2;
/** Most findings named on the status line; the long output lists all of them. */
const SHOWN_ON_STATUS_LINE = 5;
const SHOWN_COMMAND_LINE = 300;

const outcome = outcomeFor('MODULES');

/** A `forbidden_processes` entry: an exact process name, or `/regex/` against the command line. */
export type ProcessPattern =
  | { text: string; kind: 'name'; name: string }
  | { text: string; kind: 'regex'; regex: RegExp };

const REGEX_PATTERN = /^\/(.+)\/([imsu]*)$/s;

const processPattern = z
  .string()
  .min(1, 'a process pattern is empty: give a process name (netem-shaper) or /regex/')
  .refine((text) => !/[\0\n]/.test(text), 'a process pattern must not contain NUL or newline characters')
  .transform((text, ctx): ProcessPattern => {
    const match = REGEX_PATTERN.exec(text);
    if (match === null) {
      if (text.startsWith('/')) {
        ctx.addIssue({
          code: 'custom',
          message: `"${text}" starts with "/" but is not a /regex/ (flags allowed after the closing "/": i, m, s, u)`,
        });
        return z.NEVER;
      }
      return { text, kind: 'name', name: text };
    }
    try {
      return { text, kind: 'regex', regex: new RegExp(match[1] as string, match[2]) };
    } catch (error) {
      // V8 says "Invalid regular expression: /(/: Unterminated group": keep the cause.
      const cause = (error as Error).message.split(': ').pop();
      ctx.addIssue({ code: 'custom', message: `invalid regular expression ${text}: ${cause}` });
      return z.NEVER;
    }
  });

const params = z
  .strictObject({
    /** Kernel module names as /proc/modules lists them; "-" and "_" are the same to the kernel. */
    forbidden_modules: z
      .array(
        z
          .string()
          .regex(
            /^[A-Za-z0-9_-]+$/,
            'a module name has only letters, digits, "_" and "-", as /proc/modules lists it (e.g. sch_netem)',
          ),
      )
      .min(1, 'forbidden_modules is empty: list module names, e.g. [sch_netem], or leave it out')
      .optional(),
    forbidden_processes: z
      .array(processPattern)
      .min(1, 'forbidden_processes is empty: list process names or /regex/ patterns, or leave it out')
      .optional(),
    /** Queueing discipline kinds as `tc qdisc show` prints them (netem, tbf, ...). */
    forbidden_qdiscs: z
      .array(
        z
          .string()
          .regex(/^[a-z][a-z0-9_]*$/, 'a qdisc kind is lower-case letters, digits and "_" (e.g. netem)'),
      )
      .min(1, 'forbidden_qdiscs is empty: list qdisc kinds, e.g. [netem], or leave it out')
      .optional(),
    modules_file: z.string().min(1).default('/proc/modules'),
    proc_dir: z.string().min(1).default('/proc'),
    /** Command that prints qdiscs when given `qdisc show`; e.g. [nsenter, -t, "1", -n, tc] for the host's namespace. */
    tc_command: z
      .array(z.string().min(1))
      .min(1, 'tc_command is empty: give the command, e.g. [tc]')
      .default(['tc']),
  })
  .refine(
    (p) => p.forbidden_modules || p.forbidden_processes || p.forbidden_qdiscs,
    'nothing to check: give at least one of forbidden_modules, forbidden_processes, forbidden_qdiscs',
  );
type ModulesParams = z.infer<typeof params>;

/** What one part of the check (modules, processes, qdiscs) found. */
interface PartReport {
  /** Short texts for the status line, e.g. "netem-shaper (pid 1234)". */
  found: string[];
  /** How many forbidden things were found (several processes may share one `found` text). */
  count: number;
  /** One line per finding, for the long output. */
  details: string[];
  /** Why the part could not give an answer; makes it UNKNOWN. */
  problem?: string;
  /** What was looked for, for the OK text. */
  checked: string;
  /** Extra notes for the long output (unreadable processes, ...). */
  notes: string[];
}

/** CRITICAL when a forbidden kernel module, process or qdisc is present where Vigil runs. */
export const modulesCheck: CheckKind<ModulesParams> = {
  kind: 'modules',
  params,
  async run(p, _target, env) {
    const parts: Array<Promise<PartReport & { label: string }>> = [];
    if (p.forbidden_modules) {
      parts.push(
        checkModules(p.modules_file, p.forbidden_modules).then((r) => ({
          ...r,
          label: 'forbidden module loaded',
        })),
      );
    }
    if (p.forbidden_processes) {
      parts.push(
        checkProcesses(p.proc_dir, p.forbidden_processes, env).then((r) => ({
          ...r,
          label: 'forbidden process running',
        })),
      );
    }
    if (p.forbidden_qdiscs) {
      parts.push(
        checkQdiscs(p.tc_command, p.forbidden_qdiscs, env).then((r) => ({ ...r, label: 'forbidden qdisc' })),
      );
    }
    const reports = await Promise.all(parts);

    const states: ServiceState[] = [];
    const problems: string[] = [];
    const findings: string[] = [];
    const longOutput: string[] = [];
    let foundCount = 0;
    for (const report of reports) {
      if (report.found.length > 0) {
        states.push(State.CRITICAL);
        foundCount += report.count;
        const shown = report.found.slice(0, SHOWN_ON_STATUS_LINE).join(', ');
        const more = report.found.length - SHOWN_ON_STATUS_LINE;
        findings.push(`${report.label}: ${shown}${more > 0 ? ` and ${more} more` : ''}`);
      }
      if (report.problem !== undefined) {
        states.push(State.UNKNOWN);
        problems.push(report.problem);
      }
      longOutput.push(...report.details, ...report.notes);
    }
    const state = worstState(states);
    const text =
      state === State.OK ? reports.map((r) => r.checked).join('; ') : [...findings, ...problems].join('; ');
    // Any finding is CRITICAL: the range "0" (alert above 0) says so to charts and exports.
    return outcome(state, text, longOutput.join('\n'), [
      { label: 'forbidden_found', value: foundCount, unit: '', crit: '0', min: 0 },
    ]);
  },
};

/** The kernel treats "-" and "_" in module names alike (modprobe sch-netem loads sch_netem). */
function moduleKey(name: string): string {
  return name.replaceAll('-', '_');
}

async function checkModules(file: string, forbidden: string[]): Promise<PartReport> {
  const report: PartReport = {
    found: [],
    count: 0,
    details: [],
    checked: `not loaded: ${forbidden.join(', ')}`,
    notes: [],
  };
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    report.problem = `cannot read ${file}: ${errorText(error)}`;
    return report;
  }
  const wanted = new Set(forbidden.map(moduleKey));
  // Each line: name size refcount dependents state address.
  for (const line of text.split('\n')) {
    const [name, size, refcount, usedBy] = line.split(/\s+/);
    if (name === undefined || name === '' || !wanted.has(moduleKey(name))) continue;
    report.found.push(name);
    report.count++;
    const users = usedBy === undefined || usedBy === '-' ? '' : `, used by ${usedBy.replace(/,$/, '')}`;
    report.details.push(`module ${name} loaded (size ${size ?? '?'} B, refcount ${refcount ?? '?'}${users})`);
  }
  return report;
}

async function checkProcesses(
  procDir: string,
  patterns: ProcessPattern[],
  env: CheckEnv,
): Promise<PartReport> {
  const report: PartReport = {
    found: [],
    count: 0,
    details: [],
    checked: `not running: ${patterns.map((p) => p.text).join(', ')}`,
    notes: [],
  };
  let entries: string[];
  try {
    entries = await readdir(procDir);
  } catch (error) {
    report.problem = `cannot read ${procDir}: ${errorText(error)}`;
    return report;
  }
  const pids = entries.filter((name) => /^\d+$/.test(name));
  const names = patterns.filter((p) => p.kind === 'name');
  const regexes = patterns.filter((p) => p.kind === 'regex');
  const candidates: Array<{ pid: string; comm: string; matched: ProcessPattern | undefined }> = [];
  let unreadable = 0;
  let scanned = 0;
  let finished = true;

  // comm is read synchronously: ~7 µs, no lock on the process's memory, a third of the cost
  // of an async read. Batches keep the event loop free for other checks on a busy server.
  for (let i = 0; i < pids.length; i++) {
    if (i > 0 && i % COMM_BATCH === 0) {
      await nextTurn();
      if (env.signal.aborted) {
        finished = false;
        break;
      }
    }
    const pid = pids[i] as string;
    let comm: string;
    try {
      comm = readFileSync(join(procDir, pid, 'comm'), 'utf8').replace(/\n$/, '');
    } catch (error) {
      if (!vanished(error)) unreadable++;
      continue;
    }
    scanned++;
    const matched = names.find((p) => commMatches(comm, p.name));
    // The command line costs another read: only fetched when a regex needs it or to describe a match.
    if (matched !== undefined || regexes.length > 0) candidates.push({ pid, comm, matched });
  }

  // Reading cmdline takes the process's memory lock and can hang behind a stuck process
  // (as `ps` does): read it off the event loop, a few at a time, and give up at the timeout.
  const matches: Array<{ pid: string; comm: string; pattern: ProcessPattern; commandLine: string }> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < candidates.length && !env.signal.aborted) {
      const { pid, comm, matched } = candidates[next++] as (typeof candidates)[number];
      const raw = await readCommandLine(join(procDir, pid, 'cmdline'));
      if (raw === GONE && matched === undefined) continue;
      const commandLine = typeof raw === 'string' ? raw.replace(/\0+$/, '').replaceAll('\0', ' ') : '';
      // Kernel threads and zombies have no command line: only their name can match.
      const pattern =
        matched ?? (commandLine === '' ? undefined : regexes.find((p) => p.regex.test(commandLine)));
      if (pattern !== undefined) matches.push({ pid, comm, pattern, commandLine });
    }
  };
  if (finished) {
    const workers = Array.from({ length: Math.min(CMDLINE_CONCURRENCY, candidates.length) }, worker);
    // At the timeout the scan stops waiting (workers never reject); reads in flight finish on their own.
    const allRead = await untilAbort(Promise.all(workers), env.signal).then(
      () => true,
      () => false,
    );
    finished = allRead && next >= candidates.length;
  }

  matches.sort((a, b) => Number(a.pid) - Number(b.pid));
  // Processes of one name found by one pattern share a status-line entry: "bash (pids 10, 12)".
  const groups = new Map<string, { comm: string; how: string; pids: string[] }>();
  for (const m of matches) {
    const how = m.pattern.kind === 'regex' ? ` matching ${m.pattern.text}` : '';
    const key = `${m.comm}\0${m.pattern.text}`;
    const group = groups.get(key) ?? { comm: m.comm, how, pids: [] };
    group.pids.push(m.pid);
    groups.set(key, group);
    const line =
      m.commandLine.length > SHOWN_COMMAND_LINE
        ? `${m.commandLine.slice(0, SHOWN_COMMAND_LINE)}...`
        : m.commandLine;
    report.details.push(`process ${m.pid} ${m.comm}${how}: ${line === '' ? '(no command line)' : line}`);
  }
  for (const { comm, how, pids: groupPids } of groups.values()) {
    const shownPids = groupPids.slice(0, SHOWN_ON_STATUS_LINE).join(', ');
    const more =
      groupPids.length > SHOWN_ON_STATUS_LINE ? ` and ${groupPids.length - SHOWN_ON_STATUS_LINE} more` : '';
    report.found.push(`${comm} (pid${groupPids.length > 1 ? 's' : ''} ${shownPids}${more}${how})`);
  }
  report.count = matches.length;
  if (!finished) report.problem = `process scan not finished within ${env.timeoutMs / 1000}s`;
  if (unreadable > 0)
    report.notes.push(`${unreadable} process(es) in ${procDir} could not be read (permission denied)`);
  report.checked += ` (${scanned} processes)`;
  return report;
}

/** A name longer than the kernel keeps matches on the part the kernel kept. */
function commMatches(comm: string, name: string): boolean {
  return comm === (name.length > COMM_LENGTH ? name.slice(0, COMM_LENGTH) : name);
}

const GONE = Symbol('gone');

/** ENOENT/ESRCH: the process exited between readdir and read. Anything else (EACCES,
 * EPERM under hidepid, EIO) means we may not look: the process is skipped and counted. */
function vanished(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ESRCH';
}

/** Most bytes of a command line read; a regex sees no further. */
const MAX_COMMAND_LINE = 64 * 1024;

/** open/read/close by hand: fs.readFile adds an fstat and an extra read per file, which
 * doubles the cost of a full scan. */
function readCommandLine(path: string): Promise<string | typeof GONE> {
  return new Promise((resolve) => {
    open(path, 'r', (openError, fd) => {
      if (openError) return resolve(GONE);
      const chunks: Buffer[] = [];
      let total = 0;
      const finish = (result: string | typeof GONE) => close(fd, () => resolve(result));
      const readMore = () => {
        const buffer = Buffer.allocUnsafe(4096);
        read(fd, buffer, 0, buffer.length, null, (readError, bytes) => {
          if (readError) return finish(GONE);
          if (bytes > 0) {
            chunks.push(buffer.subarray(0, bytes));
            total += bytes;
          }
          // A short read is the end: procfs fills the buffer while there is more.
          if (bytes < buffer.length || total >= MAX_COMMAND_LINE)
            return finish(Buffer.concat(chunks).toString('utf8'));
          readMore();
        });
      };
      readMore();
    });
  });
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function checkQdiscs(command: string[], forbidden: string[], env: CheckEnv): Promise<PartReport> {
  const report: PartReport = {
    found: [],
    count: 0,
    details: [],
    checked: `no qdisc: ${forbidden.join(', ')}`,
    notes: [],
  };
  const argv = [...command, 'qdisc', 'show'];
  const shown = argv.join(' ');
  const result = await env.spawner.run({
    argv,
    timeoutMs: env.timeoutMs,
    maxOutputBytes: env.maxOutputBytes,
    signal: env.signal,
  });
  if (result.errno !== undefined) {
    const hint = result.errno === 'ENOENT' ? ' (is iproute2 installed?)' : '';
    report.problem = `cannot run ${command[0]}: ${result.errno}${hint}`;
    return report;
  }
  if (result.error === 'aborted' || result.timedOut) {
    report.problem = `${shown}: no answer within ${env.timeoutMs / 1000}s`;
    return report;
  }
  if (result.error !== undefined) {
    report.problem = `${shown}: ${result.error}`;
    return report;
  }
  if (result.exitCode !== 0) {
    const stderr = result.stderr.toString('utf8').trim().split('\n')[0] ?? '';
    const how = result.exitCode === null ? `killed by ${result.signal}` : `exited ${result.exitCode}`;
    report.problem = `${shown} ${how}${stderr === '' ? '' : `: ${stderr}`}`;
    return report;
  }
  const wanted = new Set(forbidden);
  // "qdisc netem 8001: dev eth0 root refcnt 2 limit 1000 delay 100ms"
  for (const line of result.stdout.toString('utf8').split('\n')) {
    const match = /^qdisc (\S+) \S+ dev (\S+)/.exec(line);
    if (match === null || !wanted.has(match[1] as string)) continue;
    report.found.push(`${match[1]} on ${match[2]}`);
    report.count++;
    report.details.push(line.trim());
  }
  if (result.truncated) report.notes.push(`output of ${shown} was cut at ${env.maxOutputBytes} bytes`);
  return report;
}
