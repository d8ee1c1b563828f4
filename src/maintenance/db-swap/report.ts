// What the operator reads when a swap stops half-way: each server as it is now, and the
// exact statements that finish the job by hand.
import { formatEndpoint } from './endpoint.ts';
import type { PlanInput, StepKind } from './plan.ts';
import { planSwap } from './plan.ts';
import { describeServer, type Reading } from './preflight.ts';
import type { UndoKind } from './rollback.ts';
import type { SwapRun } from './runner.ts';
import { changeMasterSql, setReadOnlySql } from './statements.ts';

export function stateReport(servers: { address: string; reading: Reading }[]): string[] {
  return servers.map(({ address, reading }) =>
    reading.ok ? describeServer(address, reading.state) : `${address}: unreachable (${reading.error})`,
  );
}

function undoCommands(kind: UndoKind, plan: PlanInput): string[] {
  const primary = formatEndpoint(plan.primary);
  const replica = formatEndpoint(plan.replica);
  switch (kind) {
    case 'confirm-new-primary-unwritten':
      return [
        `${replica}: SHOW MASTER STATUS (must still be ${plan.replicaCoordinates?.file}:${plan.replicaCoordinates?.position})`,
      ];
    case 'make-new-primary-read-only':
      return setReadOnlySql(true, plan.replicaHasSuperReadOnly).map((sql) => `${replica}: ${sql}`);
    case 'stop-old-primary-replication':
      return [`${primary}: STOP SLAVE`, `${primary}: RESET SLAVE ALL`];
    case 'restore-replica-replication':
      return [
        `${replica}: ${changeMasterSql({
          source: plan.primary,
          user: plan.replicationUser,
          password: null,
          from: { coordinates: plan.primaryCoordinates ?? { file: '<primary binlog file>', position: 0 } },
        })}`,
        `${replica}: START SLAVE`,
      ];
    case 'start-replica':
      return [`${replica}: START SLAVE`];
    case 'make-primary-writable':
      return setReadOnlySql(false, plan.primaryHasSuperReadOnly).map((sql) => `${primary}: ${sql}`);
    case 'move-traffic-back':
      return plan.hook ? [`VIGIL_SWAP_PHASE=rollback ${plan.hook} ${primary} ${replica}`] : [];
    case 'resume-proxies':
      return plan.proxies ? [`resume ${plan.proxies}`] : [];
  }
}

/** The statements that finish what the run left undone, in order. */
export function manualRecovery(run: SwapRun, plan: PlanInput): string[] {
  const failedUndo = run.undone.findIndex((record) => record.status === 'failed');
  if (failedUndo >= 0) {
    const rest = run.undone.slice(failedUndo).map((record) => record.kind as UndoKind);
    return [
      'To finish the rollback by hand (in this order):',
      ...rest.flatMap((kind) => undoCommands(kind, plan)).map((line) => `  ${line}`),
    ];
  }
  const failed = run.failure?.step;
  if (!failed) return [];
  const steps = planSwap(plan);
  const from = steps.findIndex((step) => step.kind === (failed as StepKind));
  const remaining = steps.slice(from).filter((step) => !step.skip);
  return [
    'To finish the swap by hand (in this order; check each server first):',
    ...remaining.flatMap((step) => [`  # ${step.title}`, ...step.commands.map((command) => `  ${command}`)]),
  ];
}
