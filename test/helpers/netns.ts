// Network namespaces for tests that need a peer beyond loopback: a namespace joined to
// this one by a veth pair, on a random /30 from 10.200.0.0-10.254.255.255 that exists
// only on that pair. Traffic to it never leaves the machine.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface TestNamespace {
  name: string;
  /** veth end in this (the test's) namespace, and its address. */
  hostInterface: string;
  hostAddress: string;
  /** veth end inside the namespace, and its address (until removed). */
  namespaceInterface: string;
  namespaceAddress: string;
  /** Runs a command inside the namespace; throws with its stderr on failure. */
  exec(argv: string[]): string;
  remove(): void;
}

const created = new Set<TestNamespace>();
function removeAll(): void {
  for (const ns of created) ns.remove();
}
process.once('exit', removeAll);
// A test run stopped from outside (a CI timeout, Ctrl-C) still removes its namespaces, then
// dies of the same signal.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    removeAll();
    process.kill(process.pid, signal);
  });
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why namespaces cannot be used here, or undefined when they can. */
export function namespacesUnavailable(): string | undefined {
  const probe = `vigil-test-probe-${randomBytes(3).toString('hex')}`;
  try {
    ip(['netns', 'add', probe]);
    ip(['netns', 'del', probe]);
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return `cannot create a network namespace (needs root and iproute2): ${stderr || (error as Error).message}`;
  }
}

/** Creates `vigil-test-<random>` with a veth pair up on both ends and addresses on both. */
export function createTestNamespace(): TestNamespace {
  const id = randomBytes(3).toString('hex');
  const name = `vigil-test-${id}`;
  const hostInterface = `vt${id}h`;
  const namespaceInterface = `vt${id}n`;
  const base = `10.${200 + ((randomBytes(1)[0] as number) % 55)}.${randomBytes(1)[0]}.${((randomBytes(1)[0] as number) % 64) * 4}`;
  const [a, b, c, d] = base.split('.').map(Number) as [number, number, number, number];
  const hostAddress = `${a}.${b}.${c}.${d + 1}`;
  const namespaceAddress = `${a}.${b}.${c}.${d + 2}`;
  const ns: TestNamespace = {
    name,
    hostInterface,
    hostAddress,
    namespaceInterface,
    namespaceAddress,
    exec: (argv) => ip(['netns', 'exec', name, ...argv]),
    remove: () => {
      if (!created.delete(ns)) return;
      // Deleting the namespace destroys its veth end, which takes the host end with it.
      try {
        ip(['netns', 'del', name]);
      } catch {}
      try {
        ip(['link', 'del', hostInterface]);
      } catch {}
    },
  };
  created.add(ns);
  try {
    ip(['netns', 'add', name]);
    ip(['link', 'add', hostInterface, 'type', 'veth', 'peer', 'name', namespaceInterface, 'netns', name]);
    ip(['addr', 'add', `${hostAddress}/30`, 'dev', hostInterface]);
    ip(['link', 'set', hostInterface, 'up']);
    ns.exec(['ip', 'link', 'set', 'lo', 'up']);
    ns.exec(['ip', 'addr', 'add', `${namespaceAddress}/30`, 'dev', namespaceInterface]);
    ns.exec(['ip', 'link', 'set', namespaceInterface, 'up']);
  } catch (error) {
    ns.remove();
    throw error;
  }
  return ns;
}
