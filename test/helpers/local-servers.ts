// For tests that talk to servers on loopback: free ports, waiting for a server to come up, and
// servers (mariadbd, redis-server) a test runs itself and must not leave behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A loopback port nothing listens on right now: for a server to start on, or to be refused by. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that accepts TCP connections and never says a word, like a hung database. */
export interface SilentServer {
  port: number;
  /** Connections still open: 0 once a check that gave up has closed its socket. */
  openConnections(): Promise<number>;
  close(): void;
}

export async function silentServer(): Promise<SilentServer> {
  // Reads and discards, so it notices when the check closes its end.
  const server = net.createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    openConnections: () => new Promise((resolve) => server.getConnections((_, n) => resolve(n))),
    close: () => server.close(),
  };
}

/**
 * Polls `condition` every 100 ms until it holds; a condition that throws (server not up yet) counts
 * as not yet, and its last error is in the failure so a test that never gets there says why.
 */
export async function waitFor(condition: () => Promise<boolean>, what: string, tries = 100): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < tries; attempt++) {
    try {
      if (await condition()) return;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const cause = lastError === undefined ? '' : ` (last error: ${(lastError as Error).message ?? lastError})`;
  throw new Error(`timed out waiting for ${what}${cause}`);
}

/**
 * Servers a test runs itself, in one scratch directory: `stop()` kills them and removes the
 * directory, and should the test runner die before `stop()`, the servers die with it.
 */
export class ScratchServers {
  protected dir = '';
  private readonly children: ChildProcess[] = [];
  private readonly killOnExit = () => {
    for (const child of this.children) child.kill('SIGKILL');
  };

  /** Makes the scratch directory (once) under the system's temp directory. */
  protected async makeScratchDir(prefix: string): Promise<void> {
    if (this.dir) return;
    process.once('exit', this.killOnExit);
    this.dir = await mkdtemp(path.join(tmpdir(), prefix));
  }

  protected spawnServer(command: string, args: string[]): ChildProcess {
    const child = spawn(command, args, { stdio: 'ignore' });
    this.children.push(child);
    return child;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            // A throwaway server needs no clean shutdown.
            child.kill('SIGKILL');
          }),
      ),
    );
    process.removeListener('exit', this.killOnExit);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
