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

type Change = {
  at: number;
  enter: boolean;
  role: 'maintenance' | 'observed' | 'unknown' | 'gap';
  weight: number;
};

/**
 * Classifies a subject's time inside `window` by the rules above. `monitoringGaps` are the
 * times Vigil was not running. Adjacent segments of the same state and weight are joined.
 */
export function classify(
  intervals: readonly WeightedInterval[],
  monitoringGaps: readonly Span[],
  window: Span,
): Segment[] {
  const changes: Change[] = [];
  const add = (span: { start: number; end: number | null }, role: Change['role'], weight: number) => {
    const start = Math.max(span.start, window.start);
    const end = span.end === null ? window.end : Math.min(span.end, window.end);
    if (end <= start) return;
    changes.push({ at: start, enter: true, role, weight }, { at: end, enter: false, role, weight });
  };
  for (const interval of intervals) {
    const role =
      interval.kind === 'maintenance' ? 'maintenance' : interval.kind === 'unknown' ? 'unknown' : 'observed';
    add(interval, role, role === 'unknown' ? 0 : interval.weight);
  }
  for (const gap of monitoringGaps) add(gap, 'gap', 0);
  changes.sort((a, b) => a.at - b.at);

  // Few intervals of one subject overlap at once: plain arrays of active weights suffice.
  const maintenance: number[] = [];
  const observed: number[] = [];
  let unknownCount = 0;
  let gapCount = 0;
  const segments: Segment[] = [];
  const remove = (list: number[], weight: number) => {
    const index = list.indexOf(weight);
    if (index >= 0) list.splice(index, 1);
  };
  const push = (start: number, end: number, state: Segment['state'], weight: number) => {
    const last = segments.at(-1);
    if (last && last.end === start && last.state === state && last.weight === weight) last.end = end;
    else segments.push({ start, end, state, weight });
  };
  for (let i = 0; i < changes.length; ) {
    const at = (changes[i] as Change).at;
    for (; i < changes.length && (changes[i] as Change).at === at; i++) {
      const change = changes[i] as Change;
      if (change.role === 'maintenance') {
        if (change.enter) maintenance.push(change.weight);
        else remove(maintenance, change.weight);
      } else if (change.role === 'observed') {
        if (change.enter) observed.push(change.weight);
        else remove(observed, change.weight);
      } else if (change.role === 'unknown') unknownCount += change.enter ? 1 : -1;
      else gapCount += change.enter ? 1 : -1;
    }
    const next = changes[i]?.at;
    if (next === undefined) break;
    const worstObserved = observed.length > 0 ? Math.max(...observed) : 0;
    if (maintenance.length > 0) push(at, next, 'maintenance', Math.max(worstObserved, ...maintenance));
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
  let incident: Span | undefined;
  let maintenanceRun: Span | undefined;
  const endIncident = () => {
    if (incident) longestIncidentMs = Math.max(longestIncidentMs, incident.end - incident.start);
    incident = undefined;
  };
  for (const segment of segmentsIn(segments, period)) {
    const start = Math.max(segment.start, period.start);
    const end = Math.min(segment.end, period.end);
    if (end <= start) continue;
    const length = end - start;
    if (incident && (segment.state !== 'down' || start !== incident.end)) endIncident();
    if (maintenanceRun && (segment.state !== 'maintenance' || start !== maintenanceRun.end))
      maintenanceRun = undefined;
    if (segment.state === 'unknown') unknownMs += length;
    else if (segment.state === 'maintenance') {
      downtimeMs += length * segment.weight;
      maintenanceMs += length * segment.weight;
      if (maintenanceRun) maintenanceRun.end = end;
      else {
        maintenanceRun = { start, end };
        maintenanceWindows++;
      }
    } else {
      downtimeMs += length * segment.weight;
      if (incident) incident.end = end;
      else {
        incident = { start, end };
        incidents++;
      }
    }
  }
  endIncident();
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

/** Segments overlapping a period, found by binary search: reports split a year into days. */
function* segmentsIn(segments: readonly Segment[], period: Span): Generator<Segment> {
  let lo = 0;
  let hi = segments.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((segments[mid] as Segment).end <= period.start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < segments.length; i++) {
    const segment = segments[i] as Segment;
    if (segment.start >= period.end) return;
    yield segment;
  }
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
