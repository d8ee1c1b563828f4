import type { CheckKind, CheckOutcome } from '../../src/checks/check.ts';
import { Spawner } from '../../src/checks/plugin/spawner.ts';
import type { Host, PerfDatum, Service } from '../../src/model/types.ts';

let sharedSpawner: Spawner | undefined;

/** A host as the config loader would build it, for running checks in tests. */
export function testHost(address = '127.0.0.1', name = 'test-host'): Host {
  return {
    id: name,
    name,
    displayName: name,
    address,
    parents: [],
    parentsMinUp: 1,
    groups: [],
    tags: [],
    location: {},
    vars: {},
    source: { file: 'test', line: 0 },
  };
}

/**
 * Runs one check kind the way the engine does: params validated by the kind's schema
 * (a schema error throws, naming the problem), an AbortSignal fired at the timeout.
 */
export async function runCheck<P>(
  kind: CheckKind<P>,
  rawParams: Record<string, unknown>,
  options: { address?: string; timeoutMs?: number; service?: string } = {},
): Promise<CheckOutcome & { elapsedMs: number }> {
  const parsed = kind.params.safeParse(rawParams);
  if (!parsed.success) throw new Error(`invalid ${kind.kind} params: ${parsed.error.message}`);
  const host = testHost(options.address);
  const service: Service | undefined = options.service
    ? {
        id: `${host.name}/${options.service}`,
        host: host.name,
        name: options.service,
        displayName: options.service,
        check: {
          kind: kind.kind,
          params: rawParams,
          intervalMs: 60_000,
          retryIntervalMs: 15_000,
          maxAttempts: 3,
          timeoutMs: options.timeoutMs ?? 10_000,
        },
        tags: [],
        vars: {},
        source: { file: 'test', line: 0 },
      }
    : undefined;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  sharedSpawner ??= new Spawner();
  const started = performance.now();
  try {
    const outcome = await kind.run(parsed.data, service ? { host, service } : { host }, {
      signal: controller.signal,
      timeoutMs,
      maxOutputBytes: 64 * 1024,
      userMacros: {},
      spawner: sharedSpawner,
    });
    return { ...outcome, elapsedMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** Validates params without running: returns the schema's error messages. */
export function paramErrors<P>(kind: CheckKind<P>, rawParams: Record<string, unknown>): string[] {
  const parsed = kind.params.safeParse(rawParams);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

/** The perfdata item of an outcome with this label, as a chart would look it up. */
export function perfDatum(outcome: { perfdata: PerfDatum[] }, label: string): PerfDatum | undefined {
  return outcome.perfdata.find((d) => d.label === label);
}
