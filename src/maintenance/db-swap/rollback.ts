// What to undo when a step fails: pure, decided from which step failed and which steps had
// been attempted (a step that timed out may have taken effect, so it is undone too).
// The order keeps the one invariant: never two writable servers. The new primary is made
// read-only again before the old one becomes writable, and the proxies resume last, so
// released requests find a writable primary.
import { STEP_PHASE, type StepKind } from './plan.ts';

export type UndoKind =
  | 'confirm-new-primary-unwritten'
  | 'make-new-primary-read-only'
  | 'stop-old-primary-replication'
  | 'restore-replica-replication'
  | 'start-replica'
  | 'make-primary-writable'
  | 'move-traffic-back'
  | 'resume-proxies';

export interface UndoStep {
  kind: UndoKind;
  /** A failure here stops the rollback: what follows would break the invariant. */
  critical: boolean;
}

/** Undo steps in order, or `manual` when the failure is past the point of safe return. */
export function undoSteps(failed: StepKind, attempted: readonly StepKind[]): UndoStep[] | 'manual' {
  const did = (kind: StepKind) => attempted.includes(kind);
  const phase = STEP_PHASE[failed];
  if (phase === 'promotion' || phase === 'after') return 'manual';
  const steps: UndoStep[] = [];
  if (phase === 'unexposed') {
    steps.push(
      { kind: 'confirm-new-primary-unwritten', critical: true },
      { kind: 'make-new-primary-read-only', critical: true },
      { kind: 'stop-old-primary-replication', critical: true },
      { kind: 'restore-replica-replication', critical: false },
    );
  } else if (did('stop-replica')) steps.push({ kind: 'start-replica', critical: false });
  if (did('set-primary-read-only')) steps.push({ kind: 'make-primary-writable', critical: false });
  if (did('move-traffic')) steps.push({ kind: 'move-traffic-back', critical: false });
  if (did('pause-proxies')) steps.push({ kind: 'resume-proxies', critical: false });
  return steps;
}

export const UNDO_TITLE: Record<UndoKind, string> = {
  'confirm-new-primary-unwritten': 'confirm the new primary took no write since its promotion',
  'make-new-primary-read-only': 'make the new primary read-only again',
  'stop-old-primary-replication': 'stop and forget replication on the old primary',
  'restore-replica-replication': 'point the replica at the old primary again and start replication',
  'start-replica': 'start replication on the replica again',
  'make-primary-writable': 'make the old primary writable again',
  'move-traffic-back': 'run the hook again with the old primary, to move the application back',
  'resume-proxies': 'resume the proxies',
};
