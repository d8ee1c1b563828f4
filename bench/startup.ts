// Start-up benchmark: time from reading a large YAML configuration to the first check
// being scheduled, with a store already holding every object's state.
//
//   npm run bench -- startup --services 100000
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Spawner } from '../src/checks/plugin/spawner.ts';
import { loadConfig } from '../src/config/load.ts';
import { Engine } from '../src/engine/engine.ts';
import { initialState } from '../src/engine/state-machine.ts';
import type { CheckResult } from '../src/model/types.ts';
import { openStore } from '../src/store/index.ts';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { services: { type: 'string', default: '100000' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    process.stdout.write('npm run bench -- startup [--services N]\n');
    return;
  }
  const services = Number(values.services);
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-startup-'));
  const configPath = path.join(dir, 'vigil.yml');
  await writeFile(configPath, configText(services));
  progress(`wrote a configuration with ${services} services`);

  // Populate the store as a long-running daemon would have left it.
  const prepared = await loadConfig(configPath);
  if (!prepared.ok) throw new Error('generated configuration is invalid');
  const store = await openStore(prepared.model.settings.store);
  await store.migrate();
  const now = Date.now();
  const ids = [...prepared.model.services.keys()];
  for (let i = 0; i < ids.length; i += 10_000) {
    const chunk = ids.slice(i, i + 10_000);
    await store.write({
      results: chunk.map((id) => result(id, now)),
      states: chunk.map((id) => ({ ...initialState(id, 'service', now), lastCheck: now, output: 'OK' })),
      events: [],
    });
  }
  await store.close();
  progress('populated the store with every service state and a result each');

  const started = performance.now();
  const loaded = await loadConfig(configPath);
  if (!loaded.ok) throw new Error('generated configuration is invalid');
  const configMs = performance.now() - started;
  const reopened = await openStore(loaded.model.settings.store);
  await reopened.migrate();
  const states = await reopened.loadStates();
  const storeMs = performance.now() - started - configMs;
  const spawner = new Spawner();
  const engine = new Engine(loaded.model, states, { store: reopened, spawner, log: pino({ level: 'warn' }) });
  engine.start();
  const readyMs = performance.now() - started;
  await engine.stop(1_000);
  await reopened.close();
  await rm(dir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({
      bench: 'startup',
      services,
      restored_states: states.length,
      config_load_ms: Math.round(configMs),
      store_open_ms: Math.round(storeMs),
      ready_ms: Math.round(readyMs),
      rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    })}\n`,
  );
}

/** Hosts of 100 services each, written the way people write them: templates, inline services. */
function configText(services: number): string {
  const lines = [
    'templates:',
    '  svc: { interval: 60s, retry_interval: 15s, max_attempts: 3, timeout: 10s }',
    'hosts:',
  ];
  for (let h = 0; h * 100 < services; h++) {
    lines.push(
      `  - name: host-${h}`,
      `    address: 127.0.0.1`,
      `    location: { room: A, cabinet: "${h % 40}" }`,
      '    services:',
    );
    for (let s = 0; s < 100 && h * 100 + s < services; s++) {
      lines.push(`      - { name: svc-${s}, use: svc, check: { kind: dummy } }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function result(objectId: string, at: number): CheckResult {
  return {
    objectId,
    exitCode: 0,
    output: 'OK',
    longOutput: '',
    perfdata: [],
    plannedAt: at,
    startedAt: at,
    durationMs: 1,
  };
}

function progress(text: string): void {
  process.stderr.write(`[startup bench] ${text}\n`);
}
