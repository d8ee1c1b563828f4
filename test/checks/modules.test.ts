import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { modulesCheck } from '../../src/checks/modules.ts';
import { paramErrors, runCheck } from '../helpers/run-check.ts';

let dir: string;
const children: ChildProcess[] = [];

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-modules-'));
});

after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a program and waits until the kernel shows it, so a scan cannot miss it. */
async function start(command: string, args: string[]): Promise<ChildProcess & { pid: number }> {
  const child = spawn(command, args, { stdio: 'ignore' });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child as ChildProcess & { pid: number };
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** A copy of sleep under another name: the kernel takes the process name from the file name. */
function sleepNamed(name: string): string {
  const path = join(dir, name);
  copyFileSync('/bin/sleep', path);
  chmodSync(path, 0o755);
  return path;
}

function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('modules check: processes', () => {
  it('goes CRITICAL naming a running forbidden process and its pid, and OK once it is gone', async () => {
    const name = `netem-${randomBytes(4).toString('hex')}`;
    const child = await start(sleepNamed(name), ['30']);
    const found = await runCheck(modulesCheck, { forbidden_processes: [name] });
    assert.equal(found.exitCode, 2, found.output);
    assert.equal(found.output, `MODULES CRITICAL - forbidden process running: ${name} (pid ${child.pid})`);
    assert.match(found.longOutput, new RegExp(`^process ${child.pid} ${name}: .*/${name} 30$`, 'm'));
    assert.deepEqual(found.perfdata, [{ label: 'forbidden_found', value: 1, unit: '', crit: '0', min: 0 }]);

    await stop(child);
    const gone = await runCheck(modulesCheck, { forbidden_processes: [name] });
    assert.equal(gone.exitCode, 0, gone.output);
    assert.match(gone.output, new RegExp(`^MODULES OK - not running: ${name} \\(\\d+ processes\\)$`));
    assert.equal(gone.perfdata[0]?.value, 0);
  });

  it('lists every process of a forbidden name', async () => {
    const name = `shaper-${randomBytes(4).toString('hex')}`;
    const path = sleepNamed(name);
    const first = await start(path, ['30']);
    const second = await start(path, ['30']);
    const pids = [first.pid, second.pid].sort((a, b) => a - b);
    const found = await runCheck(modulesCheck, { forbidden_processes: [name] });
    assert.equal(
      found.output,
      `MODULES CRITICAL - forbidden process running: ${name} (pids ${pids.join(', ')})`,
    );
    assert.equal(found.perfdata[0]?.value, 2);
    await Promise.all([stop(first), stop(second)]);
  });

  it('matches a name longer than the 15 characters the kernel keeps', async () => {
    const name = `netem-shaper-${randomBytes(6).toString('hex')}`;
    const child = await start(sleepNamed(name), ['30']);
    const found = await runCheck(modulesCheck, { forbidden_processes: [name] });
    assert.equal(found.exitCode, 2, found.output);
    assert.match(found.output, new RegExp(`${name.slice(0, 15)} \\(pid ${child.pid}\\)`));
    await stop(child);
  });

  it('matches a /regex/ against the whole command line, past the first page', async () => {
    const marker = randomBytes(6).toString('hex');
    // The argument that matters comes after 10 kB of others: the check must read it all.
    const child = await start(process.execPath, [
      '-e',
      'setInterval(() => {}, 1000)',
      'x'.repeat(10_000),
      `--shape=${marker}`,
    ]);
    const found = await runCheck(modulesCheck, { forbidden_processes: [`/--shape=${marker}$/`] });
    assert.equal(found.exitCode, 2, found.output);
    assert.equal(
      found.output,
      `MODULES CRITICAL - forbidden process running: node (pid ${child.pid} matching /--shape=${marker}$/)`,
    );
    const caseless = await runCheck(modulesCheck, {
      forbidden_processes: [`/--SHAPE=${marker.toUpperCase()}/i`],
    });
    assert.equal(caseless.exitCode, 2, caseless.output);
    const other = await runCheck(modulesCheck, { forbidden_processes: [`/--shape=${marker}x/`] });
    assert.equal(other.exitCode, 0, other.output);
    await stop(child);
  });

  it('reads a mounted proc directory, skipping processes that vanished mid-scan', async () => {
    const proc = join(dir, 'proc');
    const pid = (n: number, comm: string | undefined, cmdline: string[] | undefined) => {
      mkdirSync(join(proc, String(n)), { recursive: true });
      if (comm !== undefined) writeFileSync(join(proc, String(n), 'comm'), `${comm}\n`);
      if (cmdline !== undefined) writeFileSync(join(proc, String(n), 'cmdline'), `${cmdline.join('\0')}\0`);
    };
    pid(1, 'systemd', ['/sbin/init', 'splash']);
    pid(42, 'netem-shaper', ['/usr/local/bin/netem-shaper', '--delay', '100ms']);
    pid(77, undefined, undefined); // exited between readdir and read
    pid(99, 'kworker/0:1', undefined); // kernel thread: no command line
    mkdirSync(join(proc, 'self'), { recursive: true });

    const byName = await runCheck(modulesCheck, { forbidden_processes: ['netem-shaper'], proc_dir: proc });
    assert.equal(byName.output, 'MODULES CRITICAL - forbidden process running: netem-shaper (pid 42)');
    assert.equal(byName.longOutput, 'process 42 netem-shaper: /usr/local/bin/netem-shaper --delay 100ms');

    // One process found by a name and a regex counts once.
    const both = await runCheck(modulesCheck, {
      forbidden_processes: ['netem-shaper', '/--delay \\d+ms/', '/kworker/'],
      proc_dir: proc,
    });
    assert.equal(both.output, 'MODULES CRITICAL - forbidden process running: netem-shaper (pid 42)');
    assert.equal(both.perfdata[0]?.value, 1);

    const clean = await runCheck(modulesCheck, { forbidden_processes: ['tc', '/netem/x/'], proc_dir: proc });
    assert.equal(clean.output, 'MODULES OK - not running: tc, /netem/x/ (3 processes)');
  });

  it('is UNKNOWN when the proc directory cannot be read', async () => {
    const missing = join(dir, 'no-proc');
    const result = await runCheck(modulesCheck, { forbidden_processes: ['netem-shaper'], proc_dir: missing });
    assert.equal(result.exitCode, 3);
    assert.equal(result.output, `MODULES UNKNOWN - cannot read ${missing}: ENOENT`);
  });

  it('gives up at the timeout when a command line read hangs', async () => {
    const proc = join(dir, 'stuck-proc');
    mkdirSync(join(proc, '5'), { recursive: true });
    writeFileSync(join(proc, '5', 'comm'), 'stuck\n');
    // A FIFO without a writer blocks open(), like a cmdline read behind a process holding its memory lock.
    const fifo = join(proc, '5', 'cmdline');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    try {
      const result = await runCheck(
        modulesCheck,
        { forbidden_processes: ['/x/'], proc_dir: proc },
        { timeoutMs: 200 },
      );
      assert.equal(result.exitCode, 3, result.output);
      assert.equal(result.output, 'MODULES UNKNOWN - process scan not finished within 0.2s');
      assert.ok(result.elapsedMs < 1000, `returned after ${result.elapsedMs} ms`);
    } finally {
      // Release the thread still waiting in open(): a writer appearing lets it finish.
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    }
  });
});

const MODULES_FIXTURE = [
  'tcp_diag 12288 0 - Live 0x0000000000000000',
  'inet_diag 28672 1 tcp_diag, Live 0x0000000000000000',
  'sch_netem 24576 2 - Live 0x0000000000000000',
  'nf_conntrack 196608 3 nf_nat,xt_conntrack,nf_conntrack_netlink, Live 0x0000000000000000',
  '',
].join('\n');

describe('modules check: kernel modules', () => {
  it('goes CRITICAL when a forbidden module is loaded', async () => {
    const file = join(dir, 'modules');
    writeFileSync(file, MODULES_FIXTURE);
    const result = await runCheck(modulesCheck, {
      forbidden_modules: ['sch_netem', 'dummy'],
      modules_file: file,
    });
    assert.equal(result.exitCode, 2);
    assert.equal(result.output, 'MODULES CRITICAL - forbidden module loaded: sch_netem');
    assert.equal(result.longOutput, 'module sch_netem loaded (size 24576 B, refcount 2)');
    assert.equal(result.perfdata[0]?.value, 1);
    // modprobe spells it either way; the kernel treats "-" and "_" alike.
    const dashed = await runCheck(modulesCheck, { forbidden_modules: ['sch-netem'], modules_file: file });
    assert.equal(dashed.exitCode, 2);
    const user = await runCheck(modulesCheck, { forbidden_modules: ['nf_conntrack'], modules_file: file });
    assert.match(user.longOutput, /used by nf_nat,xt_conntrack,nf_conntrack_netlink\)$/);
  });

  it('is OK when no forbidden module is loaded, matching exact names only', async () => {
    const file = join(dir, 'modules-clean');
    writeFileSync(
      file,
      MODULES_FIXTURE.replace('sch_netem ', 'sch_netem2 ').replace('tcp_diag 12288', 'xsch_netem 1'),
    );
    const result = await runCheck(modulesCheck, { forbidden_modules: ['sch_netem'], modules_file: file });
    assert.equal(result.exitCode, 0, result.output);
    assert.equal(result.output, 'MODULES OK - not loaded: sch_netem');
  });

  it('is UNKNOWN with the reason when the modules file cannot be read', async () => {
    const missing = join(dir, 'no-modules');
    const result = await runCheck(modulesCheck, { forbidden_modules: ['sch_netem'], modules_file: missing });
    assert.equal(result.exitCode, 3);
    assert.equal(result.output, `MODULES UNKNOWN - cannot read ${missing}: ENOENT`);
  });

  it('does not read the modules file when no module is forbidden', async () => {
    const result = await runCheck(modulesCheck, {
      forbidden_processes: [`absent-${randomBytes(4).toString('hex')}`],
      modules_file: join(dir, 'no-modules'),
    });
    assert.equal(result.exitCode, 0, result.output);
  });

  it('reports every finding, CRITICAL over UNKNOWN, and counts them all', async () => {
    const file = join(dir, 'modules-all');
    writeFileSync(file, MODULES_FIXTURE);
    const name = `netem-${randomBytes(4).toString('hex')}`;
    const child = await start(sleepNamed(name), ['30']);
    const result = await runCheck(modulesCheck, {
      forbidden_modules: ['sch_netem'],
      forbidden_processes: [name],
      forbidden_qdiscs: ['netem'],
      modules_file: file,
      tc_command: [join(dir, 'no-such-tc')],
    });
    assert.equal(result.exitCode, 2);
    assert.equal(
      result.output,
      `MODULES CRITICAL - forbidden module loaded: sch_netem; forbidden process running: ${name} (pid ${child.pid}); ` +
        `cannot run ${join(dir, 'no-such-tc')}: ENOENT (is iproute2 installed?)`,
    );
    assert.equal(result.perfdata[0]?.value, 2);
    await stop(child);
  });
});

// Real `tc qdisc show` output of a host with netem on eth0 (iproute2 6.x).
const TC_OUTPUT = [
  'qdisc noqueue 0: dev lo root refcnt 2 ',
  'qdisc netem 8001: dev eth0 root refcnt 2 limit 1000 delay 100ms  10ms loss 1%',
  'qdisc ingress ffff: dev eth0 parent ffff:fff1 ---------------- ',
  'qdisc netem 10: dev bond0 parent 1:1 limit 1000 delay 50ms',
  '',
].join('\n');

describe('modules check: qdiscs', () => {
  it('goes CRITICAL naming each device with a forbidden qdisc', async () => {
    const tc = script('tc-netem', `[ "$1 $2" = "qdisc show" ] || exit 9\ncat <<'EOF'\n${TC_OUTPUT}EOF`);
    const result = await runCheck(modulesCheck, { forbidden_qdiscs: ['netem'], tc_command: [tc] });
    assert.equal(result.exitCode, 2, result.output);
    assert.equal(result.output, 'MODULES CRITICAL - forbidden qdisc: netem on eth0, netem on bond0');
    assert.match(
      result.longOutput,
      /^qdisc netem 8001: dev eth0 root refcnt 2 limit 1000 delay 100ms {2}10ms loss 1%$/m,
    );
    assert.equal(result.perfdata[0]?.value, 2);
    const other = await runCheck(modulesCheck, { forbidden_qdiscs: ['tbf'], tc_command: [tc] });
    assert.equal(other.output, 'MODULES OK - no qdisc: tbf');
  });

  it('reads the qdiscs of a real network namespace', async (t) => {
    const namespace = `vigil-modules-${process.pid}`;
    if (spawnSync('ip', ['netns', 'add', namespace]).status !== 0) {
      t.skip('cannot create a network namespace here (needs root and iproute2)');
      return;
    }
    try {
      // This kernel may lack sch_netem; tbf stands in for any forbidden qdisc.
      const added = spawnSync('ip', [
        ...['netns', 'exec', namespace, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root'],
        ...['tbf', 'rate', '1mbit', 'burst', '32kbit', 'latency', '400ms'],
      ]);
      assert.equal(added.status, 0, added.stderr.toString());
      const tcCommand = ['ip', 'netns', 'exec', namespace, 'tc'];
      const found = await runCheck(modulesCheck, {
        forbidden_qdiscs: ['netem', 'tbf'],
        tc_command: tcCommand,
      });
      assert.equal(found.output, 'MODULES CRITICAL - forbidden qdisc: tbf on lo');
      const clean = await runCheck(modulesCheck, { forbidden_qdiscs: ['netem'], tc_command: tcCommand });
      assert.equal(clean.output, 'MODULES OK - no qdisc: netem');
    } finally {
      spawnSync('ip', ['netns', 'del', namespace]);
    }
  });

  it('is UNKNOWN with the reason when tc is missing, fails or hangs', async () => {
    const missing = await runCheck(modulesCheck, {
      forbidden_qdiscs: ['netem'],
      tc_command: [join(dir, 'no-tc')],
    });
    assert.equal(missing.exitCode, 3);
    assert.equal(
      missing.output,
      `MODULES UNKNOWN - cannot run ${join(dir, 'no-tc')}: ENOENT (is iproute2 installed?)`,
    );

    const failing = script('tc-fail', 'echo "Cannot open netlink socket: Permission denied" >&2\nexit 1');
    const failed = await runCheck(modulesCheck, { forbidden_qdiscs: ['netem'], tc_command: [failing] });
    assert.equal(failed.exitCode, 3);
    assert.equal(
      failed.output,
      `MODULES UNKNOWN - ${failing} qdisc show exited 1: Cannot open netlink socket: Permission denied`,
    );

    const hanging = script('tc-hang', 'exec sleep 30');
    const hung = await runCheck(
      modulesCheck,
      { forbidden_qdiscs: ['netem'], tc_command: [hanging] },
      { timeoutMs: 200 },
    );
    assert.equal(hung.exitCode, 3);
    assert.equal(hung.output, `MODULES UNKNOWN - ${hanging} qdisc show: no answer within 0.2s`);
    assert.ok(hung.elapsedMs < 1500, `returned after ${hung.elapsedMs} ms`);
  });
});

describe('modules check: params', () => {
  it('needs something to look for', () => {
    assert.deepEqual(paramErrors(modulesCheck, {}), [
      ': nothing to check: give at least one of forbidden_modules, forbidden_processes, forbidden_qdiscs',
    ]);
  });

  it('rejects empty lists, invalid regexes and malformed names with clear messages', () => {
    assert.deepEqual(paramErrors(modulesCheck, { forbidden_modules: [] }), [
      'forbidden_modules: forbidden_modules is empty: list module names, e.g. [sch_netem], or leave it out',
    ]);
    assert.deepEqual(paramErrors(modulesCheck, { forbidden_processes: [] }), [
      'forbidden_processes: forbidden_processes is empty: list process names or /regex/ patterns, or leave it out',
    ]);
    assert.deepEqual(paramErrors(modulesCheck, { forbidden_qdiscs: [] }), [
      'forbidden_qdiscs: forbidden_qdiscs is empty: list qdisc kinds, e.g. [netem], or leave it out',
    ]);
    assert.deepEqual(paramErrors(modulesCheck, { forbidden_processes: ['ok', '/(unclosed/', '/half', ''] }), [
      'forbidden_processes.1: invalid regular expression /(unclosed/: Unterminated group',
      'forbidden_processes.2: "/half" starts with "/" but is not a /regex/ (flags allowed after the closing "/": i, m, s, u)',
      'forbidden_processes.3: a process pattern is empty: give a process name (netem-shaper) or /regex/',
    ]);
    assert.deepEqual(paramErrors(modulesCheck, { forbidden_modules: ['sch netem'] }), [
      'forbidden_modules.0: a module name has only letters, digits, "_" and "-", as /proc/modules lists it (e.g. sch_netem)',
    ]);
    assert.deepEqual(paramErrors(modulesCheck, { forbidden_qdiscs: ['NetEm'] }), [
      'forbidden_qdiscs.0: a qdisc kind is lower-case letters, digits and "_" (e.g. netem)',
    ]);
    assert.equal(paramErrors(modulesCheck, { forbidden_modules: ['sch_netem'], tc_command: [] }).length, 1);
    assert.match(
      paramErrors(modulesCheck, { forbidden_modules: ['sch_netem'], module: 'x' })[0] ?? '',
      /module/,
    );
  });

  it('has the documented defaults', () => {
    const parsed = modulesCheck.params.parse({ forbidden_modules: ['sch_netem'] });
    assert.equal(parsed.modules_file, '/proc/modules');
    assert.equal(parsed.proc_dir, '/proc');
    assert.deepEqual(parsed.tc_command, ['tc']);
  });
});
