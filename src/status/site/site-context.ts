import type { PublicIncident, StatusSnapshot } from '../snapshot.ts';
import { componentIds } from './paths.ts';

/** What every page renderer needs besides the snapshot, computed once per generation. */
export interface SiteContext {
  snapshot: StatusSnapshot;
  /** Path of the content-hashed stylesheet, from the site root. */
  stylesheetPath: string;
  incidentsById: ReadonlyMap<string, PublicIncident>;
  componentIds: ReadonlyMap<string, string>;
}

export function siteContext(snapshot: StatusSnapshot, stylesheetPath: string): SiteContext {
  return {
    snapshot,
    stylesheetPath,
    incidentsById: new Map(snapshot.incidents.map((incident) => [incident.id, incident])),
    componentIds: componentIds(snapshot.components.map((c) => c.name)),
  };
}

/** The time of an incident's newest update, or of its first post. */
export function lastUpdateOf(incident: PublicIncident): number {
  let at = incident.resolvedAt ?? incident.publishedAt;
  for (const update of incident.updates) if (update.at > at) at = update.at;
  return at;
}
