// What the public status site shows, as plain data. The incident manager builds a snapshot
// from components, root-cause problems, incidents, maintenance and the availability ledger;
// the site generator turns a snapshot into static files and knows nothing else.

export type ComponentStatus =
  | 'operational'
  | 'degraded_performance'
  | 'partial_outage'
  | 'major_outage'
  | 'under_maintenance';

export type IncidentPhase = 'investigating' | 'identified' | 'monitoring' | 'resolved';

export type IncidentImpact = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';

export interface IncidentUpdate {
  id: string;
  phase: IncidentPhase;
  /** Plain text written by an operator or by Vigil; untrusted, escaped wherever it is shown. */
  message: string;
  /** ms since epoch */
  at: number;
}

export interface PublicIncident {
  id: string;
  title: string;
  impact: IncidentImpact;
  phase: IncidentPhase;
  /** Component names affected. */
  components: string[];
  /** When the failure began (the first hard failure), ms since epoch. */
  startedAt: number;
  /** First public post; the time from startedAt to this is what customers waited. */
  publishedAt: number;
  resolvedAt?: number;
  /** Newest first. */
  updates: IncidentUpdate[];
  postmortemUrl?: string;
  /** Deploys in the hour before the incident started, for the uptime page. */
  deploysBefore?: { service: string; version: string; at: number }[];
}

export interface PublicMaintenance {
  id: string;
  title: string;
  message: string;
  components: string[];
  startsAt: number;
  endsAt: number;
  /** Derived from the clock at generation time. */
  state: 'upcoming' | 'in_progress' | 'completed';
}

/** One day of a component's uptime bar. */
export interface UptimeDay {
  /** The day, YYYY-MM-DD in the site's time zone. */
  date: string;
  /** 0..100, or null when nothing is known (monitoring down, or before the component existed). */
  availabilityPercent: number | null;
  downtimeMinutes: number;
  /** Worst status seen that day. */
  worst: ComponentStatus;
  incidentIds: string[];
  /** Deploys of the component that day (absent: none). */
  deploys?: number;
  /** The first few of them, "service version", for the day's title. */
  deployed?: string[];
}

export interface PublicComponent {
  name: string;
  description: string;
  /** Parent component name; a component without one is a product. */
  parent?: string;
  status: ComponentStatus;
  /** The last 90 days, oldest first. */
  uptime: UptimeDay[];
  /** Availability over the uptime page's period ("since launch" or a configured date). */
  availabilityPercent: number | null;
  targetPercent?: number;
}

export interface StatusSnapshot {
  /** Site title, e.g. "Example Status". */
  title: string;
  /** Absolute URL where the site is served, for feeds and links. */
  siteUrl: string;
  timeZone: string;
  generatedAt: number;
  /** Worst status of the products: the page's headline. */
  overall: ComponentStatus;
  components: PublicComponent[];
  /** Open incidents first, then resolved ones, newest first. */
  incidents: PublicIncident[];
  maintenance: PublicMaintenance[];
  /** The uptime page: "available 99.99 % since 6 March: 6 incidents, 19 minutes". */
  uptimeSince: number;
}
