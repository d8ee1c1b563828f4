// `vigil db-swap` without the command line: preflight both servers, plan, run, and say how it
// ended. The caller records the run and prints; this returns everything it needs for that.
import type { MaintenanceOutcome, NewMaintenanceEntry } from '../../store/maintenance.ts';
import type { ProxySwitch } from '../proxy-switch.ts';
import { type Endpoint, formatEndpoint, resolveAddresses } from './endpoint.ts';
import { MysqlSwapActions } from './mysql-actions.ts';
import { type PlanInput, planSwap, type SwapStep } from './plan.ts';
import { describeServer, preflightProblems, type Reading } from './preflight.ts';
import { manualRecovery, stateReport } from './report.ts';
import { runSwap, type SwapRun } from './runner.ts';
import { readServerState } from './server-state.ts';
import { type Login, ServerSession } from './session.ts';

export interface DbSwapOptions {
  primary: Endpoint;
  replica: Endpoint;
  login: Login;
  /** Defaults to the user the replica replicates with now. */
  replicationUser?: string;
  replicationPassword?: string;
  maxLagS: number;
  maxTransactionAgeS: number;
  waitTimeoutMs: number;
  settleMs: number;
  verifyTimeoutMs: number;
  hook: string | null;
  hookTimeoutMs: number;
  proxies: { proxySwitch: ProxySwitch; description: string } | null;
  maxPauseMs: number;
  mode: 'check-only' | 'dry-run' | 'swap';
}

export interface DbSwapIo {
  log: (line: string) => void;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
  beforeStep?: (step: SwapStep) => Promise<void>;
}

export type DbSwapExit = 0 | 1 | 2 | 3;

export interface DbSwapResult {
  exitCode: DbSwapExit;
  /** `refused` when the preflight found problems; `checked`/`planned` for --check-only/--dry-run. */
  outcome: MaintenanceOutcome | 'checked' | 'planned';
  problems: string[];
  /** What the preflight found on each server. */
  found: string[];
  plan: SwapStep[];
  run?: SwapRun;
  /** After a failure past the point of return: each server now, and what to run by hand. */
  report: string[];
  startedAt: number;
  endedAt: number;
}

const EXIT: Record<MaintenanceOutcome, DbSwapExit> = {
  succeeded: 0,
  refused: 1,
  'rolled-back': 2,
  'needs-manual-action': 3,
};

async function read(session: ServerSession, longerThanS: number): Promise<Reading> {
  try {
    return { ok: true, state: await session.use((db) => readServerState(db, longerThanS)) };
  } catch (error) {
    return { ok: false, error: (error as Error).message.replace(`${session.address}: `, '') };
  }
}

const resolveOrNone = (host: string) => resolveAddresses(host).catch(() => [] as string[]);

export async function dbSwap(options: DbSwapOptions, io: DbSwapIo): Promise<DbSwapResult> {
  const startedAt = io.clock();
  const primary = new ServerSession(options.primary, options.login);
  const replica = new ServerSession(options.replica, options.login);
  try {
    io.log(`preflight: reading ${primary.address} and ${replica.address}`);
    const [primaryReading, replicaReading] = await Promise.all([
      read(primary, options.maxTransactionAgeS),
      read(replica, options.maxTransactionAgeS),
    ]);
    const sourceHost = replicaReading.ok ? replicaReading.state.replication?.sourceHost : undefined;
    const problems = preflightProblems({
      primary: {
        address: primary.address,
        reading: primaryReading,
        addresses: await resolveOrNone(options.primary.host),
        port: options.primary.port,
      },
      replica: { address: replica.address, reading: replicaReading },
      replicaSourceAddresses: sourceHost ? await resolveOrNone(sourceHost) : [],
      maxLagS: options.maxLagS,
      maxTransactionAgeS: options.maxTransactionAgeS,
    });
    const replicationUser =
      options.replicationUser ??
      (replicaReading.ok ? replicaReading.state.replication?.sourceUser : undefined);
    if (!replicationUser)
      problems.push('no replication user: give --repl-user (the replica has no source to take it from)');
    if (options.replicationPassword === undefined)
      problems.push(
        'no replication password (--repl-password-file or env VIGIL_REPL_PASSWORD): ' +
          'the old primary needs it to replicate from the new one',
      );
    const found = stateReport([
      { address: primary.address, reading: primaryReading },
      { address: replica.address, reading: replicaReading },
    ]);
    const p = primaryReading.ok ? primaryReading.state : null;
    const r = replicaReading.ok ? replicaReading.state : null;
    const planInput: PlanInput = {
      primary: options.primary,
      replica: options.replica,
      proxies: options.proxies?.description ?? null,
      hook: options.hook,
      primaryHasSuperReadOnly: p?.superReadOnly !== null && p?.superReadOnly !== undefined,
      replicaHasSuperReadOnly: r?.superReadOnly !== null && r?.superReadOnly !== undefined,
      primaryCoordinates: p?.coordinates ?? null,
      replicaCoordinates: r?.coordinates ?? null,
      replicationUser: replicationUser ?? '<replication user>',
      settleMs: options.settleMs,
      waitTimeoutMs: options.waitTimeoutMs,
    };
    const plan = planSwap(planInput);
    const done = (
      outcome: DbSwapResult['outcome'],
      exitCode: DbSwapExit,
      extra: Partial<DbSwapResult> = {},
    ) => ({
      exitCode,
      outcome,
      problems,
      found,
      plan,
      report: [],
      startedAt,
      endedAt: io.clock(),
      ...extra,
    });
    if (problems.length > 0) return done('refused', 1);
    if (options.mode === 'check-only') return done('checked', 0);
    if (options.mode === 'dry-run') return done('planned', 0);
    if (!p || !r?.replication || replicationUser === undefined || options.replicationPassword === undefined)
      throw new Error('preflight passed without both servers read'); // unreachable: problems above

    const actions = new MysqlSwapActions({
      primary,
      replica,
      primaryHasSuperReadOnly: planInput.primaryHasSuperReadOnly,
      replicaHasSuperReadOnly: planInput.replicaHasSuperReadOnly,
      originalReplication: r.replication,
      replicationUser,
      replicationPassword: options.replicationPassword,
      proxies: options.proxies?.proxySwitch ?? null,
      maxPauseMs: options.maxPauseMs,
      hook: options.hook,
      hookTimeoutMs: options.hookTimeoutMs,
      settleMs: options.settleMs,
      waitTimeoutMs: options.waitTimeoutMs,
      verifyTimeoutMs: options.verifyTimeoutMs,
      sleep: io.sleep,
      clock: io.clock,
    });
    io.log(`swapping: ${primary.address} (primary) <-> ${replica.address} (replica)`);
    const run = await runSwap(plan, actions, {
      clock: io.clock,
      log: io.log,
      ...(io.beforeStep ? { beforeStep: io.beforeStep } : {}),
    });
    let report: string[] = [];
    if (run.outcome === 'needs-manual-action') {
      const [nowPrimary, nowReplica] = await Promise.all([read(primary, 0), read(replica, 0)]);
      report = [
        'Servers now:',
        ...stateReport([
          { address: primary.address, reading: nowPrimary },
          { address: replica.address, reading: nowReplica },
        ]).map((line) => `  ${line}`),
        ...manualRecovery(run, {
          ...planInput,
          primaryCoordinates: actions.finalPrimaryCoordinates ?? planInput.primaryCoordinates,
          replicaCoordinates: actions.newPrimaryCoordinates ?? planInput.replicaCoordinates,
        }),
      ];
    }
    return done(run.outcome, EXIT[run.outcome], { run, report });
  } finally {
    await Promise.all([primary.close(), replica.close()]);
  }
}

/** The maintenance entry a run leaves in the store; null for runs that changed nothing by design. */
export function maintenanceEntry(result: DbSwapResult, options: DbSwapOptions): NewMaintenanceEntry | null {
  if (result.outcome === 'checked' || result.outcome === 'planned') return null;
  const from = formatEndpoint(options.primary);
  const to = formatEndpoint(options.replica);
  return {
    kind: 'db-swap',
    startedAt: result.startedAt,
    endedAt: result.endedAt,
    pauseMs: result.run?.pauseMs ?? 0,
    outcome: result.outcome,
    summary: `database role swap ${from} -> ${to}: ${result.outcome}`,
    details: {
      oldPrimary: from,
      newPrimary: to,
      problems: result.problems,
      steps: result.run?.steps ?? [],
      undone: result.run?.undone ?? [],
      ...(result.run?.failure ? { failure: result.run.failure } : {}),
      ...(result.report.length > 0 ? { report: result.report } : {}),
    },
  };
}
