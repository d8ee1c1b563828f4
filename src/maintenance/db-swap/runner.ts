// Runs a swap plan step by step, logging each step with its duration; on a failure it runs
// the undo steps rollback.ts picks. What each step does to the servers is behind SwapActions
// (mysql-actions.ts for real servers), so this file holds only the order and the bookkeeping.
import { STEP_PHASE, type StepKind, type SwapStep } from './plan.ts';
import { UNDO_TITLE, type UndoKind, undoSteps } from './rollback.ts';

export interface SwapActions {
  /** Performs a step; resolves to a detail worth logging ("killed 2 sessions"). */
  step(step: SwapStep): Promise<string | undefined>;
  undo(kind: UndoKind): Promise<string | undefined>;
}

export type SwapOutcome = 'succeeded' | 'rolled-back' | 'needs-manual-action';

export interface StepRecord {
  kind: StepKind | UndoKind;
  title: string;
  status: 'done' | 'skipped' | 'failed';
  ms: number;
  detail?: string;
}

export interface SwapRun {
  outcome: SwapOutcome;
  steps: StepRecord[];
  /** The undo steps run after the failure, in order. */
  undone: StepRecord[];
  failure?: { step: StepKind; title: string; error: string };
  /** How long requests were held or writes refused: from the first step that stops traffic to its release. */
  pauseMs: number;
  startedAt: number;
  endedAt: number;
}

export interface RunnerOptions {
  clock: () => number;
  /** One line per event, for stderr. */
  log: (line: string) => void;
  /** Called before each step (tests use it to break things at a chosen moment). */
  beforeStep?: (step: SwapStep) => Promise<void>;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const HOLDS_TRAFFIC: readonly (StepKind | UndoKind)[] = ['pause-proxies', 'set-primary-read-only'];

export async function runSwap(
  plan: readonly SwapStep[],
  actions: SwapActions,
  options: RunnerOptions,
): Promise<SwapRun> {
  const { clock, log } = options;
  const startedAt = clock();
  const steps: StepRecord[] = [];
  const undone: StepRecord[] = [];
  const attempted: StepKind[] = [];
  let heldSince: number | null = null;
  let releasedAt: number | null = null;
  const proxiesSkipped = plan.some((step) => step.kind === 'pause-proxies' && step.skip);
  // Without proxies traffic is released when the application is pointed at the new primary.
  const releasing = new Set<StepKind | UndoKind>(
    proxiesSkipped ? ['move-traffic', 'make-primary-writable', 'move-traffic-back'] : ['resume-proxies'],
  );
  const finish = (outcome: SwapOutcome, failure?: SwapRun['failure']): SwapRun => {
    const endedAt = clock();
    const pauseMs = heldSince === null ? 0 : (releasedAt ?? endedAt) - heldSince;
    return { outcome, steps, undone, ...(failure ? { failure } : {}), pauseMs, startedAt, endedAt };
  };

  for (const [index, step] of plan.entries()) {
    const label = `[${index + 1}/${plan.length}] ${step.title}`;
    if (step.skip) {
      steps.push({ kind: step.kind, title: step.title, status: 'skipped', ms: 0, detail: step.skip });
      log(`${label}: skipped (${step.skip})`);
      continue;
    }
    await options.beforeStep?.(step);
    const started = clock();
    if (heldSince === null && HOLDS_TRAFFIC.includes(step.kind)) heldSince = started;
    attempted.push(step.kind);
    try {
      const detail = await actions.step(step);
      const ms = clock() - started;
      steps.push({ kind: step.kind, title: step.title, status: 'done', ms, ...(detail ? { detail } : {}) });
      if (releasing.has(step.kind)) releasedAt = clock();
      log(`${label}: done in ${ms} ms${detail ? ` — ${detail}` : ''}`);
    } catch (error) {
      const ms = clock() - started;
      const message = messageOf(error);
      steps.push({ kind: step.kind, title: step.title, status: 'failed', ms, detail: message });
      log(`${label}: FAILED after ${ms} ms — ${message}`);
      const failure = { step: step.kind, title: step.title, error: message };
      const undo = undoSteps(step.kind, attempted);
      if (undo === 'manual') {
        log(
          `the failure is ${STEP_PHASE[step.kind] === 'promotion' ? 'at' : 'after'} the promotion: not rolling back`,
        );
        return finish('needs-manual-action', failure);
      }
      log(`rolling back (${undo.length} step${undo.length === 1 ? '' : 's'})`);
      let complete = true;
      for (const { kind, critical } of undo) {
        const undoStarted = clock();
        try {
          const detail = await actions.undo(kind);
          const undoMs = clock() - undoStarted;
          undone.push({
            kind,
            title: UNDO_TITLE[kind],
            status: 'done',
            ms: undoMs,
            ...(detail ? { detail } : {}),
          });
          if (releasing.has(kind)) releasedAt = clock();
          log(`  undo: ${UNDO_TITLE[kind]}: done in ${undoMs} ms${detail ? ` — ${detail}` : ''}`);
        } catch (undoError) {
          complete = false;
          const undoMessage = messageOf(undoError);
          undone.push({
            kind,
            title: UNDO_TITLE[kind],
            status: 'failed',
            ms: clock() - undoStarted,
            detail: undoMessage,
          });
          log(`  undo: ${UNDO_TITLE[kind]}: FAILED — ${undoMessage}`);
          if (critical) {
            log('  stopping the rollback here: going on could leave two writable servers');
            break;
          }
        }
      }
      return finish(complete ? 'rolled-back' : 'needs-manual-action', failure);
    }
  }
  return finish('succeeded');
}
