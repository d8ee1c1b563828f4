import type { Alert } from '../alerting/alert.ts';
import { HOST_STATE_NAMES, type Model, SERVICE_STATE_NAMES, type StateEvent } from '../model/types.ts';
import { describeProblem } from '../topology/describe-problem.ts';
import type { ProblemEvent } from '../topology/problem-tracker.ts';

// The daemon's live events, as the API streams them: plain JSON-ready data in the words an
// operator reads (state names, ISO times), published by the daemon and read by the
// Server-Sent Events route and anything else that subscribes.

export interface StateChange {
  object: string;
  kind: StateEvent['kind'];
  state: string;
  previous_state: string;
  state_type: StateEvent['stateType'];
  attempt: number;
  output: string;
  at: string;
}

export interface ProblemChange {
  kind: ProblemEvent['kind'];
  object: string;
  state: string;
  flapping: boolean;
  /** Hard problems this root cause explains. */
  affected: string[];
  degraded: string[];
  title: string;
  at: string;
}

export interface AcknowledgementChange {
  action: 'added' | 'removed';
  object: string;
  author: string | null;
  comment: string | null;
  at: string;
}

export interface DowntimeChange {
  action: 'scheduled' | 'started' | 'ended' | 'cancelled';
  /** The window id when known (scheduled, cancelled). */
  id: number | null;
  title: string;
  at: string;
}

export interface LiveEventData {
  state: StateChange;
  problem: ProblemChange;
  acknowledgement: AcknowledgementChange;
  downtime: DowntimeChange;
}

export type LiveEventType = keyof LiveEventData;
export const LIVE_EVENT_TYPES: readonly LiveEventType[] = ['state', 'problem', 'acknowledgement', 'downtime'];

export type LiveEvent = {
  [T in LiveEventType]: { id: number; type: T; data: LiveEventData[T] };
}[LiveEventType];

export type LiveEventListener = (event: LiveEvent) => void;

/**
 * A small typed publish/subscribe bus. Ids increase by one per published event, so a
 * stream reader can tell it missed some. Listeners run synchronously and must not throw
 * far: a failing listener is dropped rather than allowed to break the publisher (the
 * daemon's result path).
 */
export class EventBus {
  private nextId = 1;
  private readonly listeners = new Set<{ listener: LiveEventListener; types: ReadonlySet<LiveEventType> }>();
  private readonly closeListeners = new Set<() => void>();
  private closed = false;

  publish<T extends LiveEventType>(type: T, data: LiveEventData[T]): void {
    if (this.closed) return;
    const event = { id: this.nextId++, type, data } as LiveEvent;
    for (const entry of this.listeners) {
      if (!entry.types.has(type)) continue;
      try {
        entry.listener(event);
      } catch {
        this.listeners.delete(entry);
      }
    }
  }

  /** Calls `listener` for each event of `types` (all by default); returns the unsubscribe function. */
  subscribe(listener: LiveEventListener, types: readonly LiveEventType[] = LIVE_EVENT_TYPES): () => void {
    const entry = { listener, types: new Set(types) };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Told once when the bus closes (the daemon stops); at once if it already has. */
  onClose(listener: () => void): () => void {
    if (this.closed) {
      listener();
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => {
      this.closeListeners.delete(listener);
    };
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  get lastId(): number {
    return this.nextId - 1;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    for (const listener of this.closeListeners) listener();
    this.closeListeners.clear();
  }
}

function stateName(model: Model, objectId: string, state: number): string {
  const names = model.hosts.has(objectId) ? HOST_STATE_NAMES : SERVICE_STATE_NAMES;
  return names[state] ?? String(state);
}

/** Committed soft and hard state changes (flapping starts and stops included). */
export function publishStateEvents(bus: EventBus, model: Model, events: readonly StateEvent[]): void {
  for (const event of events) {
    bus.publish('state', {
      object: event.objectId,
      kind: event.kind,
      state: stateName(model, event.objectId, event.state),
      previous_state: stateName(model, event.objectId, event.previousState),
      state_type: event.stateType,
      attempt: event.attempt,
      output: event.output,
      at: new Date(event.at).toISOString(),
    });
  }
}

/** Root-cause problems opened or resolved, with what each explains. */
export function publishProblems(bus: EventBus, model: Model, problems: readonly ProblemEvent[]): void {
  for (const problem of problems) {
    bus.publish('problem', {
      kind: problem.kind,
      object: problem.objectId,
      state: stateName(model, problem.objectId, problem.state),
      flapping: problem.flapping,
      affected: problem.affected,
      degraded: problem.degraded,
      title: describeProblem(model, problem),
      at: new Date(problem.at).toISOString(),
    });
  }
}

/** Acknowledgements given and downtime windows starting or ending, as the daemon announces them. */
export function publishSuppressionAlerts(bus: EventBus, alerts: readonly Alert[]): void {
  for (const alert of alerts) {
    const at = new Date(alert.at).toISOString();
    if (alert.kind === 'acknowledgement') {
      bus.publish('acknowledgement', {
        action: 'added',
        object: alert.problem.objectId,
        author: alert.acknowledgement?.author ?? null,
        comment: alert.acknowledgement?.comment ?? null,
        at,
      });
    } else if (alert.kind === 'downtime-start' || alert.kind === 'downtime-end') {
      bus.publish('downtime', {
        action: alert.kind === 'downtime-start' ? 'started' : 'ended',
        id: null,
        title: alert.title,
        at,
      });
    }
  }
}
