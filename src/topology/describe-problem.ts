import { HOST_STATE_NAMES, type Model, SERVICE_STATE_NAMES } from '../model/types.ts';
import type { ProblemEvent } from './problem-tracker.ts';

/**
 * One line an operator can act on: "tor-b4 DOWN — 38 hosts unreachable, 211 services
 * affected (room 2, cabinet B4)".
 */
export function describeProblem(model: Model, event: ProblemEvent): string {
  const host = model.hosts.get(event.objectId);
  const service = model.services.get(event.objectId);
  const stateName = host ? HOST_STATE_NAMES[event.state] : SERVICE_STATE_NAMES[event.state];
  const what =
    event.kind === 'resolved'
      ? 'recovered'
      : event.flapping
        ? 'is flapping'
        : (stateName ?? String(event.state));
  const parts: string[] = [];
  if (event.kind === 'opened') {
    const hosts = event.affected.filter((id) => model.hosts.has(id)).length;
    const services = event.affected.length - hosts;
    if (hosts > 0) parts.push(`${hosts} host${hosts === 1 ? '' : 's'} unreachable`);
    if (services > 0) parts.push(`${services} service${services === 1 ? '' : 's'} affected`);
    const degraded = event.degraded.length;
    if (degraded > 0) parts.push(`${degraded} losing redundancy`);
  }
  const location = model.hosts.get(host ? host.name : (service?.host ?? ''))?.location;
  const where = [
    location?.room && `room ${location.room}`,
    location?.cabinet && `cabinet ${location.cabinet}`,
  ]
    .filter(Boolean)
    .join(', ');
  return `${event.objectId} ${what}${parts.length > 0 ? ` — ${parts.join(', ')}` : ''}${where ? ` (${where})` : ''}`;
}
