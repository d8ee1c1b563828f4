import type { IncidentImpact, IncidentPhase } from '../../store/incidents.ts';
import type { ComponentStatus } from '../snapshot.ts';

// What Vigil writes on the status site by itself, in plain words customers read. Internal
// names (hosts, switches, services) never appear here: they stay in the incident's causes,
// which operators see in the CLI and the API.

/** "API", "API and Campfire", "API, Campfire and Highrise". */
export function listOf(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? 'some services';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The impact customers feel, from the worst status among the affected components. */
export function impactOf(statuses: readonly ComponentStatus[]): IncidentImpact {
  if (statuses.includes('major_outage')) return 'critical';
  if (statuses.includes('partial_outage')) return 'major';
  return 'minor';
}

export function automaticTitle(components: readonly string[], impact: IncidentImpact): string {
  const names = listOf(components);
  switch (impact) {
    case 'critical':
      return `${names} ${components.length === 1 ? 'is' : 'are'} unavailable`;
    case 'major':
      return `Partial outage of ${names}`;
    case 'maintenance':
      return `Maintenance of ${names}`;
    default:
      return `Degraded performance of ${names}`;
  }
}

export const PHASE_LABELS: Record<IncidentPhase, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export function firstMessage(components: readonly string[]): string {
  return `We are investigating a problem affecting ${listOf(components)}. We will post updates here.`;
}

export function spreadMessage(added: readonly string[]): string {
  return `The problem now also affects ${listOf(added)}. We are investigating.`;
}

export function returnedMessage(components: readonly string[]): string {
  return `The problem affecting ${listOf(components)} has returned. We are investigating.`;
}

export function recoveringMessage(components: readonly string[]): string {
  return `A fix is in place and ${listOf(components)} ${components.length === 1 ? 'is' : 'are'} recovering. We are monitoring the results.`;
}

export function resolvedMessage(components: readonly string[]): string {
  return `This incident has been resolved: ${listOf(components)} ${components.length === 1 ? 'is' : 'are'} operating normally.`;
}
