import { z } from 'zod';
import type { ServiceState } from '../model/types.ts';
import type { CheckKind } from './check.ts';

const stateCode = z.union([
  z.number().int().min(0).max(3),
  z.enum(['OK', 'WARNING', 'CRITICAL', 'UNKNOWN']).transform((name) => STATE_CODES[name]),
]);
const STATE_CODES = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const;

const params = z.strictObject({
  /** The state every run returns. */
  state: stateCode.default(0),
  output: z.string().default(''),
  /** States returned in turn, one per run, instead of a fixed state (for tests and benchmarks). */
  cycle: z.array(stateCode).min(1).optional(),
});
type DummyParams = z.infer<typeof params>;

const runsSoFar = new Map<string, number>();

/** Returns a configured state without doing anything: for testing alert paths and for benchmarks. */
export const dummyCheck: CheckKind<DummyParams> = {
  kind: 'dummy',
  params,
  async run(p, target) {
    let state = p.state as ServiceState;
    if (p.cycle) {
      const id = target.service?.id ?? target.host.id;
      // Objects start at different points of the cycle so they do not all change state at once.
      const run = runsSoFar.get(id) ?? stableHash(id);
      runsSoFar.set(id, run + 1);
      state = p.cycle[run % p.cycle.length] as ServiceState;
    }
    return { exitCode: state, output: p.output || `dummy state ${state}`, longOutput: '', perfdata: [] };
  },
};

function stableHash(text: string): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash >>> 0;
}
