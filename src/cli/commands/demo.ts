import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { addUser } from '../../api/auth/accounts.ts';
import { parseListen } from '../../api/server.ts';
import { describeState } from '../../model/problems.ts';
import type { CheckSpec, Model } from '../../model/types.ts';
import { openSqliteStore } from '../../store/sqlite/index.ts';
import { describeProblem } from '../../topology/describe-problem.ts';
import { handleSignals, startDaemon } from '../daemon.ts';
import { loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

const demoDir = fileURLToPath(new URL('../../../examples/demo/', import.meta.url));
/** The port the bundled demo configuration listens on and checks. */
const DEMO_PORT = 8470;

/**
 * The demo watches its own API (the host's check and the vigil-api service): with `--listen`
 * on another port, those checks follow it there.
 */
export function selfChecksOn<M extends Pick<Model, 'hosts' | 'services'>>(model: M, port: number): M {
  if (port === DEMO_PORT) return model;
  const moved = <T extends { check?: CheckSpec }>(object: T): T =>
    object.check?.params.port === DEMO_PORT
      ? { ...object, check: { ...object.check, params: { ...object.check.params, port } } }
      : object;
  return {
    ...model,
    hosts: new Map([...model.hosts].map(([id, host]) => [id, moved(host)])),
    services: new Map([...model.services].map(([id, service]) => [id, moved(service)])),
  };
}

/** Runs the bundled demo config on its own SQLite file and prints the state table as it changes. */
export async function demoCommand(options: { listen: string; data: string }): Promise<void> {
  const configPath = path.join(demoDir, 'vigil.yml');
  const loaded = await loadModelOrFail(configPath);
  await mkdir(options.data, { recursive: true });
  const model = {
    ...selfChecksOn(loaded, parseListen(options.listen).port),
    settings: {
      ...loaded.settings,
      listen: options.listen,
      api: {
        secureCookies: false,
        metricsRequireToken: false,
        cliTokenFile: path.resolve(options.data, 'vigil-cli.token'),
      },
    },
    userMacros: { ...loaded.userMacros, USER2: path.join(demoDir, 'plugins') },
  };
  const storePath = path.resolve(options.data, 'demo.db');
  const login = await demoLogin(storePath, options.data);
  const log = pino({ name: 'vigil', level: 'error' });
  const daemon = await startDaemon({
    configPath,
    model,
    log,
    storePath,
    // What would be notified: one line per root-cause problem opened or resolved.
    onProblem: (problem) =>
      process.stdout.write(
        `${new Date(problem.at).toLocaleTimeString()}  ${problem.kind === 'opened' ? 'PROBLEM ' : 'RESOLVED'}  ${describeProblem(model, problem)}\n\n`,
      ),
  });
  handleSignals(daemon);
  process.stdout.write(
    `Vigil demo: ${model.hosts.size} host, ${model.services.size} services, store ${storePath}\n` +
      `API: http://${daemon.apiAddress}/api/v1/problems  metrics: http://${daemon.apiAddress}/metrics\n` +
      `Dashboard: http://${daemon.apiAddress}/  sign in as ${login.username} / ${login.password}\n` +
      'Checks start within their first interval; press Ctrl-C to stop.\n\n',
  );
  // Print the table when a state changes (and every 30 s), not for every new response time.
  let lastStates = '';
  let lastPrintedAt = 0;
  const print = () => {
    const rows = [...daemon.engine.allStates()]
      .filter((s) => s.lastCheck > 0 && (model.hosts.has(s.objectId) || model.services.has(s.objectId)))
      .map((s) => describeState(model, s))
      .sort((a, b) => a.object.localeCompare(b.object));
    const states = rows
      .map((r) => `${r.object}:${r.state}:${r.stateType}:${r.attempt}:${r.flapping}`)
      .join(' ');
    if (rows.length === 0 || (states === lastStates && Date.now() - lastPrintedAt < 30_000)) return;
    lastStates = states;
    lastPrintedAt = Date.now();
    const metrics = daemon.engine.metrics();
    const table = renderTable(
      ['OBJECT', 'STATE', 'TYPE', 'ATTEMPT', 'OUTPUT'],
      rows.map((r) => [
        r.object,
        r.state + (r.flapping ? ' (flapping)' : ''),
        r.stateType,
        r.attempt,
        r.output,
      ]),
      70,
    );
    process.stdout.write(
      `${new Date().toLocaleTimeString()}  checks run: ${metrics.checksCompleted}, ` +
        `schedule latency p99: ${metrics.latency.percentile(0.99).toFixed(0)} ms\n${table}\n\n`,
    );
  };
  setInterval(print, 1_000).unref();
}

/**
 * The demo's admin: made with a random password on the demo's own store the first time,
 * kept in the data directory (readable by you only) so later runs print the same login; a
 * lost password file just means a new password.
 */
async function demoLogin(
  storePath: string,
  dataDir: string,
): Promise<{ username: string; password: string }> {
  const username = 'demo';
  const passwordFile = path.resolve(dataDir, 'demo-password');
  const store = await openSqliteStore(storePath);
  try {
    await store.migrate();
    const saved = await readFile(passwordFile, 'utf8').catch(() => undefined);
    if (saved !== undefined && (await store.auth.users.get(username)))
      return { username, password: saved.trim() };
    const password = randomBytes(12).toString('base64url');
    await store.auth.users.remove(username);
    const created = await addUser(store, { username, role: 'admin', password }, Date.now());
    if (typeof created === 'string') throw new Error(`demo: cannot create the demo user: ${created}`);
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    return { username, password };
  } finally {
    await store.close();
  }
}
