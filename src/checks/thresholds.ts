import { z } from 'zod';
import { type ServiceState, ServiceState as State } from '../model/types.ts';

/**
 * A threshold range in the Monitoring Plugins syntax, shared by every check kind:
 *
 *   `10`     alert when the value is below 0 or above 10
 *   `10:`    alert below 10
 *   `~:10`   alert above 10
 *   `10:20`  alert outside 10..20
 *   `@10:20` alert inside 10..20 (inclusive)
 */
export interface ThresholdRange {
  start: number;
  end: number;
  /** True for `@` ranges: alert when the value is inside. */
  alertInside: boolean;
  /** As written, for perfdata. */
  text: string;
}

const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Parses a range, or returns an error message saying what is wrong with it. */
export function parseRange(input: string | number): ThresholdRange | string {
  const text = String(input).trim();
  if (text === '') return 'threshold is empty';
  const alertInside = text.startsWith('@');
  const body = alertInside ? text.slice(1) : text;
  const colon = body.indexOf(':');
  let start: number;
  let end: number;
  if (colon === -1) {
    if (!NUMBER.test(body))
      return `threshold "${text}" is not a number or range (examples: 10, 10:, ~:10, 10:20, @10:20)`;
    start = 0;
    end = Number(body);
  } else {
    const low = body.slice(0, colon);
    const high = body.slice(colon + 1);
    if (low === '~') start = Number.NEGATIVE_INFINITY;
    else if (low === '') start = 0;
    else if (NUMBER.test(low)) start = Number(low);
    else return `threshold "${text}" has a start that is not a number or "~"`;
    if (high === '') end = Number.POSITIVE_INFINITY;
    else if (NUMBER.test(high)) end = Number(high);
    else return `threshold "${text}" has an end that is not a number`;
  }
  if (start > end) return `threshold "${text}" starts above its end`;
  return { start, end, alertInside, text };
}

/** A range written in code, such as a kind's default: a bad one is a programming error, so it throws. */
export function fixedRange(input: string | number): ThresholdRange {
  const range = parseRange(input);
  if (typeof range === 'string') throw new Error(range);
  return range;
}

/** Whether `value` is outside the range (or inside, for `@` ranges): the alert condition. */
export function breaches(range: ThresholdRange, value: number): boolean {
  const inside = value >= range.start && value <= range.end;
  return range.alertInside ? inside : !inside;
}

/** Config schema for one threshold: a range string or a plain number. */
export const thresholdSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const range = parseRange(value);
  if (typeof range === 'string') {
    ctx.addIssue({ code: 'custom', message: range });
    return z.NEVER;
  }
  return range;
});

/** `warn` / `crit` settings for one measured value. */
export interface Thresholds {
  warn?: ThresholdRange | undefined;
  crit?: ThresholdRange | undefined;
}

/** The state a value earns against its thresholds: CRITICAL beats WARNING beats OK. */
export function stateFor(value: number, thresholds: Thresholds): ServiceState {
  if (thresholds.crit && breaches(thresholds.crit, value)) return State.CRITICAL;
  if (thresholds.warn && breaches(thresholds.warn, value)) return State.WARNING;
  return State.OK;
}

/** Severity order used to combine several findings into one state: CRITICAL, WARNING, UNKNOWN, OK. */
const SEVERITY: Record<ServiceState, number> = { 0: 0, 3: 1, 1: 2, 2: 3 };

export function worstState(states: Iterable<ServiceState>): ServiceState {
  let worst: ServiceState = State.OK;
  for (const state of states) if (SEVERITY[state] > SEVERITY[worst]) worst = state;
  return worst;
}

/**
 * The `warn` / `crit` range texts of a PerfDatum, as written in the config, so charts and exports
 * draw a native kind's thresholds exactly as they draw a plugin's; an unset range stays absent.
 */
export function perfdataRanges(thresholds: Thresholds): { warn?: string; crit?: string } {
  const texts: { warn?: string; crit?: string } = {};
  if (thresholds.warn) texts.warn = thresholds.warn.text;
  if (thresholds.crit) texts.crit = thresholds.crit.text;
  return texts;
}

/** The range a value breached to earn `state` (from `stateFor`), for status texts like "(outside 30)". */
export function breachedRange(state: ServiceState, thresholds: Thresholds): string {
  return (state === State.CRITICAL ? thresholds.crit?.text : thresholds.warn?.text) ?? '';
}
