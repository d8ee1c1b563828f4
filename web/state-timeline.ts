import type { StateEvent } from '../src/model/types.ts';

// The state-history bars of a detail page: which state an object was in over a time range,
// from its hard state changes. Pure, so the drawing can be tested without a store.

export interface TimelineSegment {
  start: number;
  end: number;
  /** Host or service state number, as the events carry it. */
  state: number;
}

/**
 * Segments covering [since, until), in order. `events` may come in any order and may include
 * soft changes (ignored: the timeline shows what counted); `current` is the state now, used
 * when nothing changed in the range.
 */
export function timelineSegments(
  events: readonly StateEvent[],
  since: number,
  until: number,
  current: number | undefined,
): TimelineSegment[] {
  const hard = events
    .filter((e) => (e.kind === 'hard-change' || e.kind === 'recovery') && e.at < until)
    .sort((a, b) => a.at - b.at);
  const before = hard.filter((e) => e.at <= since).at(-1);
  const inside = hard.filter((e) => e.at > since);
  let state = before?.state ?? inside[0]?.previousState ?? current;
  if (state === undefined) return [];
  const segments: TimelineSegment[] = [];
  let start = since;
  for (const event of inside) {
    if (event.state === state) continue;
    segments.push({ start, end: event.at, state });
    start = event.at;
    state = event.state;
  }
  segments.push({ start, end: until, state });
  return segments.filter((s) => s.end > s.start);
}
