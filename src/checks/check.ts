import type { z } from 'zod';
import type { StoredSeries } from '../forecast/stored-series.ts';
import type { Host, PerfDatum, Service, ServiceState } from '../model/types.ts';
import type { Spawner } from './plugin/spawner.ts';

/** What a check reports, in the same shape whether a plugin or native code produced it. */
export interface CheckOutcome {
  exitCode: ServiceState;
  output: string;
  longOutput: string;
  perfdata: PerfDatum[];
}

/** The object a check runs for: a host check has no service. */
export interface CheckTarget {
  host: Host;
  service?: Service;
}

/** What the engine lends every check run. */
export interface CheckEnv {
  /** Aborted when the per-check timeout passes; a check must stop and release its resources. */
  signal: AbortSignal;
  timeoutMs: number;
  maxOutputBytes: number;
  userMacros: Record<string, string>;
  /** Shared process spawner for plugin checks. */
  spawner: Spawner;
  /**
   * One label's stored perfdata of an object in [since, until], for checks that judge history
   * (forecast). Absent where no store is at hand (a remote worker).
   */
  perfdata?: (objectId: string, label: string, since: number, until: number) => Promise<StoredSeries>;
}

/**
 * One kind of check. Each kind lives in its own file under src/checks/, validates its own
 * params with `params` at config load time, and is registered in src/checks/index.ts.
 */
export interface CheckKind<Params = unknown> {
  readonly kind: string;
  readonly params: z.ZodType<Params>;
  run(params: Params, target: CheckTarget, env: CheckEnv): Promise<CheckOutcome>;
}
