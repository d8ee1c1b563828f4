import type { ScheduledMaintenance } from '../../store/incidents.ts';

/** Where an announced maintenance window stands at `now`. */
export function maintenanceState(
  window: Pick<ScheduledMaintenance, 'startsAt' | 'endsAt'>,
  now: number,
): 'upcoming' | 'in_progress' | 'completed' {
  if (now < window.startsAt) return 'upcoming';
  return now < window.endsAt ? 'in_progress' : 'completed';
}
