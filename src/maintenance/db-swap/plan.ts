// The swap as a list of steps: pure data, built before anything is changed, so `--dry-run`
// prints exactly what a real run executes (with the coordinates as they are now), the runner
// stays small, and the ordering that prevents two writable servers is property-tested here.
import { type Endpoint, formatEndpoint } from './endpoint.ts';
import { type BinlogCoordinates, formatCoordinates } from './server-state.ts';
import { changeMasterSql, setReadOnlySql, waitForPositionSql } from './statements.ts';

export type StepKind =
  | 'pause-proxies'
  | 'set-primary-read-only'
  | 'end-writing-sessions'
  | 'confirm-binlog-stopped'
  | 'wait-replica-caught-up'
  | 'stop-replica'
  | 'promote-replica'
  | 'replicate-from-new-primary'
  | 'move-traffic'
  | 'resume-proxies'
  | 'verify';

/**
 * Where a step sits relative to the promotion (the replica becoming writable):
 * - `before`: undone by making the old primary writable again;
 * - `promotion`: a failure here leaves a state to finish by hand;
 * - `unexposed`: after promotion, but no traffic reaches the new primary yet, so it can be
 *   demoted again if it took no write;
 * - `after`: traffic has moved; a failure is reported, never undone.
 */
export type StepPhase = 'before' | 'promotion' | 'unexposed' | 'after';

export const STEP_PHASE: Record<StepKind, StepPhase> = {
  'pause-proxies': 'before',
  'set-primary-read-only': 'before',
  'end-writing-sessions': 'before',
  'confirm-binlog-stopped': 'before',
  'wait-replica-caught-up': 'before',
  'stop-replica': 'before',
  'promote-replica': 'promotion',
  'replicate-from-new-primary': 'unexposed',
  'move-traffic': 'unexposed',
  'resume-proxies': 'after',
  verify: 'after',
};

export interface SwapStep {
  kind: StepKind;
  /** What it does, in the operator's words. */
  title: string;
  /** The statements or commands it runs, with the coordinates known when the plan was made. */
  commands: string[];
  /** Set when the step has nothing to do in this run, and why. */
  skip?: string;
}

export interface PlanInput {
  primary: Endpoint;
  replica: Endpoint;
  /** How the proxies are reached ("group web over nats://…"), or null when none are configured. */
  proxies: string | null;
  hook: string | null;
  primaryHasSuperReadOnly: boolean;
  replicaHasSuperReadOnly: boolean;
  /** Where the primary's binary log is (final once it is read-only; current for a dry run). */
  primaryCoordinates: BinlogCoordinates | null;
  /** Where the replica's own binary log is: where the old primary will start replicating. */
  replicaCoordinates: BinlogCoordinates | null;
  replicationUser: string;
  settleMs: number;
  waitTimeoutMs: number;
}

export function planSwap(input: PlanInput): SwapStep[] {
  const primary = formatEndpoint(input.primary);
  const replica = formatEndpoint(input.replica);
  const primaryAt = input.primaryCoordinates ?? { file: '<primary binlog file>', position: 0 };
  const replicaAt = input.replicaCoordinates ?? { file: '<replica binlog file>', position: 0 };
  const noProxies =
    'no proxies configured: requests are not held, writes fail while the primary is read-only';
  return [
    {
      kind: 'pause-proxies',
      title: 'pause the proxies',
      commands: input.proxies
        ? [
            `pause ${input.proxies}`,
            `wait until the requests already at the app are answered (at most ${input.waitTimeoutMs} ms)`,
          ]
        : [],
      ...(input.proxies ? {} : { skip: noProxies }),
    },
    {
      kind: 'set-primary-read-only',
      title: `make the primary ${primary} read-only`,
      commands: setReadOnlySql(true, input.primaryHasSuperReadOnly).map((sql) => `${primary}: ${sql}`),
    },
    {
      kind: 'end-writing-sessions',
      title: 'end sessions still holding uncommitted writes on the primary',
      commands: [
        `${primary}: KILL CONNECTION <thread> (sessions with uncommitted writes after ${input.settleMs} ms)`,
      ],
    },
    {
      kind: 'confirm-binlog-stopped',
      title: "confirm the primary's binary log has stopped moving",
      commands: [
        `${primary}: SHOW MASTER STATUS, twice ${input.settleMs} ms apart (now ${formatCoordinates(input.primaryCoordinates)})`,
      ],
    },
    {
      kind: 'wait-replica-caught-up',
      title: `wait until the replica ${replica} has executed exactly up to the primary's last position`,
      commands: [`${replica}: ${waitForPositionSql(primaryAt, input.waitTimeoutMs)}`],
    },
    { kind: 'stop-replica', title: `stop replication on ${replica}`, commands: [`${replica}: STOP SLAVE`] },
    {
      kind: 'promote-replica',
      title: `promote ${replica}: forget its source and make it writable`,
      commands: [
        `${replica}: RESET SLAVE ALL`,
        `${replica}: SHOW MASTER STATUS (now ${formatCoordinates(input.replicaCoordinates)})`,
        ...setReadOnlySql(false, input.replicaHasSuperReadOnly).map((sql) => `${replica}: ${sql}`),
      ],
    },
    {
      kind: 'replicate-from-new-primary',
      title: `make ${primary} a replica of ${replica} from that exact position`,
      commands: [
        `${primary}: STOP SLAVE`,
        `${primary}: ${changeMasterSql({
          source: input.replica,
          user: input.replicationUser,
          password: null,
          from: { coordinates: replicaAt },
        })}`,
        `${primary}: START SLAVE`,
      ],
    },
    {
      kind: 'move-traffic',
      title: `move the application to ${replica}`,
      commands: input.hook
        ? [`${input.hook}  (args: ${replica} ${primary}; env VIGIL_NEW_PRIMARY=${replica})`]
        : [],
      ...(input.hook ? {} : { skip: `no --hook: point the application at ${replica} yourself` }),
    },
    {
      kind: 'resume-proxies',
      title: 'resume the proxies',
      commands: input.proxies ? [`resume ${input.proxies}`] : [],
      ...(input.proxies ? {} : { skip: noProxies }),
    },
    {
      kind: 'verify',
      title: `verify: ${replica} writable and not a replica; ${primary} read-only, replicating, caught up`,
      commands: [`${primary}: SHOW SLAVE STATUS; MASTER_POS_WAIT on ${replica}'s position`],
    },
  ];
}

export function renderPlan(steps: readonly SwapStep[]): string {
  return steps
    .map((step, index) => {
      const head = `${String(index + 1).padStart(2)}. ${step.title}${step.skip ? ` — skipped: ${step.skip}` : ''}`;
      return [head, ...step.commands.map((command) => `      ${command}`)].join('\n');
    })
    .join('\n');
}
