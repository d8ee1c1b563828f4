import type {
  ComponentStatus,
  PublicComponent,
  PublicIncident,
  PublicMaintenance,
  StatusSnapshot,
} from '../snapshot.ts';
import { isoTime } from './dates.ts';
import { absoluteUrl, incidentPath } from './paths.ts';
import { lastUpdateOf, type SiteContext } from './site-context.ts';
import { HEADLINE } from './wording.ts';

// api/v2/*.json: the shape of the common hosted status page APIs (page, status, components,
// incidents, scheduled_maintenances), so existing widgets and scripts can read it. Documented in
// docs/status/site.md; field names are snake_case as those APIs have them.

export type Indicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';

export interface PageJson {
  id: string;
  name: string;
  url: string;
  time_zone: string;
  updated_at: string;
}

export interface StatusJson {
  indicator: Indicator;
  description: string;
}

export interface ComponentJson {
  id: string;
  name: string;
  description: string;
  status: ComponentStatus;
  position: number;
  /** Id of the parent component (a product), or null. */
  group_id: string | null;
  /** Whether other components name this one as their parent. */
  group: boolean;
  components: string[];
  uptime: { days: number; availability_percent: number | null; target_percent: number | null };
}

export interface IncidentUpdateJson {
  id: string;
  status: PublicIncident['phase'];
  body: string;
  created_at: string;
  display_at: string;
}

export interface IncidentJson {
  id: string;
  name: string;
  status: PublicIncident['phase'];
  impact: PublicIncident['impact'];
  /** The first hard failure. */
  started_at: string;
  /** The first public post. */
  created_at: string;
  updated_at: string;
  resolved_at: string | null;
  shortlink: string;
  postmortem_url: string | null;
  components: { id: string; name: string }[];
  incident_updates: IncidentUpdateJson[];
}

export interface MaintenanceJson {
  id: string;
  name: string;
  status: 'scheduled' | 'in_progress' | 'completed';
  impact: 'maintenance';
  scheduled_for: string;
  scheduled_until: string;
  components: { id: string; name: string }[];
  incident_updates: { id: string; status: string; body: string; created_at: string }[];
}

/** Incidents in incidents.json, newest first, as the common APIs return them. */
export const INCIDENTS_IN_JSON = 50;

const INDICATOR: Record<ComponentStatus, Indicator> = {
  operational: 'none',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
  under_maintenance: 'maintenance',
};

function pageJson(snapshot: StatusSnapshot): PageJson {
  return {
    id: snapshot.siteUrl || snapshot.title,
    name: snapshot.title,
    url: snapshot.siteUrl,
    time_zone: snapshot.timeZone,
    updated_at: isoTime(snapshot.generatedAt),
  };
}

function componentRefs(context: SiteContext, names: readonly string[]): { id: string; name: string }[] {
  return names.map((name) => ({ id: context.componentIds.get(name) ?? name, name }));
}

function componentJson(context: SiteContext, component: PublicComponent, position: number): ComponentJson {
  const children = context.snapshot.components.filter((c) => c.parent === component.name);
  const parentId = component.parent === undefined ? undefined : context.componentIds.get(component.parent);
  return {
    id: context.componentIds.get(component.name) ?? component.name,
    name: component.name,
    description: component.description,
    status: component.status,
    position,
    group_id: parentId ?? null,
    group: children.length > 0,
    components: children.map((c) => context.componentIds.get(c.name) ?? c.name),
    uptime: {
      days: component.uptime.length,
      availability_percent: component.availabilityPercent,
      target_percent: component.targetPercent ?? null,
    },
  };
}

function incidentJson(context: SiteContext, incident: PublicIncident): IncidentJson {
  return {
    id: incident.id,
    name: incident.title,
    status: incident.phase,
    impact: incident.impact,
    started_at: isoTime(incident.startedAt),
    created_at: isoTime(incident.publishedAt),
    updated_at: isoTime(lastUpdateOf(incident)),
    resolved_at: incident.resolvedAt === undefined ? null : isoTime(incident.resolvedAt),
    shortlink: absoluteUrl(context.snapshot, incidentPath(incident.id)),
    postmortem_url: incident.postmortemUrl ?? null,
    components: componentRefs(context, incident.components),
    incident_updates: incident.updates.map((u) => ({
      id: u.id,
      status: u.phase,
      body: u.message,
      created_at: isoTime(u.at),
      display_at: isoTime(u.at),
    })),
  };
}

function maintenanceJson(context: SiteContext, window: PublicMaintenance): MaintenanceJson {
  return {
    id: window.id,
    name: window.title,
    status: window.state === 'upcoming' ? 'scheduled' : window.state,
    impact: 'maintenance',
    scheduled_for: isoTime(window.startsAt),
    scheduled_until: isoTime(window.endsAt),
    components: componentRefs(context, window.components),
    incident_updates: window.message
      ? [
          {
            id: `${window.id}-announcement`,
            status: 'scheduled',
            body: window.message,
            created_at: isoTime(window.startsAt),
          },
        ]
      : [],
  };
}

/** The five documents, by their path in the site. */
export function renderApiJson(context: SiteContext): Map<string, string> {
  const { snapshot } = context;
  const page = pageJson(snapshot);
  const status: StatusJson = {
    indicator: INDICATOR[snapshot.overall],
    description: HEADLINE[snapshot.overall],
  };
  const components = snapshot.components.map((c, i) => componentJson(context, c, i + 1));
  const open = snapshot.incidents
    .filter((i) => i.resolvedAt === undefined)
    .map((i) => incidentJson(context, i));
  const recent = [...snapshot.incidents]
    .sort((a, b) => b.startedAt - a.startedAt)
    .slice(0, INCIDENTS_IN_JSON)
    .map((i) => incidentJson(context, i));
  const maintenance = snapshot.maintenance.map((m) => maintenanceJson(context, m));
  const active = maintenance.filter((m) => m.status !== 'completed');
  const json = (value: unknown) => `${JSON.stringify(value)}\n`;
  return new Map([
    [
      'api/v2/summary.json',
      json({ page, status, components, incidents: open, scheduled_maintenances: active }),
    ],
    ['api/v2/status.json', json({ page, status })],
    ['api/v2/components.json', json({ page, components })],
    ['api/v2/incidents.json', json({ page, incidents: recent })],
    ['api/v2/scheduled-maintenances.json', json({ page, scheduled_maintenances: maintenance })],
  ]);
}
