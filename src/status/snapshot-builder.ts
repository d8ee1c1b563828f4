import { localDayOf, startOfLocalDay } from '../availability/periods.ts';
import type { AvailabilityRow } from '../availability/report.ts';
import { availabilityOptions, loadAvailabilityReport } from '../availability/report-loader.ts';
import { componentDeployNames, deploysBeforeAmong } from '../model/deploy-subjects.ts';
import type { Component, Model, StatusSiteSettings } from '../model/types.ts';
import { DAY_MS, isoDate } from '../model/zoned-time.ts';
import { DEPLOY_LOOKBACK_MS, type Deploy } from '../store/deploys.ts';
import type { IncidentImpact, IncidentRecord, ScheduledMaintenance } from '../store/incidents.ts';
import type { Store } from '../store/store.ts';
import { overallStatus, worseOf } from './component-status.ts';
import { maintenanceState } from './incidents/maintenance-state.ts';
import { statusSiteOf } from './incidents/settings.ts';
import type {
  ComponentStatus,
  PublicComponent,
  PublicIncident,
  PublicMaintenance,
  StatusSnapshot,
  UptimeDay,
} from './snapshot.ts';

// The status site's input, built from the components and their statuses, the published
// incidents (drafts and withdrawn drafts never appear), announced maintenance and the
// availability ledger. `buildStatusSnapshot` is pure; `loadStatusSnapshot` reads the store.

export const UPTIME_DAYS = 90;

/** Availability figures from the ledger: one row per component and day, and one per component for the uptime period. */
export interface AvailabilityFigures {
  days: readonly AvailabilityRow[];
  whole: readonly AvailabilityRow[];
}

export interface SnapshotInput {
  site: StatusSiteSettings;
  components: ReadonlyMap<string, Component>;
  statuses: ReadonlyMap<string, ComponentStatus>;
  incidents: readonly IncidentRecord[];
  maintenance: readonly ScheduledMaintenance[];
  /** Absent: uptime days come from the incidents alone (see uptimeDays). */
  availability?: AvailabilityFigures;
  /** The start of the uptime page's period. */
  uptimeSince: number;
  /**
   * Deploys, oldest first, from an hour before the earliest incident (and the first uptime
   * day) on: incidents list those of the hour before they started, uptime days mark theirs.
   */
  deploys?: readonly Deploy[];
  /** The monitored services, so that a deploy naming a component's service by its name counts. */
  services?: Model['services'];
  now: number;
}

/** Longest list of deploys named in one uptime day's title; the rest are counted. */
const DEPLOYS_NAMED_PER_DAY = 3;

const IMPACT_STATUS: Record<IncidentImpact, ComponentStatus> = {
  none: 'operational',
  minor: 'degraded_performance',
  major: 'partial_outage',
  critical: 'major_outage',
  maintenance: 'under_maintenance',
};

function isPublic(incident: IncidentRecord): boolean {
  return (incident.status === 'published' || incident.status === 'resolved') && incident.publishedAt !== null;
}

export function publicIncident(
  incident: IncidentRecord,
  deploysBefore: readonly Deploy[] = [],
): PublicIncident {
  return {
    id: String(incident.id),
    title: incident.title,
    impact: incident.impact,
    phase: incident.phase,
    components: incident.components,
    startedAt: incident.startedAt,
    publishedAt: incident.publishedAt as number,
    ...(incident.resolvedAt !== null && incident.status === 'resolved'
      ? { resolvedAt: incident.resolvedAt }
      : {}),
    updates: incident.updates
      .filter((u) => u.at >= (incident.publishedAt as number))
      .map((u) => ({ id: String(u.id), phase: u.phase, message: u.message, at: u.at })),
    ...(incident.postmortemUrl ? { postmortemUrl: incident.postmortemUrl } : {}),
    ...(deploysBefore.length > 0
      ? { deploysBefore: deploysBefore.map((d) => ({ service: d.service, version: d.version, at: d.at })) }
      : {}),
  };
}

/** The deploys an incident lists: those of its components in the hour before it started. */
export function incidentDeploys(
  components: ReadonlyMap<string, Component>,
  model: Pick<Model, 'services'>,
  incident: Pick<IncidentRecord, 'components' | 'startedAt'>,
  deploys: readonly Deploy[],
): Deploy[] {
  const names = componentDeployNames({ components, services: model.services }, incident.components);
  return deploysBeforeAmong(deploys, names, incident.startedAt, DEPLOY_LOOKBACK_MS);
}

/** The component and every component under it. */
function subtree(
  components: ReadonlyMap<string, Component>,
  name: string,
  seen = new Set<string>(),
): Set<string> {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const child of components.get(name)?.children ?? []) subtree(components, child, seen);
  return seen;
}

/**
 * The last 90 days of one component, oldest first. The seam between the ledger and the
 * incidents: figures come from the availability ledger when given; without it a day is
 * "unknown" (null) and only its worst status and incidents come from the incidents.
 */
export function uptimeDays(
  input: SnapshotInput,
  component: Component,
  incidents: readonly PublicIncident[],
): UptimeDay[] {
  const zone = input.site.timeZone;
  const today = localDayOf(input.now, zone);
  const names = subtree(input.components, component.name);
  const rows = new Map<string, AvailabilityRow>();
  for (const row of input.availability?.days ?? [])
    if (row.subject.id === component.name) rows.set(row.period.label, row);
  const deployNames = componentDeployNames(
    { components: input.components, services: input.services ?? new Map() },
    [component.name],
  );
  const deploys = (input.deploys ?? []).filter((d) => deployNames.has(d.service));
  const days: UptimeDay[] = [];
  for (let day = today - UPTIME_DAYS + 1; day <= today; day++) {
    const start = startOfLocalDay(day, zone);
    const end = startOfLocalDay(day + 1, zone);
    const date = isoDate(day);
    let worst: ComponentStatus = 'operational';
    const incidentIds: string[] = [];
    for (const incident of incidents) {
      if (!incident.components.some((c) => names.has(c))) continue;
      if (incident.startedAt >= end || (incident.resolvedAt ?? input.now) < start) continue;
      incidentIds.push(incident.id);
      worst = worseOf(worst, IMPACT_STATUS[incident.impact]);
    }
    for (const window of input.maintenance)
      if (window.components.some((c) => names.has(c)) && window.startsAt < end && window.endsAt > start)
        worst = worseOf(worst, 'under_maintenance');
    const row = rows.get(date);
    if (row && row.downtimeMinutes > 0 && worst === 'operational') worst = 'degraded_performance';
    const deployed = deploys.filter((d) => d.at >= start && d.at < end);
    days.push({
      date,
      availabilityPercent: row ? row.availabilityPercent : null,
      downtimeMinutes: row ? row.downtimeMinutes : 0,
      worst,
      incidentIds,
      ...(deployed.length > 0 ? { deploys: deployed.length, deployed: deployLabels(deployed) } : {}),
    });
  }
  return days;
}

/** "api 2.4.0, web 1.1 and 3 more": the deploys named in a day's title. */
function deployLabels(deploys: readonly Deploy[]): string[] {
  return deploys.slice(0, DEPLOYS_NAMED_PER_DAY).map((d) => `${d.service} ${d.version}`);
}

export function buildStatusSnapshot(input: SnapshotInput): StatusSnapshot {
  const services = input.services ?? new Map();
  const shown = input.incidents
    .filter(isPublic)
    .map((incident) =>
      publicIncident(
        incident,
        incidentDeploys(input.components, { services }, incident, input.deploys ?? []),
      ),
    );
  const open = shown.filter((i) => i.resolvedAt === undefined).sort((a, b) => b.startedAt - a.startedAt);
  const closed = shown.filter((i) => i.resolvedAt !== undefined).sort((a, b) => b.startedAt - a.startedAt);
  const incidents = [...open, ...closed];
  const whole = new Map((input.availability?.whole ?? []).map((row) => [row.subject.id, row]));
  const components: PublicComponent[] = [...input.components.values()].map((component) => ({
    name: component.name,
    description: component.description,
    ...(component.parent !== undefined ? { parent: component.parent } : {}),
    status: input.statuses.get(component.name) ?? 'operational',
    uptime: uptimeDays(input, component, incidents),
    availabilityPercent: whole.get(component.name)?.availabilityPercent ?? null,
    ...(component.targetPercent !== undefined ? { targetPercent: component.targetPercent } : {}),
  }));
  const maintenance: PublicMaintenance[] = input.maintenance
    .filter((w) => w.cancelledAt === null)
    .map((w) => ({
      id: String(w.id),
      title: w.title,
      message: w.message,
      components: w.components,
      startsAt: w.startsAt,
      endsAt: w.endsAt,
      state: maintenanceState(w, input.now),
    }));
  return {
    title: input.site.title,
    siteUrl: input.site.siteUrl,
    timeZone: input.site.timeZone,
    generatedAt: input.now,
    overall: overallStatus(input.components, input.statuses),
    components,
    incidents,
    maintenance,
    uptimeSince: input.uptimeSince,
  };
}

/** Reads incidents, maintenance and the ledger, and builds the snapshot for the given statuses. */
export async function loadStatusSnapshot(
  store: Pick<Store, 'incidents' | 'scheduledMaintenance' | 'availability' | 'deploys'>,
  model: Model,
  statuses: ReadonlyMap<string, ComponentStatus>,
  now: number,
): Promise<StatusSnapshot> {
  const site = statusSiteOf(model.settings);
  const zone = site.timeZone;
  const firstDay = startOfLocalDay(localDayOf(now, zone) - UPTIME_DAYS + 1, zone);
  const tomorrow = startOfLocalDay(localDayOf(now, zone) + 1, zone);
  const open = await store.incidents.list({ statuses: ['published'] });
  const earliest = site.uptimeSince > 0 ? Math.min(site.uptimeSince, firstDay) : firstDay;
  const resolved = await store.incidents.list({ statuses: ['resolved'], since: earliest - DAY_MS });
  const maintenance = await store.scheduledMaintenance.list({ since: firstDay });
  const availability = await availabilityFigures(store, model, site, firstDay, tomorrow, now);
  const incidents = [...open, ...resolved];
  // One read for the incidents' hours before and the uptime days, filtered by the pure builder.
  const deploysSince = Math.min(firstDay, ...incidents.map((i) => i.startedAt)) - DEPLOY_LOOKBACK_MS;
  const deploys = await store.deploys.list({ since: deploysSince, until: tomorrow });
  return buildStatusSnapshot({
    site,
    components: model.components,
    statuses,
    incidents,
    maintenance,
    deploys,
    services: model.services,
    ...(availability ? { availability } : {}),
    uptimeSince: site.uptimeSince > 0 ? site.uptimeSince : (availability?.since ?? firstDay),
    now,
  });
}

async function availabilityFigures(
  store: Pick<Store, 'availability'>,
  model: Model,
  site: StatusSiteSettings,
  firstDay: number,
  tomorrow: number,
  now: number,
): Promise<(AvailabilityFigures & { since: number }) | undefined> {
  if (model.components.size === 0) return undefined;
  const base = availabilityOptions(model, {}, now, site.timeZone);
  if (typeof base === 'string') return undefined;
  const subjects = [...model.components.values()].map((c) => ({
    kind: c.parent === undefined ? ('product' as const) : ('component' as const),
    id: c.name,
    ...(c.parent !== undefined ? { parent: c.parent } : {}),
    ...(c.targetPercent !== undefined ? { targetPercent: c.targetPercent } : {}),
  }));
  const days = await loadAvailabilityReport(store, {
    ...base,
    since: firstDay,
    until: tomorrow,
    unit: 'day',
    timeZone: site.timeZone,
    subjects,
  });
  const whole = await loadAvailabilityReport(store, {
    ...base,
    since: site.uptimeSince > 0 ? site.uptimeSince : undefined,
    until: now,
    unit: undefined,
    timeZone: site.timeZone,
    subjects,
  });
  return { days: days.rows, whole: whole.rows, since: Date.parse(whole.since) };
}
