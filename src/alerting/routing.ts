import { isInPeriod } from '../model/time-period.ts';
import type { Model, Route } from '../model/types.ts';
import type { Alert, Delivery } from './alert.ts';
import type { Stage } from './pipeline.ts';

/**
 * Routes decide who hears about a problem and how urgently: the first matching route wins
 * (later ones too while a route says `continue`). A route without receivers is "nothing".
 * Alerts no route takes stop here.
 */
export function routeAlerts(model: Model): Stage {
  return (alerts) => {
    const routed: Alert[] = [];
    for (const alert of alerts) {
      const deliveries: Delivery[] = [];
      const escalations: Alert['escalations'] = [];
      for (const route of model.routes) {
        if (!matches(model, route, alert)) continue;
        if (alert.kind !== 'recovery' || route.resolved) deliveries.push(...deliveriesOf(route));
        if (route.escalate) escalations.push({ policy: route.escalate, route: route.name });
        if (!route.continue) break;
      }
      const unique = dedupeByReceiver(deliveries);
      // Recoveries and acknowledgements go on even without route receivers: escalation
      // adds the people it paged.
      const ending = alert.kind === 'recovery' || alert.kind === 'acknowledgement';
      if (unique.length > 0 || escalations.length > 0 || ending)
        routed.push({ ...alert, deliveries: unique, escalations });
    }
    return routed;
  };
}

function matches(model: Model, route: Route, alert: Alert): boolean {
  const { match } = route;
  const problem = alert.problem;
  if (match.objectType === 'host' && problem.service !== null) return false;
  if (match.objectType === 'service' && problem.service === null) return false;
  // A recovery matches the route its problem did: judge it by the state it recovered from.
  // A downtime note has no problem state: it goes wherever the objects' problems would.
  const stateless =
    alert.kind === 'recovery' || alert.kind === 'downtime-start' || alert.kind === 'downtime-end';
  if (match.states.length > 0 && !stateless && !match.states.includes(problem.state)) return false;
  if (match.tags.length > 0 && !problem.tags.some((tag) => match.tags.includes(tag))) return false;
  if (match.during && !isInPeriod(match.during, alert.at)) return false;
  if (match.outside && isInPeriod(match.outside, alert.at)) return false;
  if (match.hostGroups.length > 0) {
    const groups = model.hosts.get(problem.host)?.groups ?? [];
    if (!groups.some((group) => match.hostGroups.includes(group))) return false;
  }
  if (match.affectsTags.length > 0) {
    const tagged = (id: string) => {
      const service = model.services.get(id);
      const host = model.hosts.get(service ? service.host : id);
      return [...(service?.tags ?? []), ...(host?.tags ?? [])].some((tag) => match.affectsTags.includes(tag));
    };
    if (!tagged(problem.objectId) && !problem.affected.some(tagged)) return false;
  }
  return true;
}

function deliveriesOf(route: Route): Delivery[] {
  const group =
    route.groupWaitMs > 0 ? { waitMs: route.groupWaitMs, intervalMs: route.groupIntervalMs } : undefined;
  const grouped = (receiver: string, urgency: 'chat' | 'email'): Delivery => ({
    receiver,
    urgency,
    route: route.name,
    ...(group ? { group } : {}),
  });
  return [
    ...route.page.map((receiver) => ({ receiver, urgency: 'page' as const, route: route.name })),
    ...route.chat.map((receiver) => grouped(receiver, 'chat')),
    ...route.email.map((receiver) => grouped(receiver, 'email')),
  ];
}

/** One delivery per receiver: the most urgent wins when routes overlap. */
export function dedupeByReceiver(deliveries: Delivery[]): Delivery[] {
  const rank = { page: 0, chat: 1, email: 2 };
  const best = new Map<string, Delivery>();
  for (const delivery of deliveries) {
    const seen = best.get(delivery.receiver);
    if (!seen || rank[delivery.urgency] < rank[seen.urgency]) best.set(delivery.receiver, delivery);
  }
  return [...best.values()];
}
