// Noise benchmark: replays outage scenarios through the real engine (plugin checks,
// state machine, store) and the root-cause problem decisions, and counts what would
// notify. One notification per root cause and none for symptoms is the target.
//
//   npm run bench -- noise
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Spawner } from '../src/checks/plugin/spawner.ts';
import { loadConfig } from '../src/config/load.ts';
import { Engine } from '../src/engine/engine.ts';
import { openStore } from '../src/store/index.ts';
import { type ProblemEvent, ProblemTracker } from '../src/topology/problem-tracker.ts';

interface Scenario {
  name: string;
  /** Objects whose checks fail (what really breaks, symptoms included). */
  failing: string[];
  /** Objects whose checks flip between OK and failing on every run. */
  flapping?: string[];
  /** The root cause(s) an operator should hear about. */
  rootCauses: string[];
}

const HOSTS: Record<string, { parents?: string[]; services: string[] }> = {
  'core-1': { services: [] },
  'core-2': { services: [] },
  'tor-a1': { parents: ['core-1', 'core-2'], services: ['port-web-1', 'port-web-2', 'port-db-1'] },
  'tor-b1': { parents: ['core-1', 'core-2'], services: ['port-web-1', 'port-db-1'] },
  'tor-a2': { parents: ['core-1', 'core-2'], services: ['port-web-3', 'port-app-1'] },
  'tor-b2': { parents: ['core-1', 'core-2'], services: ['port-app-1'] },
  'web-1': { parents: ['tor-a1', 'tor-b1'], services: ['ssh', 'http'] },
  'web-2': { parents: ['tor-a1'], services: ['ssh', 'http'] },
  'web-3': { parents: ['tor-a2'], services: ['ssh', 'http'] },
  'app-1': { parents: ['tor-a2', 'tor-b2'], services: ['ssh', 'app'] },
  'db-1': { parents: ['tor-a1', 'tor-b1'], services: ['ssh', 'mysql'] },
};

const SCENARIOS: Scenario[] = [
  {
    name: 'top-of-rack switch down',
    failing: [
      'tor-a1',
      'tor-a1/port-web-1',
      'tor-a1/port-web-2',
      'tor-a1/port-db-1',
      'web-2',
      'web-2/ssh',
      'web-2/http',
    ],
    rootCauses: ['tor-a1'],
  },
  { name: 'core switch down', failing: ['core-1'], rootCauses: ['core-1'] },
  {
    name: 'dual-homed host reboots',
    failing: ['web-1', 'web-1/ssh', 'web-1/http', 'tor-a1/port-web-1', 'tor-b1/port-web-1'],
    rootCauses: ['web-1'],
  },
  { name: 'one of two uplinks lost', failing: ['tor-b1/port-db-1'], rootCauses: ['tor-b1/port-db-1'] },
  { name: 'database primary down', failing: ['db-1/mysql', 'app-1/app'], rootCauses: ['db-1/mysql'] },
  { name: 'flapping host', failing: [], flapping: ['web-3'], rootCauses: ['web-3'] },
];

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', default: false } } });
  if (values.help) {
    process.stdout.write(
      'npm run bench -- noise   (about a minute: six outage scenarios through the real engine)\n',
    );
    return;
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-noise-'));
  const stateDir = path.join(dir, 'state');
  await mkdir(stateDir);
  const stateFile = (id: string) => path.join(stateDir, id.replace('/', '__'));
  const ids = Object.entries(HOSTS).flatMap(([host, h]) => [host, ...h.services.map((s) => `${host}/${s}`)]);
  for (const id of ids) await writeFile(stateFile(id), '0');

  // Every check is a real plugin reading the state the scenario wants; "flap" alternates.
  const script = path.join(dir, 'check_state');
  await writeFile(
    script,
    `#!/bin/sh
f="$1"; s=$(cat "$f")
if [ "$s" = flap ]; then n=$(cat "$f.n" 2>/dev/null || echo 0); echo $((n + 1)) > "$f.n"; s=$(( n % 2 * 2 )); fi
echo "state $s"; exit "$s"
`,
    { mode: 0o755 },
  );
  await writeFile(path.join(dir, 'vigil.yml'), configText(script, stateFile));
  const loaded = await loadConfig(path.join(dir, 'vigil.yml'));
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}: ${e.message}`).join('\n'));
  const model = loaded.model;
  const store = await openStore({ ...model.settings.store, path: path.join(dir, 'vigil.db') });
  await store.migrate();
  const spawner = new Spawner();
  const tracker = new ProblemTracker(model, []);
  const problems: ProblemEvent[] = [];
  const engine = new Engine(model, [], {
    store,
    spawner,
    log: pino({ level: 'warn' }),
    flushIntervalMs: 50,
    onCommitted: (events) => {
      problems.push(...tracker.apply(events));
      for (const objectId of tracker.takeRechecks()) {
        engine.checkNow(objectId, (state) => problems.push(...tracker.confirm(objectId, state)));
      }
    },
  });
  engine.start();
  await waitFor(() => ids.every((id) => (engine.stateOf(id)?.lastCheck ?? 0) > 0), 10_000, 'first checks');

  const results: {
    scenario: string;
    root_causes: number;
    notifications: number;
    symptom_notifications: number;
    recoveries: number;
    opened: string[];
  }[] = [];
  for (const scenario of SCENARIOS) {
    const before = problems.length;
    for (const id of scenario.failing) await writeFile(stateFile(id), '2');
    for (const id of scenario.flapping ?? []) await writeFile(stateFile(id), 'flap');
    await waitFor(
      () =>
        scenario.failing.every(
          (id) => engine.stateOf(id)?.stateType === 'HARD' && engine.stateOf(id)?.state !== 0,
        ) && (scenario.flapping ?? []).every((id) => engine.stateOf(id)?.flapping === true),
      30_000,
      scenario.name,
    );
    await sleep(1_500); // let any straggling symptom notification surface
    for (const id of [...scenario.failing, ...(scenario.flapping ?? [])]) await writeFile(stateFile(id), '0');
    await waitFor(
      () =>
        ids.every((id) => engine.stateOf(id)?.state === 0 && !engine.stateOf(id)?.flapping) &&
        tracker.openProblems().length === 0,
      60_000,
      `${scenario.name} recovery`,
    );
    const seen = problems.slice(before);
    const opened = seen.filter((p) => p.kind === 'opened');
    const symptoms = opened.filter((p) => !scenario.rootCauses.includes(p.objectId));
    results.push({
      scenario: scenario.name,
      root_causes: scenario.rootCauses.length,
      notifications: opened.length,
      symptom_notifications: symptoms.length,
      recoveries: seen.filter((p) => p.kind === 'resolved').length,
      opened: opened.map((p) => p.objectId),
    });
    process.stderr.write(
      `[noise bench] ${scenario.name}: ${opened.map((p) => `${p.objectId} (+${p.affected.length})`).join(', ')}\n`,
    );
  }
  await engine.stop(2_000);
  await spawner.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
  const sum = (key: 'root_causes' | 'notifications' | 'symptom_notifications' | 'recoveries') =>
    results.reduce((total, r) => total + r[key], 0);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'noise',
      scenarios: results.length,
      root_causes: sum('root_causes'),
      notifications: sum('notifications'),
      symptom_notifications: sum('symptom_notifications'),
      recoveries: sum('recoveries'),
      per_scenario: results.map(({ opened: _opened, ...rest }) => rest),
    })}\n`,
  );
}

function configText(script: string, stateFile: (id: string) => string): string {
  const lines = [
    'settings: { listen: "" }',
    'templates:',
    '  fast: { interval: 300ms, retry_interval: 100ms, max_attempts: 3, timeout: 5s }',
    'hosts:',
  ];
  for (const [host, h] of Object.entries(HOSTS)) {
    lines.push(`  - name: ${host}`, '    use: fast');
    if (h.parents) lines.push(`    parents: [${h.parents.join(', ')}]`);
    lines.push(`    check: { command: [${script}, "${stateFile(host)}"] }`);
    if (h.services.length > 0) lines.push('    services:');
    for (const service of h.services) {
      const attached = service.startsWith('port-') ? `, attached_to: ${service.slice(5)}` : '';
      lines.push(
        `      - { name: ${service}, use: fast${attached}, check: { command: [${script}, "${stateFile(`${host}/${service}`)}"] } }`,
      );
    }
  }
  lines.push('dependencies:', '  - { objects: [app-1/app], on: [db-1/mysql] }');
  return `${lines.join('\n')}\n`;
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`noise bench: timed out waiting for ${what}`);
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
