import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { describeState } from '../../model/problems.ts';
import { describeProblem } from '../../topology/describe-problem.ts';
import { handleSignals, startDaemon } from '../daemon.ts';
import { loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

const demoDir = fileURLToPath(new URL('../../../examples/demo/', import.meta.url));

/** Runs the bundled demo config on its own SQLite file and prints the state table as it changes. */
export async function demoCommand(options: { listen: string; data: string }): Promise<void> {
  const configPath = path.join(demoDir, 'vigil.yml');
  const loaded = await loadModelOrFail(configPath);
  const model = {
    ...loaded,
    settings: { ...loaded.settings, listen: options.listen },
    userMacros: { ...loaded.userMacros, USER2: path.join(demoDir, 'plugins') },
  };
  await mkdir(options.data, { recursive: true });
  const storePath = path.resolve(options.data, 'demo.db');
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
