import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import type { Role } from '../../src/api/access.ts';
import { addUser } from '../../src/api/auth/accounts.ts';
import type { Daemon } from '../../src/api/daemon.ts';
import { startDaemon } from '../../src/cli/daemon.ts';
import { loadConfig } from '../../src/config/load.ts';
import { freePort } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model.ts';

// A real daemon for the dashboard tests: a core switch, a top-of-rack switch with web hosts
// behind it, and a plugin whose result a test sets by writing a file.

/** Output of a check that tries to inject markup and script into the dashboard. */
export const HOSTILE_OUTPUT = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

export interface DashboardDaemon {
  daemon: Daemon;
  baseUrl: string;
  dir: string;
  /** Sets what the switch (and the hosts behind it) answer: 0 OK/UP, 2 CRITICAL/DOWN. */
  setSwitch(code: 0 | 2, text: string): Promise<void>;
  addUser(username: string, role: Role, password: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startDashboardDaemon(): Promise<DashboardDaemon> {
  const dir = await tempDir('vigil-web-');
  const port = await freePort();
  const stateFile = path.join(dir, 'switch.state');
  const plugin = path.join(dir, 'check_switch.sh');
  await writeFile(
    plugin,
    '#!/bin/sh\n# Answers what the test wrote: "CODE TEXT".\nread code text < "$1"\necho "$text | rtt=${RANDOM:-1}ms;100;200;0"\nexit "$code"\n',
  );
  await chmod(plugin, 0o755);
  const setSwitch = (code: 0 | 2, text: string) => writeFile(stateFile, `${code} ${text}\n`);
  await setSwitch(0, 'switch OK');
  const check = `{ command: [/bin/sh, ${JSON.stringify(plugin)}, ${JSON.stringify(stateFile)}] }`;
  const configPath = path.join(dir, 'vigil.yml');
  await writeFile(
    configPath,
    `settings:
  listen: 127.0.0.1:${port}
templates:
  quick: { interval: 1s, retry_interval: 300ms, max_attempts: 2 }
schedules:
  primary:
    time_zone: UTC
    layers:
      - participants: [olivia, victor]
        rotation: weekly
        hand_off: monday 09:00
        start: 2026-01-05
hosts:
  - name: core-1
    location: { site: Chicago, room: DC1-A, cabinet: "01", rack_unit: "40", oob: 10.9.0.1 }
  - name: tor-a1
    parents: [core-1]
    use: quick
    check: ${check}
    location: { site: Chicago, room: DC1-A, cabinet: "12", rack_unit: "42", oob: 10.9.0.12 }
    services:
      - { name: uplink, use: quick, check: ${check} }
  - name: web-1
    parents: [tor-a1]
    use: quick
    check: ${check}
    location: { site: Chicago, room: DC1-A, cabinet: "12", rack_unit: "30-31", oob: 10.9.0.31 }
    services:
      - { name: http, use: quick, check: { kind: dummy, state: OK, output: "HTTP OK" } }
      - name: evil
        use: quick
        check: { kind: dummy, state: CRITICAL, output: ${JSON.stringify(HOSTILE_OUTPUT)} }
  - name: web-2
    parents: [tor-a1]
    use: quick
    check: ${check}
    location: { site: Chicago, room: DC1-A, cabinet: "12", rack_unit: "28" }
  - name: db-1
    parents: [core-1]
    location: { site: Chicago, room: DC1-B, cabinet: "07", rack_unit: "10" }
`,
  );
  const loaded = await loadConfig(configPath);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.file}:${e.line}: ${e.message}`).join('\n'));
  const daemon = await startDaemon({ configPath, model: loaded.model, log: pino({ level: 'silent' }) });
  return {
    daemon,
    baseUrl: `http://${daemon.apiAddress}`,
    dir,
    setSwitch,
    async addUser(username, role, password) {
      const created = await addUser(daemon.store, { username, role, password }, Date.now());
      if (typeof created === 'string') throw new Error(created);
    },
    stop: () => daemon.stop(),
  };
}
