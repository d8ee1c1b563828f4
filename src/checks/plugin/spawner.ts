// Runs plugin processes through the vigil-spawn co-process (see vigil-spawn.c for the
// wire format). One co-process serves every check: Node only writes a small request
// frame and parses a response frame per run, which costs far less event-loop CPU than
// child_process.spawn.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';

export interface SpawnRequest {
  argv: string[];
  /** The process group is sent SIGTERM after this, SIGKILL one second later. 0 = no timeout. */
  timeoutMs: number;
  /** Most bytes kept of stdout, and separately of stderr; the rest is read and discarded. */
  maxOutputBytes: number;
  /** Aborting kills the process group like a timeout; the result then has `error: 'aborted'`. */
  signal?: AbortSignal;
}

export interface SpawnResult {
  /** Exit code, or null when the process was killed by a signal or never started. */
  exitCode: number | null;
  /** Name of the terminating signal ("SIGKILL"), or null. */
  signal: string | null;
  timedOut: boolean;
  truncated: boolean;
  stdout: Buffer;
  stderr: Buffer;
  durationMs: number;
  /** Set when the process did not run to completion on its own terms: spawn failure
   * ("spawn failed: ENOENT"), "aborted", or a co-process failure. */
  error?: string;
  /** errno name when the spawn itself failed ("ENOENT", "EACCES"). */
  errno?: string;
}

export interface SpawnerOptions {
  /** Path of the compiled co-process; defaults to build/vigil-spawn in the package. */
  binaryPath?: string;
}

const REQUEST_RUN = 1;
const REQUEST_CANCEL = 2;
const FLAG_TIMED_OUT = 1;
const FLAG_TRUNCATED = 2;
const FLAG_SPAWN_FAILED = 4;
const FLAG_CANCELLED = 8;
const RESPONSE_HEADER = 36;
const EMPTY = Buffer.alloc(0);

const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));
const defaultBinary = `${packageRoot}build/vigil-spawn`;

const signalNames = new Map<number, string>(
  Object.entries(osConstants.signals).map(([name, number]) => [number, name]),
);

interface PendingRun {
  resolve(result: SpawnResult): void;
  signal?: AbortSignal;
  onAbort?: () => void;
  aborted: boolean;
}

function failedResult(error: string, errno?: string): SpawnResult {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    truncated: false,
    stdout: EMPTY,
    stderr: EMPTY,
    durationMs: 0,
    error,
    ...(errno === undefined ? {} : { errno }),
  };
}

function encodeRun(id: number, req: SpawnRequest): Buffer {
  const args = req.argv.map((arg) => Buffer.from(arg, 'utf8'));
  let argBytes = 0;
  for (const arg of args) argBytes += arg.length + 1;
  const frame = Buffer.allocUnsafe(24 + argBytes);
  frame.writeUInt32LE(20 + argBytes, 0);
  frame.writeUInt32LE(REQUEST_RUN, 4);
  frame.writeUInt32LE(id, 8);
  frame.writeUInt32LE(clampU32(req.timeoutMs), 12);
  frame.writeUInt32LE(clampU32(req.maxOutputBytes), 16);
  frame.writeUInt32LE(args.length, 20);
  let at = 24;
  for (const arg of args) {
    arg.copy(frame, at);
    at += arg.length;
    frame[at++] = 0;
  }
  return frame;
}

function clampU32(n: number): number {
  if (!Number.isFinite(n) || n <= 0) return 0;
  return Math.min(Math.ceil(n), 0xffffffff);
}

export class Spawner {
  private readonly binaryPath: string;
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, PendingRun>();
  private nextId = 1;
  private outgoing: Buffer[] = [];
  private flushScheduled = false;
  /** Unparsed response bytes: chunks kept apart until a whole frame is present, so a
   * large frame is joined once instead of once per arriving chunk. */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;

  constructor(options: SpawnerOptions = {}) {
    this.binaryPath = options.binaryPath ?? defaultBinary;
  }

  run(req: SpawnRequest): Promise<SpawnResult> {
    if (req.argv.length === 0 || req.argv[0] === '') {
      return Promise.resolve(failedResult('spawn failed: empty command', 'ENOENT'));
    }
    if (req.argv.some((arg) => arg.includes('\0'))) {
      return Promise.resolve(failedResult('spawn failed: argument contains a NUL byte', 'EINVAL'));
    }
    if (req.signal?.aborted) return Promise.resolve(failedResult('aborted'));
    const child = this.child ?? this.start();
    if (child === undefined) {
      return Promise.resolve(
        failedResult(`vigil-spawn is not built at ${this.binaryPath}: run "node scripts/build-spawner.mjs"`),
      );
    }
    const id = this.allocateId();
    return new Promise<SpawnResult>((resolve) => {
      const run: PendingRun = { resolve, aborted: false };
      if (req.signal) {
        const signal = req.signal;
        run.signal = signal;
        run.onAbort = () => {
          run.aborted = true;
          this.send(cancelFrame(id));
        };
        signal.addEventListener('abort', run.onAbort, { once: true });
      }
      if (this.pending.size === 0) this.setReferenced(true);
      this.pending.set(id, run);
      this.send(encodeRun(id, req));
    });
  }

  /** Ends the co-process; it kills the process groups of runs still going, which then
   * resolve with an error result. */
  async close(): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin?.end();
    });
  }

  /** Process id of the running co-process, for diagnostics and tests. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private allocateId(): number {
    let id = this.nextId;
    while (this.pending.has(id)) id = id >= 0xffffffff ? 1 : id + 1;
    this.nextId = id >= 0xffffffff ? 1 : id + 1;
    return id;
  }

  private start(): ChildProcess | undefined {
    if (!existsSync(this.binaryPath) && this.binaryPath === defaultBinary) {
      // A checkout where `npm install` did not run the install script: build it now.
      spawnSync(process.execPath, [`${packageRoot}scripts/build-spawner.mjs`], { stdio: 'ignore' });
    }
    if (!existsSync(this.binaryPath)) return undefined;
    const child = spawn(this.binaryPath, [], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child = child;
    this.chunks = [];
    this.chunkBytes = 0;
    child.stdout?.on('data', (chunk: Buffer) => this.receive(chunk));
    // EPIPE after the co-process died: the 'close' handler resolves the runs.
    child.stdin?.on('error', () => {});
    child.on('error', () => this.lost(child, 'vigil-spawn failed to start'));
    child.on('close', (code, signal) =>
      this.lost(child, `vigil-spawn co-process exited (${signal ?? `code ${code}`})`),
    );
    this.setReferenced(this.pending.size > 0);
    return child;
  }

  /** Resolves every run of a co-process that is gone; the next run starts a new one. */
  private lost(child: ChildProcess, reason: string): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.outgoing = [];
    const runs = [...this.pending.values()];
    this.pending.clear();
    for (const run of runs) this.settle(run, failedResult(reason));
  }

  /** An idle co-process must not keep Node alive; a busy one must. */
  private setReferenced(referenced: boolean): void {
    const child = this.child;
    if (child === undefined) return;
    const handles = [child, child.stdout, child.stdin] as Array<{ ref?(): void; unref?(): void } | null>;
    for (const handle of handles) {
      if (referenced) handle?.ref?.();
      else handle?.unref?.();
    }
  }

  private send(frame: Buffer): void {
    this.outgoing.push(frame);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Runs started in the same tick go out in one write.
    process.nextTick(() => {
      this.flushScheduled = false;
      const frames = this.outgoing;
      this.outgoing = [];
      const stdin = this.child?.stdin;
      if (!stdin || frames.length === 0) return;
      stdin.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
    });
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    let buf = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.chunkBytes);
    let at = 0;
    while (buf.length - at >= 4) {
      const frameEnd = at + 4 + buf.readUInt32LE(at);
      if (frameEnd > buf.length) break;
      this.handleResponse(buf, at);
      at = frameEnd;
    }
    if (at === buf.length) {
      this.chunks = [];
      this.chunkBytes = 0;
    } else {
      buf = at === 0 ? buf : buf.subarray(at);
      this.chunks = [buf];
      this.chunkBytes = buf.length;
    }
  }

  private handleResponse(buf: Buffer, at: number): void {
    const id = buf.readUInt32LE(at + 4);
    const run = this.pending.get(id);
    if (run === undefined) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.setReferenced(false);
    const exitCode = buf.readInt32LE(at + 8);
    const signalNumber = buf.readUInt32LE(at + 12);
    const flags = buf.readUInt32LE(at + 16);
    const errno = buf.readUInt32LE(at + 20);
    const durationUs = buf.readUInt32LE(at + 24);
    const outLen = buf.readUInt32LE(at + 28);
    const errLen = buf.readUInt32LE(at + 32);
    const outStart = at + RESPONSE_HEADER;
    if (flags & FLAG_SPAWN_FAILED) {
      const name = errnoName(errno);
      this.settle(run, failedResult(`spawn failed: ${name}`, name));
      return;
    }
    // Views into the received chunk, not copies: results are short-lived.
    const result: SpawnResult = {
      exitCode: exitCode < 0 ? null : exitCode,
      signal: signalNumber === 0 ? null : (signalNames.get(signalNumber) ?? `signal ${signalNumber}`),
      timedOut: (flags & FLAG_TIMED_OUT) !== 0,
      truncated: (flags & FLAG_TRUNCATED) !== 0,
      stdout: outLen === 0 ? EMPTY : buf.subarray(outStart, outStart + outLen),
      stderr: errLen === 0 ? EMPTY : buf.subarray(outStart + outLen, outStart + outLen + errLen),
      durationMs: durationUs / 1000,
    };
    if (flags & FLAG_CANCELLED || run.aborted) result.error = 'aborted';
    this.settle(run, result);
  }

  private settle(run: PendingRun, result: SpawnResult): void {
    if (run.signal && run.onAbort) run.signal.removeEventListener('abort', run.onAbort);
    run.resolve(result);
  }
}

function cancelFrame(id: number): Buffer {
  const frame = Buffer.allocUnsafe(12);
  frame.writeUInt32LE(8, 0);
  frame.writeUInt32LE(REQUEST_CANCEL, 4);
  frame.writeUInt32LE(id, 8);
  return frame;
}

function errnoName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
