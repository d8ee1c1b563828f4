import type { LedgerKind } from '../store/availability.ts';

// The arithmetic of availability, pure: intervals in, figures out. Times are milliseconds;
// every span is half-open, [start, end).
//
// The honest rules, applied to each instant of a subject's time:
// 1. Scheduled maintenance counts as downtime (customers do not care why it is down). It
//    is tracked separately so a report can show it, never so it can hide it.
// 2. Otherwise, time Vigil itself was not watching is unknown: not up, not down, and left
//    out of the measured time (the denominator).
// 3. Otherwise the worst observed outage counts once, with its weight (a partial outage
//    counts half by default): overlapping outages are never counted twice.
// 4. Otherwise an `unknown` interval (a check that cannot tell) is unknown too.

export interface Span {
  start: number;
  end: number;
}

/** A ledger interval; an open one (end null) lasts to the end of the window it is classified in. */
export interface WeightedInterval {
  start: number;
  end: number | null;
  kind: LedgerKind | string;
  weight: number;
}

/** A stretch of a subject's time that is not plainly up. */
export interface Segment extends Span {
  state: 'down' | 'maintenance' | 'unknown';
  /** Share of the time counted as downtime: 1 for a full outage, 0 for unknown. */
  weight: number;
}

/** Sorted, non-overlapping spans covering the same time; touching spans are joined, empty ones dropped. */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const sorted = spans.filter((s) => s.end > s.start).sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const span of sorted) {
    const last = merged.at(-1);
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else merged.push({ start: span.start, end: span.end });
  }
  return merged;
}

/** The parts of spans inside a window. */
export function clipSpans(spans: readonly Span[], window: Span): Span[] {
  const clipped: Span[] = [];
  for (const span of spans) {
    const start = Math.max(span.start, window.start);
    const end = Math.min(span.end, window.end);
    if (end > start) clipped.push({ start, end });
  }
  return clipped;
}

export function totalLength(spans: readonly Span[]): number {
  let total = 0;
  for (const span of mergeSpans(spans)) total += span.end - span.start;
  return total;
}

/** The parts of a window no span covers. */
export function uncovered(spans: readonly Span[], window: Span): Span[] {
  const gaps: Span[] = [];
  let at = window.start;
  for (const span of mergeSpans(clipSpans(spans, window))) {
    if (span.start > at) gaps.push({ start: at, end: span.start });
    at = Math.max(at, span.end);
  }
  if (at < window.end) gaps.push({ start: at, end: window.end });
  return gaps;
}

// What an interval counts as, by the rules above; numbered so the sweep keeps plain numbers.
const MAINTENANCE = 0;
const OBSERVED = 1;
const UNKNOWN = 2;
const GAP = 3;

/**
 * Indices of `values` in ascending order of value. Ledger rows come sorted by start and
 * rarely overlap, so both orders are nearly sorted: an insertion sort puts the few stragglers
 * (a monitoring gap, an overlap) in place in about one pass; a shuffled list goes to the
 * general sort instead.
 */
function ascending(values: readonly number[]): number[] {
  const order: number[] = [];
  for (let index = 0; index < values.length; index++) order.push(index);
  let budget = 8 * values.length;
  for (let i = 1; i < order.length; i++) {
    const index = order[i] as number;
    const value = values[index] as number;
    let j = i - 1;
    for (; j >= 0 && (values[order[j] as number] as number) > value; j--) order[j + 1] = order[j] as number;
    order[j + 1] = index;
    budget -= i - 1 - j;
    if (budget < 0) return order.sort((a, b) => (values[a] as number) - (values[b] as number));
  }
  return order;
}

/** The largest of a few weights, 0 for none. */
function largest(weights: readonly number[]): number {
  let max = 0;
  for (const weight of weights) if (weight > max) max = weight;
  return max;
}

function removeOne(weights: number[], weight: number): void {
  const index = weights.indexOf(weight);
  if (index >= 0) weights.splice(index, 1);
}

/**
 * Classifies a subject's time inside `window` by the rules above. `monitoringGaps` are the
 * times Vigil was not running. Adjacent segments of the same state and weight are joined.
 */
export function classify(
  intervals: readonly WeightedInterval[],
  monitoringGaps: readonly Span[],
  window: Span,
): Segment[] {
  // Each interval and gap clipped to the window, in parallel arrays: a year of a subject's
  // history is hundreds of intervals, and reports classify a thousand subjects.
  const starts: number[] = [];
  const ends: number[] = [];
  const roles: number[] = [];
  const weights: number[] = [];
  const add = (start: number, end: number | null, role: number, weight: number) => {
    const from = Math.max(start, window.start);
    const to = end === null ? window.end : Math.min(end, window.end);
    if (to <= from) return;
    starts.push(from);
    ends.push(to);
    roles.push(role);
    weights.push(weight);
  };
  for (const interval of intervals) {
    if (interval.kind === 'maintenance') add(interval.start, interval.end, MAINTENANCE, interval.weight);
    else if (interval.kind === 'unknown') add(interval.start, interval.end, UNKNOWN, 0);
    else add(interval.start, interval.end, OBSERVED, interval.weight);
  }
  for (const gap of monitoringGaps) add(gap.start, gap.end, GAP, 0);

  // A sweep over the instants where something starts or ends, each instant's changes all
  // applied before the stretch up to the next one is classified.
  const byStart = ascending(starts);
  const byEnd = ascending(ends);
  // Few intervals of one subject overlap at once: plain arrays of active weights suffice.
  const maintenance: number[] = [];
  const observed: number[] = [];
  let unknownCount = 0;
  let gapCount = 0;
  const segments: Segment[] = [];
  const push = (start: number, end: number, state: Segment['state'], weight: number) => {
    const last = segments.at(-1);
    if (last && last.end === start && last.state === state && last.weight === weight) last.end = end;
    else segments.push({ start, end, state, weight });
  };
  const count = starts.length;
  let entered = 0;
  let left = 0;
  while (left < count) {
    const nextStart = entered < count ? (starts[byStart[entered] as number] as number) : Infinity;
    const at = Math.min(nextStart, ends[byEnd[left] as number] as number);
    for (; entered < count && starts[byStart[entered] as number] === at; entered++) {
      const index = byStart[entered] as number;
      const role = roles[index];
      if (role === MAINTENANCE) maintenance.push(weights[index] as number);
      else if (role === OBSERVED) observed.push(weights[index] as number);
      else if (role === UNKNOWN) unknownCount++;
      else gapCount++;
    }
    for (; left < count && ends[byEnd[left] as number] === at; left++) {
      const index = byEnd[left] as number;
      const role = roles[index];
      if (role === MAINTENANCE) removeOne(maintenance, weights[index] as number);
      else if (role === OBSERVED) removeOne(observed, weights[index] as number);
      else if (role === UNKNOWN) unknownCount--;
      else gapCount--;
    }
    if (left >= count) break;
    const next = Math.min(
      entered < count ? (starts[byStart[entered] as number] as number) : Infinity,
      ends[byEnd[left] as number] as number,
    );
    const worstObserved = largest(observed);
    if (maintenance.length > 0) push(at, next, 'maintenance', Math.max(worstObserved, largest(maintenance)));
    else if (gapCount > 0) push(at, next, 'unknown', 0);
    else if (observed.length > 0) {
      if (worstObserved > 0) push(at, next, 'down', worstObserved);
    } else if (unknownCount > 0) push(at, next, 'unknown', 0);
  }
  return segments;
}

/** What a report says about one subject in one period. Times in milliseconds. */
export interface Figures {
  /** Length of the period. */
  periodMs: number;
  /** Time Vigil knows the state of: the period minus unknown time (the denominator). */
  measuredMs: number;
  unknownMs: number;
  /** Weighted downtime, maintenance included. */
  downtimeMs: number;
  /** The part of downtimeMs that was scheduled maintenance. */
  maintenanceMs: number;
  /** Unplanned outages (merged stretches of downtime), counted in each period they touch. */
  incidents: number;
  longestIncidentMs: number;
  maintenanceWindows: number;
  /** 100 × (measured − downtime) / measured; null when nothing was measured. */
  availabilityPercent: number | null;
}

/**
 * Figures of a period from a subject's segments (from `classify` over any window that
 * contains the period). Segments must be sorted, as classify returns them.
 */
export function figuresOf(segments: readonly Segment[], period: Span, measuredUntil = period.end): Figures {
  const periodMs = period.end - period.start;
  const measuredEnd = Math.max(period.start, Math.min(period.end, measuredUntil));
  let unknownMs = 0;
  let downtimeMs = 0;
  let maintenanceMs = 0;
  let incidents = 0;
  let longestIncidentMs = 0;
  let maintenanceWindows = 0;
  // The incident and the maintenance window under way, as plain numbers (no closures or
  // objects: a year split into days asks for figures hundreds of thousands of times).
  let incidentStart: number | undefined;
  let incidentEnd = 0;
  let maintenanceEnd: number | undefined;
  for (let i = firstEndingAfter(segments, period.start); i < segments.length; i++) {
    const segment = segments[i] as Segment;
    if (segment.start >= period.end) break;
    const start = Math.max(segment.start, period.start);
    const end = Math.min(segment.end, period.end);
    if (end <= start) continue;
    const length = end - start;
    if (incidentStart !== undefined && (segment.state !== 'down' || start !== incidentEnd)) {
      longestIncidentMs = Math.max(longestIncidentMs, incidentEnd - incidentStart);
      incidentStart = undefined;
    }
    if (maintenanceEnd !== undefined && (segment.state !== 'maintenance' || start !== maintenanceEnd))
      maintenanceEnd = undefined;
    if (segment.state === 'unknown') unknownMs += length;
    else if (segment.state === 'maintenance') {
      downtimeMs += length * segment.weight;
      maintenanceMs += length * segment.weight;
      if (maintenanceEnd === undefined) maintenanceWindows++;
      maintenanceEnd = end;
    } else {
      downtimeMs += length * segment.weight;
      if (incidentStart === undefined) {
        incidentStart = start;
        incidents++;
      }
      incidentEnd = end;
    }
  }
  if (incidentStart !== undefined)
    longestIncidentMs = Math.max(longestIncidentMs, incidentEnd - incidentStart);
  // Time after "now" in a period that is still running is not measured yet.
  unknownMs = Math.min(unknownMs, measuredEnd - period.start);
  const measuredMs = Math.max(0, measuredEnd - period.start - unknownMs);
  const availabilityPercent =
    measuredMs > 0 ? Math.min(100, Math.max(0, (100 * (measuredMs - downtimeMs)) / measuredMs)) : null;
  return {
    periodMs,
    measuredMs,
    unknownMs,
    downtimeMs,
    maintenanceMs,
    incidents,
    longestIncidentMs,
    maintenanceWindows,
    availabilityPercent,
  };
}

/** The first segment that ends after `at`, found by binary search: reports split a year into days. */
function firstEndingAfter(segments: readonly Segment[], at: number): number {
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((segments[mid] as Segment).end <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface ErrorBudget {
  targetPercent: number;
  /** Downtime the target allows in the period's measured and still-to-come time. */
  allowedMs: number;
  usedMs: number;
  /** Negative when the budget is overspent. */
  remainingMs: number;
}

/**
 * The error budget of a period: (100 − target) % of the period, less its unknown time
 * (which is outside the measurement, as in the availability figure).
 */
export function errorBudget(figures: Figures, targetPercent: number): ErrorBudget {
  const base = Math.max(0, figures.periodMs - figures.unknownMs);
  const allowedMs = ((100 - targetPercent) / 100) * base;
  return {
    targetPercent,
    allowedMs,
    usedMs: figures.downtimeMs,
    remainingMs: allowedMs - figures.downtimeMs,
  };
}
