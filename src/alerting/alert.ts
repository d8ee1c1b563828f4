import type { Model, ObjectState } from '../model/types.ts';
import { HOST_STATE_NAMES, SERVICE_STATE_NAMES } from '../model/types.ts';
import { describeProblem } from '../topology/describe-problem.ts';
import type { ProblemEvent } from '../topology/problem-tracker.ts';
import type { NotificationKind, ProblemSummary, Urgency } from './notification.ts';

/** Where a route sends an alert: a receiver, at an urgency. */
export interface Delivery {
  receiver: string;
  urgency: Urgency;
  route: string;
  /** Chat and email wait to be sent together with others of the same route (pages never wait). */
  group?: { waitMs: number; intervalMs: number };
}

/** What flows through the alert pipeline: a root-cause problem event, and (after routing) its deliveries. */
export interface Alert {
  kind: NotificationKind;
  /** When the event happened; with the object id and kind it identifies the alert. */
  at: number;
  problem: ProblemSummary;
  title: string;
  deliveries: Delivery[];
  /** Escalation policies the matching routes named, each with the route's name. */
  escalations: { policy: string; route: string }[];
  /** Tells repeated notifications of one alert apart (an escalation step), for their ids. */
  sequence?: string;
  /** Who acknowledged and why, on acknowledgement alerts. */
  acknowledgement?: { author: string; comment: string };
}

/** Builds the alert for a problem event, in the words and facts an operator needs. */
export function alertFromProblem(model: Model, event: ProblemEvent, state: ObjectState | undefined): Alert {
  const service = model.services.get(event.objectId);
  const host = model.hosts.get(service ? service.host : event.objectId);
  const names = service ? SERVICE_STATE_NAMES : HOST_STATE_NAMES;
  const affectedHosts = event.affected.filter((id) => model.hosts.has(id)).length;
  const kind: NotificationKind =
    event.kind === 'resolved' ? 'recovery' : event.flapping ? 'flapping' : 'problem';
  return {
    kind,
    at: event.at,
    title: describeProblem(model, event),
    deliveries: [],
    escalations: [],
    problem: {
      objectId: event.objectId,
      host: host?.name ?? event.objectId,
      service: service?.name ?? null,
      state: names[event.state] ?? String(event.state),
      output: state?.output ?? '',
      since: state?.lastHardStateChange ?? event.at,
      affected: event.affected,
      affectedHosts,
      affectedServices: event.affected.length - affectedHosts,
      degraded: event.degraded,
      location: host?.location ?? {},
      flapping: event.flapping,
      tags: [...new Set([...(service?.tags ?? []), ...(host?.tags ?? [])])],
    },
  };
}
