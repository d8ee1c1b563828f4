// The swap's ordering and rollback, on generated runs against a model of two servers: whatever
// step fails (before or after it took effect), there are never two writable servers, and a
// run that says "rolled back" left the roles exactly as they were.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type PlanInput,
  planSwap,
  STEP_PHASE,
  type StepKind,
  type SwapStep,
} from '../../src/maintenance/db-swap/plan.ts';
import type { UndoKind } from '../../src/maintenance/db-swap/rollback.ts';
import { runSwap, type SwapActions } from '../../src/maintenance/db-swap/runner.ts';

const planInput = fc
  .record({
    proxies: fc.option(fc.constant('proxy group web'), { nil: null }),
    hook: fc.option(fc.constant('/usr/local/bin/move-db'), { nil: null }),
    primaryHasSuperReadOnly: fc.boolean(),
    replicaHasSuperReadOnly: fc.boolean(),
    settleMs: fc.integer({ min: 1, max: 5000 }),
    waitTimeoutMs: fc.integer({ min: 1, max: 60_000 }),
  })
  .map(
    (generated): PlanInput => ({
      ...generated,
      primary: { host: 'db1', port: 3306 },
      replica: { host: 'db2', port: 3306 },
      primaryCoordinates: { file: 'binlog.000007', position: 1234 },
      replicaCoordinates: { file: 'binlog.000003', position: 456 },
      replicationUser: 'repl',
    }),
  );

/** Two servers as the swap sees them. */
interface Pair {
  primaryWritable: boolean;
  replicaWritable: boolean;
  replicaReplicating: boolean;
  replicaConfigured: boolean;
  primaryReplicating: boolean;
  proxiesPaused: boolean;
  trafficOnReplica: boolean;
}

const initial: Pair = {
  primaryWritable: true,
  replicaWritable: false,
  replicaReplicating: true,
  replicaConfigured: true,
  primaryReplicating: false,
  proxiesPaused: false,
  trafficOnReplica: false,
};

const STEP_EFFECT: Record<StepKind, (pair: Pair) => void> = {
  'pause-proxies': (p) => {
    p.proxiesPaused = true;
  },
  'set-primary-read-only': (p) => {
    p.primaryWritable = false;
  },
  'end-writing-sessions': () => {},
  'confirm-binlog-stopped': () => {},
  'wait-replica-caught-up': () => {},
  'stop-replica': (p) => {
    p.replicaReplicating = false;
  },
  'promote-replica': (p) => {
    p.replicaConfigured = false;
    p.replicaWritable = true;
  },
  'replicate-from-new-primary': (p) => {
    p.primaryReplicating = true;
  },
  'move-traffic': (p) => {
    p.trafficOnReplica = true;
  },
  'resume-proxies': (p) => {
    p.proxiesPaused = false;
  },
  verify: () => {},
};

const UNDO_EFFECT: Record<UndoKind, (pair: Pair) => void> = {
  'confirm-new-primary-unwritten': () => {},
  'make-new-primary-read-only': (p) => {
    p.replicaWritable = false;
  },
  'stop-old-primary-replication': (p) => {
    p.primaryReplicating = false;
  },
  'restore-replica-replication': (p) => {
    p.replicaConfigured = true;
    p.replicaReplicating = true;
  },
  'start-replica': (p) => {
    p.replicaReplicating = true;
  },
  'make-primary-writable': (p) => {
    p.primaryWritable = true;
  },
  'move-traffic-back': (p) => {
    p.trafficOnReplica = false;
  },
  'resume-proxies': (p) => {
    p.proxiesPaused = false;
  },
};

/** Actions on the model; one call (a step or an undo) fails, before or after taking effect. */
function modelActions(
  pair: Pair,
  failAt: number,
  afterEffect: boolean,
  undoFailAt: number,
  writable: number[],
) {
  let calls = 0;
  let undos = 0;
  const check = () => writable.push(Number(pair.primaryWritable) + Number(pair.replicaWritable));
  const actions: SwapActions = {
    async step(step: SwapStep) {
      const call = calls++;
      if (call === failAt && !afterEffect) throw new Error(`${step.kind} failed`);
      STEP_EFFECT[step.kind](pair);
      check();
      if (call === failAt) throw new Error(`${step.kind} timed out after taking effect`);
      return undefined;
    },
    async undo(kind: UndoKind) {
      if (undos++ === undoFailAt) throw new Error(`${kind} failed`);
      UNDO_EFFECT[kind](pair);
      check();
      return undefined;
    },
  };
  return actions;
}

describe('db-swap plan', () => {
  test('the old primary is read-only, settled and fully applied before the replica becomes writable', () => {
    fc.assert(
      fc.property(planInput, (input) => {
        const order = planSwap(input).map((step) => step.kind);
        const at = (kind: StepKind) => order.indexOf(kind);
        assert.ok(at('set-primary-read-only') < at('confirm-binlog-stopped'));
        assert.ok(at('confirm-binlog-stopped') < at('wait-replica-caught-up'));
        assert.ok(at('wait-replica-caught-up') < at('stop-replica'));
        assert.ok(at('stop-replica') < at('promote-replica'));
        assert.ok(at('promote-replica') < at('replicate-from-new-primary'));
        // Traffic is released only after the old primary was demoted and the new one promoted.
        assert.ok(at('move-traffic') < at('resume-proxies'));
        assert.equal(at('pause-proxies'), 0);
        assert.equal(order.at(-1), 'verify');
        // Everything before the promotion can be undone; nothing after it touches the old primary's writability.
        const promotion = at('promote-replica');
        for (const [index, kind] of order.entries())
          assert.equal(STEP_PHASE[kind] === 'before', index < promotion, kind);
        // The steps that need proxies or a hook are skipped, not dropped, without them.
        assert.equal(
          planSwap(input).find((s) => s.kind === 'pause-proxies')?.skip === undefined,
          input.proxies !== null,
        );
      }),
    );
  });

  test('never two writable servers; "rolled back" restores the roles; "succeeded" swaps them', async () => {
    await fc.assert(
      fc.asyncProperty(
        planInput,
        fc.integer({ min: 0, max: 12 }),
        fc.boolean(),
        fc.integer({ min: -1, max: 8 }),
        async (input, failAt, afterEffect, undoFailAt) => {
          const pair = { ...initial };
          const writable: number[] = [];
          const run = await runSwap(
            planSwap(input),
            modelActions(pair, failAt, afterEffect, undoFailAt, writable),
            {
              clock: () => 0,
              log: () => {},
            },
          );
          assert.ok(
            writable.every((count) => count <= 1),
            `two writable servers: ${JSON.stringify(run)}`,
          );
          if (run.outcome === 'rolled-back') {
            assert.deepEqual({ ...pair, trafficOnReplica: false }, initial);
            assert.equal(pair.trafficOnReplica, false);
          }
          if (run.outcome === 'succeeded') {
            assert.equal(pair.replicaWritable, true);
            assert.equal(pair.primaryWritable, false);
            assert.equal(pair.primaryReplicating, true);
            assert.equal(pair.proxiesPaused, false);
          }
          if (run.failure && STEP_PHASE[run.failure.step] === 'before')
            assert.notEqual(run.outcome, 'succeeded');
        },
      ),
      { numRuns: 500 },
    );
  });
});
