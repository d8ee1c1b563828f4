import type { Model } from '../../model/types.ts';
import { parseLocalDateTime } from '../../model/zoned-time.ts';
import type { ScheduledMaintenance, ScheduledMaintenanceRecords } from '../../store/incidents.ts';
import type { DowntimeRecords } from '../../store/suppressions.ts';
import { checkComponents, IncidentRequestError } from './operator-changes.ts';
import { statusSiteOf } from './settings.ts';

// Announcing maintenance on the status site, from the CLI or the API. The announcement can be
// tied to Vigil downtime: an existing window by id, or new fixed windows over the members of
// the components for the same times (so the work is silenced for operators and counted as
// scheduled downtime, which availability counts like any other).

export class MaintenanceRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

export interface AnnounceRequest {
  title: string;
  components: string[];
  from: string;
  until: string;
  message: string;
  timeZone?: string;
  createDowntime?: boolean;
  downtimeId?: number;
}

export async function announceMaintenance(
  store: { scheduledMaintenance: ScheduledMaintenanceRecords; downtimes: DowntimeRecords },
  model: Model,
  request: AnnounceRequest,
  now: number,
  author: string,
): Promise<ScheduledMaintenance> {
  const title = request.title.trim();
  if (title === '' || title.length > 200)
    throw new MaintenanceRequestError('title must be 1 to 200 characters');
  let components: string[];
  try {
    components = checkComponents(model, request.components);
  } catch (error) {
    throw new MaintenanceRequestError(error instanceof IncidentRequestError ? error.message : String(error));
  }
  const zone = request.timeZone ?? statusSiteOf(model.settings).timeZone;
  const startsAt = parseLocalDateTime(request.from, zone);
  if (startsAt === undefined)
    throw new MaintenanceRequestError(
      `from "${request.from}" is not a time (2026-03-16T02:00, or with Z / an offset)`,
    );
  const endsAt = parseLocalDateTime(request.until, zone);
  if (endsAt === undefined)
    throw new MaintenanceRequestError(
      `until "${request.until}" is not a time (2026-03-16T04:00, or with Z / an offset)`,
    );
  if (endsAt <= startsAt) throw new MaintenanceRequestError('until must be after from');
  if (endsAt <= now) throw new MaintenanceRequestError('until is in the past: nothing to announce');
  if (request.createDowntime && request.downtimeId !== undefined)
    throw new MaintenanceRequestError('give downtime or downtime_id, not both');
  let downtimeId: number | null = null;
  const created: number[] = [];
  if (request.downtimeId !== undefined) {
    const window = await store.downtimes.get(request.downtimeId);
    if (!window) throw new MaintenanceRequestError(`no downtime ${request.downtimeId}`, 404);
    downtimeId = window.id;
  } else if (request.createDowntime) {
    const members = new Set(components.flatMap((name) => model.components.get(name)?.members ?? []));
    for (const member of [...members].sort()) {
      const saved = await store.downtimes.add({
        target: { kind: model.services.has(member) ? 'service' : 'host', name: member },
        includeServices: false,
        includeChildren: false,
        type: 'fixed',
        startAt: startsAt,
        endAt: endsAt,
        durationMs: null,
        recurrence: null,
        timeZone: zone,
        author,
        comment: `maintenance: ${title}`,
        createdAt: now,
      });
      downtimeId ??= saved.id;
      created.push(saved.id);
    }
  }
  return store.scheduledMaintenance.add({
    title,
    message: request.message.trim(),
    components,
    startsAt,
    endsAt,
    downtimeId,
    createdDowntimeIds: created,
    author,
    createdAt: now,
  });
}

/**
 * Withdraws an announcement and cancels the downtime windows it created (a window it was only
 * tied to with downtime_id was scheduled on its own, and stays). Returns the windows cancelled.
 */
export async function cancelMaintenance(
  store: { scheduledMaintenance: ScheduledMaintenanceRecords; downtimes: DowntimeRecords },
  id: number,
  now: number,
): Promise<{ cancelledDowntimeIds: number[] }> {
  const announced = Number.isSafeInteger(id) && id > 0 ? await store.scheduledMaintenance.get(id) : undefined;
  if (!announced) throw new MaintenanceRequestError(`no maintenance announcement ${id}`, 404);
  if (!(await store.scheduledMaintenance.cancel(id, now)))
    throw new MaintenanceRequestError(`maintenance ${id} was already cancelled`, 409);
  const cancelledDowntimeIds: number[] = [];
  for (const downtimeId of announced.createdDowntimeIds)
    if (await store.downtimes.cancel(downtimeId, now)) cancelledDowntimeIds.push(downtimeId);
  return { cancelledDowntimeIds };
}
