// `vigil db-swap`: swap a MySQL/MariaDB primary and its replica, pausing the proxies meanwhile,
// and record the run as maintenance. Exit codes: 0 done, 1 refused in preflight (nothing
// changed), 2 rolled back, 3 stopped after the promotion: finish by hand.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { loadConfig } from '../../config/load.ts';
import { type Endpoint, parseEndpoint } from '../../maintenance/db-swap/endpoint.ts';
import { renderPlan } from '../../maintenance/db-swap/plan.ts';
import {
  type DbSwapOptions,
  type DbSwapResult,
  dbSwap,
  maintenanceEntry,
} from '../../maintenance/db-swap/swap.ts';
import { withUnansweredFromControls } from '../../maintenance/db-swap/unanswered-requests.ts';
import { httpProxySwitch } from '../../maintenance/proxy/http-switch.ts';
import { natsProxySwitch } from '../../maintenance/proxy/nats-switch.ts';
import type { ProxySwitch } from '../../maintenance/proxy-switch.ts';
import { formatDuration, parseDuration } from '../../model/duration.ts';
import { openStore } from '../../store/index.ts';
import { openPostgresStore } from '../../store/postgres/index.ts';
import { openSqliteStore } from '../../store/sqlite/index.ts';
import type { Store } from '../../store/store.ts';
import { CliError } from '../fail.ts';

export interface DbSwapCommandOptions {
  primary?: string;
  replica?: string;
  user?: string;
  passwordFile?: string;
  replUser?: string;
  replPasswordFile?: string;
  maxLag: string;
  maxTransactionAge: string;
  waitTimeout: string;
  settle: string;
  verifyTimeout: string;
  hook?: string;
  hookTimeout: string;
  proxyGroup?: string;
  nats?: string;
  proxyControl?: string[];
  proxySecretFile?: string;
  maxPause: string;
  checkOnly?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  config?: string;
  store?: string;
  json?: boolean;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

function duration(text: string, option: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new CliError(`${option}: "${text}" is not a duration (e.g. 5s, 500ms, 1m)`);
  return ms;
}

function required(value: string | undefined, option: string): string {
  if (!value) throw new CliError(`${option} is required (see vigil db-swap --help)`);
  return value;
}

async function secretFile(file: string, option: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new CliError(
      `${option}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

async function proxySwitchFrom(options: DbSwapCommandOptions): Promise<DbSwapOptions['proxies']> {
  if (options.proxyGroup || options.nats) {
    const group = required(options.proxyGroup, '--proxy-group (with --nats)');
    const nats = required(options.nats, '--nats (with --proxy-group)');
    let proxySwitch: ProxySwitch;
    try {
      proxySwitch = await natsProxySwitch({ servers: nats.split(','), group });
    } catch (error) {
      throw new CliError(`--nats ${nats}: ${(error as Error).message}`);
    }
    return { proxySwitch, description: `proxy group ${group} over ${nats}` };
  }
  if (options.proxyControl && options.proxyControl.length > 0) {
    const controls = options.proxyControl.flatMap((control) => control.split(','));
    const secret = options.proxySecretFile
      ? await secretFile(options.proxySecretFile, '--proxy-secret-file')
      : process.env.VIGIL_PROXY_SECRET;
    if (!secret) throw new CliError('--proxy-control needs --proxy-secret-file or env VIGIL_PROXY_SECRET');
    return {
      proxySwitch: withUnansweredFromControls(httpProxySwitch({ controls, secret }), controls, secret),
      description: `proxies ${controls.join(', ')}`,
    };
  }
  return null;
}

/** The store to record the run in: --store, else the configuration's; null (with a warning) when there is none. */
async function openRecordingStore(options: DbSwapCommandOptions): Promise<Store | null> {
  try {
    if (options.store) {
      const store = /^postgres(ql)?:\/\//.test(options.store)
        ? await openPostgresStore(options.store)
        : await openSqliteStore(options.store);
      await store.migrate();
      return store;
    }
    const configPath = options.config ?? process.env.VIGIL_CONFIG ?? './vigil.yml';
    if (!existsSync(configPath)) {
      say(
        `warning: no store (no --store, and no configuration at ${configPath}): this run is not recorded as maintenance`,
      );
      return null;
    }
    const loaded = await loadConfig(configPath);
    if (!loaded.ok) {
      say(`warning: configuration ${configPath} has errors: this run is not recorded as maintenance`);
      return null;
    }
    const store = await openStore(loaded.model.settings.store);
    await store.migrate();
    return store;
  } catch (error) {
    say(
      `warning: cannot open the store (${(error as Error).message}): this run is not recorded as maintenance`,
    );
    return null;
  }
}

async function confirm(primary: Endpoint, replica: Endpoint): Promise<boolean> {
  if (!process.stdin.isTTY)
    throw new CliError(
      'not on a terminal: pass --yes to swap without being asked (or --dry-run to see the plan)',
    );
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(
      `Make ${replica.host}:${replica.port} the primary and ${primary.host}:${primary.port} its replica? [y/N] `,
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}

function printResult(result: DbSwapResult, options: DbSwapCommandOptions): void {
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  for (const line of result.found) out(`found   ${line}`);
  if (result.outcome === 'refused') {
    out(
      `REFUSED: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}, nothing was changed:`,
    );
    for (const problem of result.problems) out(`  - ${problem}`);
    return;
  }
  if (result.outcome === 'checked') return out('preflight passed: the servers are ready for a role swap');
  if (result.outcome === 'planned') {
    out('preflight passed. The swap would run these steps (coordinates as of now):');
    return out(renderPlan(result.plan));
  }
  const run = result.run;
  if (!run) return;
  const pause = formatDuration(run.pauseMs);
  switch (result.outcome) {
    case 'succeeded':
      out(
        `SWAPPED in ${formatDuration(run.endedAt - run.startedAt)}, traffic held ${pause}: ${options.replica} is the primary, ${options.primary} replicates from it`,
      );
      break;
    case 'rolled-back':
      out(`ROLLED BACK: step "${run.failure?.title}" failed: ${run.failure?.error}`);
      out(`Undone (traffic held ${pause}):`);
      for (const undo of run.undone) out(`  - ${undo.title}${undo.detail ? `: ${undo.detail}` : ''}`);
      out(`${options.primary} is the primary again, ${options.replica} replicates from it as before.`);
      break;
    case 'needs-manual-action':
      out(`STOPPED: step "${run.failure?.title}" failed: ${run.failure?.error}`);
      for (const undo of run.undone)
        out(`  undo "${undo.title}": ${undo.status}${undo.detail ? ` (${undo.detail})` : ''}`);
      for (const line of result.report) out(line);
      break;
  }
}

export async function dbSwapCommand(options: DbSwapCommandOptions): Promise<void> {
  let primary: Endpoint;
  let replica: Endpoint;
  try {
    primary = parseEndpoint(required(options.primary, '--primary'), '--primary');
    replica = parseEndpoint(required(options.replica, '--replica'), '--replica');
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const user = required(options.user, '--user');
  const password = options.passwordFile
    ? await secretFile(options.passwordFile, '--password-file')
    : (process.env.VIGIL_DB_PASSWORD ?? '');
  const replicationPassword = options.replPasswordFile
    ? await secretFile(options.replPasswordFile, '--repl-password-file')
    : process.env.VIGIL_REPL_PASSWORD;
  const mode = options.checkOnly ? 'check-only' : options.dryRun ? 'dry-run' : 'swap';
  const settings = {
    maxLagS: duration(options.maxLag, '--max-lag') / 1000,
    maxTransactionAgeS: duration(options.maxTransactionAge, '--max-transaction-age') / 1000,
    waitTimeoutMs: duration(options.waitTimeout, '--wait-timeout'),
    settleMs: duration(options.settle, '--settle'),
    verifyTimeoutMs: duration(options.verifyTimeout, '--verify-timeout'),
    hookTimeoutMs: duration(options.hookTimeout, '--hook-timeout'),
    maxPauseMs: duration(options.maxPause, '--max-pause'),
  };
  if (mode === 'swap' && !options.yes && !(await confirm(primary, replica)))
    throw new CliError('not swapped', 1);
  const proxies = mode === 'swap' ? await proxySwitchFrom(options) : null;
  const swapOptions: DbSwapOptions = {
    primary,
    replica,
    login: { user, password, connectTimeoutMs: 5000 },
    ...(options.replUser ? { replicationUser: options.replUser } : {}),
    ...(replicationPassword !== undefined ? { replicationPassword } : {}),
    ...settings,
    hook: options.hook ?? null,
    proxies:
      proxies ??
      (mode !== 'swap' && (options.proxyGroup || options.proxyControl)
        ? {
            proxySwitch: unusedSwitch,
            description: options.proxyGroup
              ? `proxy group ${options.proxyGroup}`
              : `proxies ${options.proxyControl?.join(', ')}`,
          }
        : null),
    mode,
  };
  const store = mode === 'swap' ? await openRecordingStore(options) : null;
  try {
    const result = await dbSwap(swapOptions, {
      log: say,
      clock: () => Date.now(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    const entry = maintenanceEntry(result, swapOptions);
    if (entry && store) {
      try {
        const id = await store.maintenance.record(entry);
        say(`recorded as maintenance entry ${id}`);
      } catch (error) {
        say(`warning: the run was not recorded as maintenance: ${(error as Error).message}`);
      }
    }
    printResult(result, options);
    process.exitCode = result.exitCode;
  } finally {
    await store?.close();
    await proxies?.proxySwitch.close();
  }
}

/** A dry run or check names the proxies in the plan without connecting to them. */
const unusedSwitch: ProxySwitch = {
  pause: () => Promise.reject(new Error('not connected: a dry run pauses nothing')),
  resume: () => Promise.reject(new Error('not connected: a dry run resumes nothing')),
  close: () => Promise.resolve(),
};
