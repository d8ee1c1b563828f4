// A small LLDP network of real lldpd daemons, one per network namespace, joined by veth
// pairs: the data `vigil topology import-lldp` is tested on. Frames stay on the veth pairs
// between the namespaces created here.
//
//   sw-a  swp1 -- eth0 web-1 eth1 -- swp1 sw-b     web-1: dual-homed
//   sw-a  swp2 -- eth0 web-2                       web-2: single-homed
//   sw-c  swp1 -- eth0 db-1                        sw-c advertises sw-a's chassis id
//   unmanaged  -- eth0 lonely-1                    lonely-1: no LLDP neighbour
//
// sw-a advertises one management address (lldpd prints a string), sw-b two (a list) and
// ifname port ids; sw-a and sw-c share a chassis id, the merge trap.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { namespacesUnavailable } from './netns.ts';

export const LAB_HOSTS = ['web-1', 'web-2', 'db-1', 'lonely-1'] as const;
const SWITCHES = ['sw-a', 'sw-b', 'sw-c'] as const;
/** What each host must see before the lab is settled. */
const EXPECTED_NEIGHBOURS: Record<string, string[]> = {
  'web-1': ['sw-a', 'sw-b'],
  'web-2': ['sw-a'],
  'db-1': ['sw-c'],
  'sw-a': ['web-1', 'web-2'],
};
const SHARED_CHASSIS_ID = '02:00:5e:00:0a:01';

const SETTINGS: Record<string, string[]> = {
  'sw-a': [
    'configure system ip management pattern 192.0.2.11',
    `configure system chassisid ${SHARED_CHASSIS_ID}`,
  ],
  'sw-b': [
    'configure system ip management pattern 192.0.2.12,2001:db8::12',
    'configure lldp portidsubtype ifname',
  ],
  'sw-c': [
    'configure system ip management pattern 192.0.2.13',
    `configure system chassisid ${SHARED_CHASSIS_ID}`,
  ],
};

export interface LldpCapture {
  json: string;
  json0: string;
}

export interface LldpLab {
  /** `lldpctl -f json` and `-f json0` output of each host, and of sw-a (a switch's own view). */
  capture(): Record<string, LldpCapture>;
  stop(): Promise<void>;
}

/** Why lldpd cannot run here, or undefined when it can. */
export function lldpdUnavailable(): string | undefined {
  for (const tool of ['lldpd', 'lldpctl', 'lldpcli']) {
    const probe = spawnSync(tool, ['-v'], { encoding: 'utf8' });
    if (probe.error) return `${tool} is not installed (Debian package lldpd): ${probe.error.message}`;
  }
  return namespacesUnavailable();
}

const ip = (args: string[]) =>
  execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Starts the lab and waits until every host sees its neighbours (about 2 s). */
export async function startLldpLab(timeoutMs = 20_000): Promise<LldpLab> {
  const id = randomBytes(3).toString('hex');
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-lldp-'));
  // lldpd drops privileges (user _lldpd) but still reaches its control socket through this path.
  chmodSync(dir, 0o755);
  const namespaces: string[] = [];
  const daemons: ChildProcess[] = [];
  const logs = new Map<string, string>();
  const nsOf = (name: string) => `vigil-lldp-${id}-${name}`;
  const socketOf = (name: string) => path.join(dir, `${name}.socket`);

  const cleanUp = () => {
    for (const daemon of daemons)
      if (daemon.exitCode === null && daemon.signalCode === null) daemon.kill('SIGKILL');
    for (const ns of namespaces) {
      try {
        ip(['netns', 'del', ns]);
      } catch {}
    }
    namespaces.length = 0;
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', cleanUp);

  try {
    for (const name of [...SWITCHES, ...LAB_HOSTS, 'unmanaged']) {
      ip(['netns', 'add', nsOf(name)]);
      namespaces.push(nsOf(name));
      ip(['-n', nsOf(name), 'link', 'set', 'lo', 'up']);
    }
    const cable = (a: string, aPort: string, b: string, bPort: string) => {
      ip([
        'link',
        'add',
        'name',
        aPort,
        'netns',
        nsOf(a),
        'type',
        'veth',
        'peer',
        'name',
        bPort,
        'netns',
        nsOf(b),
      ]);
      ip(['-n', nsOf(a), 'link', 'set', aPort, 'up']);
      ip(['-n', nsOf(b), 'link', 'set', bPort, 'up']);
    };
    cable('web-1', 'eth0', 'sw-a', 'swp1');
    cable('web-1', 'eth1', 'sw-b', 'swp1');
    cable('web-2', 'eth0', 'sw-a', 'swp2');
    cable('db-1', 'eth0', 'sw-c', 'swp1');
    cable('lonely-1', 'eth0', 'unmanaged', 'eth0');
    // Switch ports are bridged, so lldpd advertises the Bridge capability as a switch does.
    const switchPorts: Record<string, string[]> = {
      'sw-a': ['swp1', 'swp2'],
      'sw-b': ['swp1'],
      'sw-c': ['swp1'],
    };
    const managementAddresses: Record<string, string[]> = {
      'sw-a': ['192.0.2.11/24'],
      'sw-b': ['192.0.2.12/24', '2001:db8::12/64'],
      'sw-c': ['192.0.2.13/24'],
    };
    for (const [name, ports] of Object.entries(switchPorts)) {
      ip(['-n', nsOf(name), 'link', 'add', 'br0', 'type', 'bridge']);
      for (const port of ports) ip(['-n', nsOf(name), 'link', 'set', port, 'master', 'br0']);
      ip(['-n', nsOf(name), 'link', 'set', 'br0', 'up']);
      for (const address of managementAddresses[name] ?? []) {
        ip([
          '-n',
          nsOf(name),
          'addr',
          'add',
          address,
          'dev',
          'br0',
          ...(address.includes(':') ? ['nodad'] : []),
        ]);
      }
    }
    // lldpd applies this file through lldpcli before it sends anything ("resume operations"),
    // so the very first frames already carry the names and settings below.
    for (const name of [...SWITCHES, ...LAB_HOSTS]) {
      const settings = [
        `configure system hostname ${name}`,
        'configure lldp tx-interval 1',
        ...(SETTINGS[name] ?? []),
      ];
      const configFile = path.join(dir, `${name}.conf`);
      writeFileSync(configFile, `${settings.join('\n')}\n`);
      const daemon = spawn(
        'ip',
        ['netns', 'exec', nsOf(name), 'lldpd', '-d', '-u', socketOf(name), '-O', configFile],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      logs.set(name, '');
      daemon.stderr?.on('data', (chunk) => logs.set(name, `${logs.get(name) ?? ''}${chunk}`));
      daemons.push(daemon);
    }

    const lldpctl = (name: string, format: 'json' | 'json0') =>
      execFileSync('lldpctl', ['-u', socketOf(name), '-f', format], {
        encoding: 'utf8',
        timeout: 5_000,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const neighbourNames = (name: string): string[] => {
      try {
        const document = JSON.parse(lldpctl(name, 'json0')) as {
          lldp?: { interface?: { chassis?: { name?: { value?: string }[] }[] }[] }[];
        };
        return (document.lldp?.[0]?.interface ?? [])
          .map((i) => i.chassis?.[0]?.name?.[0]?.value ?? '')
          .sort();
      } catch {
        return [];
      }
    };
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pending = Object.entries(EXPECTED_NEIGHBOURS).filter(
        ([name, expected]) => neighbourNames(name).join(' ') !== expected.join(' '),
      );
      if (pending.length === 0) break;
      const dead = daemons.find((d) => d.exitCode !== null || d.signalCode !== null);
      if (dead || Date.now() > deadline) {
        const [name] = pending[0] as [string, string[]];
        throw new Error(
          `lldpd lab did not settle: ${name} sees [${neighbourNames(name).join(', ')}]` +
            `${dead ? ' (an lldpd exited)' : ''}; lldpd log of ${name}:\n${logs.get(name)?.slice(-2000)}`,
        );
      }
      await sleep(200);
    }
    // One more transmit interval, so a host with no neighbour really had its chance.
    await sleep(1_200);

    return {
      capture: () => {
        const captured: Record<string, LldpCapture> = {};
        for (const name of [...LAB_HOSTS, 'sw-a']) {
          captured[name] = { json: lldpctl(name, 'json'), json0: lldpctl(name, 'json0') };
        }
        return captured;
      },
      stop: async () => {
        await Promise.all(
          daemons.map(
            (daemon) =>
              new Promise<void>((resolve) => {
                if (daemon.exitCode !== null || daemon.signalCode !== null) return resolve();
                const force = setTimeout(() => daemon.kill('SIGKILL'), 2_000);
                daemon.once('exit', () => {
                  clearTimeout(force);
                  resolve();
                });
                daemon.kill('SIGTERM');
              }),
          ),
        );
        cleanUp();
        process.removeListener('exit', cleanUp);
      },
    };
  } catch (error) {
    cleanUp();
    process.removeListener('exit', cleanUp);
    throw error;
  }
}
