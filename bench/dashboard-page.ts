// Dashboard benchmark: how soon the problems page shows its first problem in Chromium, with
// a store of 100,000 services of which 2,000 are failing (and a few hosts down).
//
//   npm run bench -- dashboard-page [--services 100000] [--problems 2000]
//
// `measureProblemsPage` is also used by the API benchmark against its own daemon.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { addUser, createToken } from '../src/api/auth/accounts.ts';
import { startDaemon } from '../src/cli/daemon.ts';
import { loadConfig } from '../src/config/load.ts';
import { initialState } from '../src/engine/state-machine.ts';
import type { ObjectState } from '../src/model/types.ts';
import { openStore } from '../src/store/index.ts';
import { launchChromium } from '../test/web/browser.ts';

/**
 * Loads the problems page `runs` times (after one warm-up load) and returns the median time,
 * in ms from the start of navigation, until the first problem row is in the page.
 * `cookieOrToken` is an API token (`vigil_…`, sent as a bearer token) or a session cookie
 * (`vigil_session=…` or its bare value).
 */
export async function measureProblemsPage(url: string, cookieOrToken: string, runs = 3): Promise<number> {
  const browser = await launchChromium();
  try {
    const isToken = cookieOrToken.startsWith('vigil_') && !cookieOrToken.startsWith('vigil_session=');
    const context = await browser.newContext(
      isToken ? { extraHTTPHeaders: { authorization: `Bearer ${cookieOrToken}` } } : {},
    );
    if (!isToken) {
      const value = cookieOrToken.replace(/^vigil_session=/, '').split(';')[0] as string;
      await context.addCookies([{ name: 'vigil_session', value, url }]);
    }
    // Runs before any page script (and outside the page's Content-Security-Policy). A string,
    // not a function: the TypeScript loader would add helpers the page does not have.
    await context.addInitScript(`
      const observer = new MutationObserver(() => {
        if (!document.querySelector('#problems .problem')) return;
        window.__firstProblemMs = performance.now();
        observer.disconnect();
      });
      observer.observe(document, { childList: true, subtree: true });
    `);
    const page = await context.newPage();
    const times: number[] = [];
    for (let run = 0; run <= runs; run++) {
      await page.goto(url, { waitUntil: 'commit' });
      await page.waitForSelector('#problems .problem', { state: 'attached', timeout: 60_000 });
      const ms = await page.evaluate(() => (window as { __firstProblemMs?: number }).__firstProblemMs ?? NaN);
      if (run > 0) times.push(ms);
      process.stderr.write(
        `[dashboard-page bench] ${run === 0 ? 'warm-up' : `load ${run}`}: first problem after ${ms.toFixed(0)} ms\n`,
      );
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] as number;
  } finally {
    await browser.close();
  }
}

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      services: { type: 'string', default: '100000' },
      problems: { type: 'string', default: '2000' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('npm run bench -- dashboard-page [--services N] [--problems N]\n');
    return;
  }
  const services = Number(values.services);
  const problems = Number(values.problems);
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-dashboard-bench-'));
  const configPath = path.join(dir, 'vigil.yml');
  const hosts = Math.ceil(services / 100);
  // Every 50th service fails until `problems` are failing; one host in 100 is down as well.
  const failing = new Set<string>();
  for (let i = 0; failing.size < problems && i < services; i += Math.max(1, Math.floor(services / problems)))
    failing.add(`host-${Math.floor(i / 100)}/svc-${i % 100}`);
  const downHosts = new Set(Array.from({ length: Math.floor(hosts / 100) }, (_, i) => `host-${i * 100 + 7}`));
  const lines = [
    'settings: { listen: "127.0.0.1:0" }',
    'templates:',
    '  svc: { interval: 24h, retry_interval: 24h, max_attempts: 3 }',
    'hosts:',
  ];
  for (let h = 0; h < hosts; h++) {
    lines.push(
      `  - { name: host-${h}, address: 127.0.0.1, location: { room: A, cabinet: "${h % 40}" }, check: { kind: dummy, state: ${downHosts.has(`host-${h}`) ? 'CRITICAL' : 'OK'} }, use: svc }`,
    );
  }
  lines.push('services:');
  for (let s = 0; s < 100; s++)
    lines.push(
      `  - { name: svc-${s}, hosts: [${Array.from({ length: hosts }, (_, h) => `host-${h}`).join(', ')}], use: svc, check: { kind: dummy } }`,
    );
  await writeFile(configPath, `${lines.join('\n')}\n`);
  const loaded = await loadConfig(configPath);
  if (!loaded.ok) throw new Error(`generated configuration is invalid: ${loaded.errors[0]?.message}`);
  process.stderr.write(`[dashboard-page bench] ${loaded.model.services.size} services on ${hosts} hosts\n`);

  // The store as a daemon would have left it: every object checked, the failing ones HARD.
  const store = await openStore({ ...loaded.model.settings.store });
  await store.migrate();
  const now = Date.now();
  const stateOf = (id: string, kind: 'host' | 'service'): ObjectState => {
    const bad = kind === 'host' ? downHosts.has(id) : failing.has(id);
    return {
      ...initialState(id, kind, now),
      state: bad ? (kind === 'host' ? 1 : 2) : 0,
      stateType: 'HARD',
      lastHardState: bad ? (kind === 'host' ? 1 : 2) : 0,
      lastCheck: now - 1000,
      lastStateChange: now - 3_600_000,
      lastHardStateChange: now - 3_600_000,
      output: bad ? 'CRITICAL - generated failure for the benchmark' : 'OK',
    };
  };
  const ids: [string, 'host' | 'service'][] = [
    ...[...loaded.model.hosts.keys()].map((id): [string, 'host'] => [id, 'host']),
    ...[...loaded.model.services.keys()].map((id): [string, 'service'] => [id, 'service']),
  ];
  for (let i = 0; i < ids.length; i += 10_000)
    await store.write({
      results: [],
      states: ids.slice(i, i + 10_000).map(([id, kind]) => stateOf(id, kind)),
      events: [],
    });
  await store.close();
  process.stderr.write(
    `[dashboard-page bench] store holds ${failing.size} failing services and ${downHosts.size} down hosts\n`,
  );

  const daemon = await startDaemon({ configPath, model: loaded.model, log: pino({ level: 'error' }) });
  try {
    await addUser(
      daemon.store,
      { username: 'bench', role: 'viewer', password: 'benchmark password 1' },
      Date.now(),
    );
    const token = await createToken(daemon.store, { username: 'bench', name: 'bench' }, Date.now());
    if (typeof token === 'string') throw new Error(token);
    const url = `http://${daemon.apiAddress}/`;
    // The fragment alone, as the live refresh fetches it: the first call also compiles the topology.
    let bytes = 0;
    const fragmentTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const fragment = performance.now();
      const response = await fetch(`${url}fragments/problems`, {
        headers: { authorization: `Bearer ${token.token}` },
      });
      bytes = (await response.text()).length;
      fragmentTimes.push(performance.now() - fragment);
    }
    const fragmentMs = fragmentTimes.slice(1).sort((a, b) => a - b)[2] as number;
    process.stderr.write(
      `[dashboard-page bench] fragment: ${fragmentTimes.map((t) => t.toFixed(0)).join(', ')} ms\n`,
    );
    const firstProblemMs = await measureProblemsPage(url, token.token);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'dashboard-page',
        services: loaded.model.services.size,
        problems: failing.size + downHosts.size,
        first_problem_ms: Math.round(firstProblemMs),
        fragment_ms: Math.round(fragmentMs),
        fragment_cold_ms: Math.round(fragmentTimes[0] as number),
        fragment_kb: Math.round(bytes / 1024),
      })}\n`,
    );
  } finally {
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
