// What the native (in-process) check kinds share: racing driver calls against the per-check
// timeout, the plugin-style status line, time perfdata, error texts and password params. Threshold
// texts for perfdata and status lines live beside the ranges themselves, in thresholds.ts.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import {
  type PerfDatum,
  SERVICE_STATE_NAMES,
  type ServiceState,
  ServiceState as State,
} from '../model/types.ts';
import type { CheckOutcome } from './check.ts';
import { breachedRange, perfdataRanges, stateFor, type Thresholds, thresholdSchema } from './thresholds.ts';

/** Rejection of `untilAbort`: lets a kind tell its own timeout apart from a driver's error. */
export class TimedOut extends Error {}

/**
 * `promise`, or a `TimedOut` rejection as soon as `signal` aborts, whichever comes first: drivers
 * keep waiting after their socket is destroyed, and a check must answer at its timeout. The abort
 * listener is removed once the promise settles, so a long run does not pile up listeners.
 */
export function untilAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      // Nobody awaits the promise any more; its late failure must not become an unhandled rejection.
      promise.catch(() => {});
      reject(new TimedOut());
      return;
    }
    const onAbort = () => reject(new TimedOut());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Outcomes whose status line reads like a Monitoring Plugin's, "MYSQL CRITICAL - <text>", so
 * operators see native and plugin checks alike: `const outcome = outcomeFor('MYSQL')`.
 */
export function outcomeFor(
  service: string,
): (state: ServiceState, text: string, longOutput?: string, perfdata?: PerfDatum[]) => CheckOutcome {
  return (state, text, longOutput = '', perfdata = []) => ({
    exitCode: state,
    output: `${service} ${SERVICE_STATE_NAMES[state]} - ${text}`,
    longOutput,
    perfdata,
  });
}

/** Seconds since the call, read as often as needed: `const elapsed = stopwatch(); ... elapsed()`. */
export function stopwatch(): () => number {
  const started = performance.now();
  return () => (performance.now() - started) / 1000;
}

/** A time in seconds as perfdata (unit s, microsecond precision), with its ranges when it has thresholds. */
export function timeDatum(label: string, seconds: number, thresholds: Thresholds = {}): PerfDatum {
  return { label, value: Number(seconds.toFixed(6)), unit: 's', min: 0, ...perfdataRanges(thresholds) };
}

/** One thing a check found, with the state it earns; the worst finding is the check's state. */
export interface Finding {
  state: ServiceState;
  text: string;
}

/**
 * A finding when `value` breaches its thresholds, worded `<what> (outside <range>)` so operators see
 * which limit was crossed; none when it is within. Spread it: `findings.push(...outsideThresholds(...))`.
 */
export function outsideThresholds(value: number, thresholds: Thresholds, what: string): Finding[] {
  const state = stateFor(value, thresholds);
  return state === State.OK ? [] : [{ state, text: `${what} (outside ${breachedRange(state, thresholds)})` }];
}

/** The status text of a check stopped at its timeout, naming what it was waiting for. */
export function noAnswerWithin(where: string, timeoutMs: number, phase: string): string {
  return `no answer from ${where} within ${timeoutMs / 1000}s (while ${phase})`;
}

/**
 * An error as a status line names it: the bare errno code (ECONNREFUSED, ETIMEDOUT, ENOENT) where
 * there is one, since that is what operators search for, else the driver's message.
 */
export function errorText(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e.code && /^E[A-Z]+$/.test(e.code)) return e.code;
  return e.message ?? String(error);
}

/** `password` and `password_file` params, spelled and documented alike by every kind that logs in. */
export const passwordParams = {
  password: z.string().optional(),
  /** Read at every run, so a rotated secret needs no reload; a trailing newline is dropped. */
  password_file: z.string().min(1).optional(),
};

/** Replication lag, a query of the user's own and total time: the same params for every database kind. */
export const databaseTimingParams = {
  /** Seconds a replica or standby is behind; default warn 30, crit 120. */
  lag_warn: thresholdSchema.optional(),
  lag_crit: thresholdSchema.optional(),
  /** A query of your own, run after the built-in ones; its time is `time_query`. */
  query: z.string().min(1).optional(),
  /** Total time in seconds (connect and all queries). */
  warn: thresholdSchema.optional(),
  crit: thresholdSchema.optional(),
};

interface PasswordSource {
  password?: string | undefined;
  password_file?: string | undefined;
}

/** Refinement for a schema with `passwordParams`: `.refine(...onePasswordSource)`; two sources would be ambiguous. */
export const onePasswordSource: [(p: PasswordSource) => boolean, { message: string; path: string[] }] = [
  (p) => p.password === undefined || p.password_file === undefined,
  { message: 'give password or password_file, not both', path: ['password_file'] },
];

/**
 * The password to log in with, reading `password_file` now (not at config load) so a rotated secret
 * takes effect at the next run; `unreadable` says why the file could not be read.
 */
export async function readPassword(
  p: PasswordSource,
): Promise<{ password: string | undefined } | { unreadable: string }> {
  if (p.password_file === undefined) return { password: p.password };
  try {
    return { password: (await readFile(p.password_file, 'utf8')).replace(/\r?\n$/, '') };
  } catch (error) {
    return { unreadable: `cannot read password_file ${p.password_file}: ${errorText(error)}` };
  }
}
