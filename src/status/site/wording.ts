import type { ComponentStatus, IncidentImpact, IncidentPhase, PublicMaintenance } from '../snapshot.ts';

// What customers read for each status, phase and impact. Colour is never the only signal:
// every coloured mark has one of these words beside it or in its text alternative.

export const STATUS_LABEL: Record<ComponentStatus, string> = {
  operational: 'Operational',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
  under_maintenance: 'Under maintenance',
};

export const HEADLINE: Record<ComponentStatus, string> = {
  operational: 'All systems operational',
  degraded_performance: 'Some systems have degraded performance',
  partial_outage: 'Partial system outage',
  major_outage: 'Major system outage',
  under_maintenance: 'Maintenance in progress',
};

export const PHASE_LABEL: Record<IncidentPhase, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
};

export const IMPACT_LABEL: Record<IncidentImpact, string> = {
  none: 'No impact',
  minor: 'Minor',
  major: 'Major',
  critical: 'Critical',
  maintenance: 'Maintenance',
};

export const MAINTENANCE_LABEL: Record<PublicMaintenance['state'], string> = {
  upcoming: 'Scheduled',
  in_progress: 'In progress',
  completed: 'Completed',
};

/** Short CSS class per status: s-op, s-deg, s-part, s-major, s-maint. */
export const STATUS_CLASS: Record<ComponentStatus, string> = {
  operational: 's-op',
  degraded_performance: 's-deg',
  partial_outage: 's-part',
  major_outage: 's-major',
  under_maintenance: 's-maint',
};

/** A percentage as customers read it: 99.99 %, never rounded up to 100 unless it is. */
export function formatPercent(percent: number): string {
  if (percent >= 100) return '100 %';
  const digits = percent >= 99 ? 3 : 2;
  const text = (Math.floor(percent * 10 ** digits) / 10 ** digits).toFixed(digits).replace(/\.?0+$/, '');
  return `${text} %`;
}

/** 19 minutes, 2 h 5 min, 3 d 4 h. */
export function formatMinutes(minutes: number): string {
  const m = Math.round(minutes);
  if (m < 60) return `${m} minute${m === 1 ? '' : 's'}`;
  if (m < 1440) return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(m / 1440)} d${Math.floor((m % 1440) / 60) ? ` ${Math.floor((m % 1440) / 60)} h` : ''}`;
}
