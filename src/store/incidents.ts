// Status-site incidents with their updates, and maintenance announcements, shared by both
// backends through kysely. Nothing is deleted: a resolved incident keeps its times for the
// time-to-first-post report, a cancelled announcement its record. Single statements, no
// kysely transactions: on SQLite the engine's synchronous writes share the connection, so a
// change that takes two statements is written so that a crash between them is harmless.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type {
  IncidentsTable,
  IncidentUpdatesTable,
  ScheduledMaintenanceTable,
  VigilDatabase,
} from './schema.ts';

export type IncidentPhase = 'investigating' | 'identified' | 'monitoring' | 'resolved';
export type IncidentImpact = 'none' | 'minor' | 'major' | 'critical' | 'maintenance';
/** A draft is not public; a withdrawn draft never was (its causes recovered before it went out). */
export type IncidentStatus = 'draft' | 'published' | 'resolved' | 'withdrawn';

/** A root-cause problem behind an incident. */
export interface IncidentCause {
  objectId: string;
  /** When its hard failure began. */
  openedAt: number;
  /** Null while it is still failing. */
  recoveredAt: number | null;
  /** The operator's one line for it: "tor-b4 DOWN — 38 hosts unreachable". */
  description: string;
}

export interface IncidentUpdateRecord {
  id: number;
  incidentId: number;
  phase: IncidentPhase;
  /** Untrusted text; escaped wherever it is shown. */
  message: string;
  at: number;
  /** Who wrote it: a username, or "vigil" for automatic updates. */
  author: string;
  /** Subscribers have been sent it. */
  notified: boolean;
}

export interface IncidentRecord {
  id: number;
  title: string;
  impact: IncidentImpact;
  phase: IncidentPhase;
  status: IncidentStatus;
  components: string[];
  causes: IncidentCause[];
  startedAt: number;
  createdAt: number;
  publishAt: number | null;
  heldBy: string;
  publishedAt: number | null;
  firstPostMs: number | null;
  resolvedAt: number | null;
  resolveAt: number | null;
  postmortemUrl: string | null;
  origin: 'automatic' | 'operator';
  updatedAt: number;
  /** Newest first. */
  updates: IncidentUpdateRecord[];
}

export type NewIncident = Pick<
  IncidentRecord,
  'title' | 'impact' | 'phase' | 'components' | 'causes' | 'startedAt' | 'createdAt' | 'publishAt' | 'origin'
> & { status: 'draft' | 'published' };

/** Fields a change may set; times in ms. */
export type IncidentChanges = Partial<
  Pick<
    IncidentRecord,
    | 'title'
    | 'impact'
    | 'phase'
    | 'status'
    | 'components'
    | 'causes'
    | 'publishAt'
    | 'heldBy'
    | 'publishedAt'
    | 'firstPostMs'
    | 'resolvedAt'
    | 'resolveAt'
    | 'postmortemUrl'
  >
> & { updatedAt: number };

export interface NewIncidentUpdate {
  phase: IncidentPhase;
  message: string;
  at: number;
  author: string;
  /** Already told (or nothing to tell): an update written while the incident is a draft. */
  notified?: boolean;
}

export interface IncidentQuery {
  statuses?: IncidentStatus[];
  /** Incidents whose failure began at or after this. */
  since?: number;
  limit?: number;
}

/** One published incident's first post, for the time-to-first-post report. */
export interface FirstPost {
  id: number;
  startedAt: number;
  publishedAt: number;
  firstPostMs: number;
}

const ms = (time: number | null) => (time === null ? null : Math.round(time));
const num = (value: number | string | null) => (value === null ? null : Number(value));

function parseList<T>(text: string): T[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? (parsed as T[]) : [];
  } catch {
    return [];
  }
}

function updateFromRow(row: Selectable<IncidentUpdatesTable>): IncidentUpdateRecord {
  return {
    id: Number(row.id),
    incidentId: Number(row.incident_id),
    phase: row.phase as IncidentPhase,
    message: row.message,
    at: Number(row.at),
    author: row.author,
    notified: row.notified !== 0,
  };
}

function incidentFromRow(row: Selectable<IncidentsTable>, updates: IncidentUpdateRecord[]): IncidentRecord {
  return {
    id: Number(row.id),
    title: row.title,
    impact: row.impact as IncidentImpact,
    phase: row.phase as IncidentPhase,
    status: row.status as IncidentStatus,
    components: parseList<string>(row.components),
    causes: parseList<IncidentCause>(row.causes),
    startedAt: Number(row.started_at),
    createdAt: Number(row.created_at),
    publishAt: num(row.publish_at),
    heldBy: row.held_by,
    publishedAt: num(row.published_at),
    firstPostMs: num(row.first_post_ms),
    resolvedAt: num(row.resolved_at),
    resolveAt: num(row.resolve_at),
    postmortemUrl: row.postmortem_url,
    origin: row.origin === 'operator' ? 'operator' : 'automatic',
    updatedAt: Number(row.updated_at),
    updates,
  };
}

export class IncidentRecords {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  /** Records a new incident with its first update. */
  async create(incident: NewIncident, first: Omit<NewIncidentUpdate, 'at'>): Promise<IncidentRecord> {
    const row = await this.db
      .insertInto('incidents')
      .values({
        title: incident.title,
        impact: incident.impact,
        phase: incident.phase,
        status: incident.status,
        components: JSON.stringify(incident.components),
        causes: JSON.stringify(incident.causes),
        started_at: Math.round(incident.startedAt),
        created_at: Math.round(incident.createdAt),
        publish_at: ms(incident.publishAt),
        held_by: '',
        published_at: incident.status === 'published' ? Math.round(incident.createdAt) : null,
        first_post_ms:
          incident.status === 'published'
            ? Math.max(0, Math.round(incident.createdAt - incident.startedAt))
            : null,
        resolved_at: null,
        resolve_at: null,
        postmortem_url: null,
        origin: incident.origin,
        updated_at: Math.round(incident.createdAt),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const id = Number(row.id);
    await this.addUpdate(id, { ...first, at: incident.createdAt, notified: first.notified ?? false });
    return (await this.get(id)) as IncidentRecord;
  }

  async get(id: number): Promise<IncidentRecord | undefined> {
    const row = await this.db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return incidentFromRow(row, await this.updatesOf([id]).then((m) => m.get(id) ?? []));
  }

  /** Newest first (by the start of the failure). */
  async list(query: IncidentQuery = {}): Promise<IncidentRecord[]> {
    let select = this.db
      .selectFrom('incidents')
      .selectAll()
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc');
    if (query.statuses)
      select = select.where('status', 'in', query.statuses.length > 0 ? query.statuses : ['']);
    if (query.since !== undefined) select = select.where('started_at', '>=', Math.round(query.since));
    if (query.limit !== undefined) select = select.limit(query.limit);
    const rows = await select.execute();
    const updates = await this.updatesOf(rows.map((r) => Number(r.id)));
    return rows.map((row) => incidentFromRow(row, updates.get(Number(row.id)) ?? []));
  }

  /** Drafts and published incidents not yet resolved. */
  open(): Promise<IncidentRecord[]> {
    return this.list({ statuses: ['draft', 'published'] });
  }

  /**
   * Applies changes if the incident is (still) in one of `onlyIf` statuses; returns whether it
   * was. The condition makes the daemon's automatic publish and an operator's hold race safely.
   */
  async change(id: number, changes: IncidentChanges, onlyIf?: IncidentStatus[]): Promise<boolean> {
    const set: Updateable<IncidentsTable> = {
      updated_at: Math.round(changes.updatedAt),
    };
    if (changes.title !== undefined) set.title = changes.title;
    if (changes.impact !== undefined) set.impact = changes.impact;
    if (changes.phase !== undefined) set.phase = changes.phase;
    if (changes.status !== undefined) set.status = changes.status;
    if (changes.components !== undefined) set.components = JSON.stringify(changes.components);
    if (changes.causes !== undefined) set.causes = JSON.stringify(changes.causes);
    if (changes.publishAt !== undefined) set.publish_at = ms(changes.publishAt);
    if (changes.heldBy !== undefined) set.held_by = changes.heldBy;
    if (changes.publishedAt !== undefined) set.published_at = ms(changes.publishedAt);
    if (changes.firstPostMs !== undefined) set.first_post_ms = ms(changes.firstPostMs);
    if (changes.resolvedAt !== undefined) set.resolved_at = ms(changes.resolvedAt);
    if (changes.resolveAt !== undefined) set.resolve_at = ms(changes.resolveAt);
    if (changes.postmortemUrl !== undefined) set.postmortem_url = changes.postmortemUrl;
    let update = this.db.updateTable('incidents').set(set).where('id', '=', id);
    if (onlyIf) update = update.where('status', 'in', onlyIf);
    const result = await update.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async addUpdate(incidentId: number, update: NewIncidentUpdate): Promise<IncidentUpdateRecord> {
    const row = await this.db
      .insertInto('incident_updates')
      .values({
        incident_id: incidentId,
        phase: update.phase,
        message: update.message,
        at: Math.round(update.at),
        author: update.author,
        notified: update.notified ? 1 : 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return {
      id: Number(row.id),
      incidentId,
      phase: update.phase,
      message: update.message,
      at: Math.round(update.at),
      author: update.author,
      notified: update.notified ?? false,
    };
  }

  /** Draft updates go public with the incident: their time becomes the publication's. */
  async retimeUpdates(incidentId: number, at: number): Promise<void> {
    await this.db
      .updateTable('incident_updates')
      .set({ at: Math.round(at) })
      .where('incident_id', '=', incidentId)
      .where('at', '<', Math.round(at))
      .execute();
  }

  /** Public updates not yet sent to subscribers, oldest first, with their incidents. */
  async unnotified(limit = 200): Promise<{ incident: IncidentRecord; update: IncidentUpdateRecord }[]> {
    const rows = await this.db
      .selectFrom('incident_updates')
      .innerJoin('incidents', 'incidents.id', 'incident_updates.incident_id')
      .select('incident_updates.id as update_id')
      .select('incident_updates.incident_id as incident_id')
      .where('incident_updates.notified', '=', 0)
      .where('incidents.status', 'in', ['published', 'resolved'])
      .orderBy('incident_updates.id')
      .limit(limit)
      .execute();
    const byIncident = new Map<number, IncidentRecord | undefined>();
    const pending: { incident: IncidentRecord; update: IncidentUpdateRecord }[] = [];
    for (const row of rows) {
      const incidentId = Number(row.incident_id);
      if (!byIncident.has(incidentId)) byIncident.set(incidentId, await this.get(incidentId));
      const incident = byIncident.get(incidentId);
      const update = incident?.updates.find((u) => u.id === Number(row.update_id));
      if (incident && update) pending.push({ incident, update });
    }
    return pending;
  }

  async markNotified(updateIds: number[]): Promise<void> {
    if (updateIds.length === 0) return;
    await this.db.updateTable('incident_updates').set({ notified: 1 }).where('id', 'in', updateIds).execute();
  }

  /** Published incidents whose failure began in [since, until), oldest first. */
  async firstPosts(since: number, until: number): Promise<FirstPost[]> {
    const rows = await this.db
      .selectFrom('incidents')
      .select(['id', 'started_at', 'published_at', 'first_post_ms'])
      .where('published_at', 'is not', null)
      .where('started_at', '>=', Math.round(since))
      .where('started_at', '<', Math.round(until))
      .orderBy('started_at')
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      startedAt: Number(row.started_at),
      publishedAt: Number(row.published_at),
      firstPostMs: Number(row.first_post_ms ?? Number(row.published_at) - Number(row.started_at)),
    }));
  }

  /** The newest change to anything public: what the status site is regenerated on. */
  async lastPublicChange(): Promise<number> {
    const row = await this.db
      .selectFrom('incidents')
      .select((eb) => eb.fn.max('updated_at').as('last'))
      .where('status', 'in', ['published', 'resolved'])
      .executeTakeFirst();
    return row?.last === null || row?.last === undefined ? 0 : Number(row.last);
  }

  private async updatesOf(ids: number[]): Promise<Map<number, IncidentUpdateRecord[]>> {
    const byIncident = new Map<number, IncidentUpdateRecord[]>();
    if (ids.length === 0) return byIncident;
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('incident_updates')
        .selectAll()
        .where('incident_id', 'in', ids.slice(i, i + 500))
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .execute();
      for (const row of rows) {
        const update = updateFromRow(row);
        const list = byIncident.get(update.incidentId);
        if (list) list.push(update);
        else byIncident.set(update.incidentId, [update]);
      }
    }
    return byIncident;
  }
}

/** A maintenance announcement: its window, what it touches, and its tie to a downtime window. */
export interface ScheduledMaintenance {
  id: number;
  title: string;
  message: string;
  components: string[];
  startsAt: number;
  endsAt: number;
  /** The downtime window it is tied to (an existing one, or the first it created). */
  downtimeId: number | null;
  /** The downtime windows it created, one per member of its components: cancelled with it. */
  createdDowntimeIds: number[];
  author: string;
  createdAt: number;
  cancelledAt: number | null;
}

export type NewScheduledMaintenance = Omit<
  ScheduledMaintenance,
  'id' | 'cancelledAt' | 'createdDowntimeIds'
> & {
  createdDowntimeIds?: number[];
};

function maintenanceFromRow(row: Selectable<ScheduledMaintenanceTable>): ScheduledMaintenance {
  return {
    id: Number(row.id),
    title: row.title,
    message: row.message,
    components: parseList<string>(row.components),
    startsAt: Number(row.starts_at),
    endsAt: Number(row.ends_at),
    downtimeId: num(row.downtime_id),
    createdDowntimeIds: parseList<number | string>(row.downtime_ids).map(Number),
    author: row.author,
    createdAt: Number(row.created_at),
    cancelledAt: num(row.cancelled_at),
  };
}

export class ScheduledMaintenanceRecords {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  async add(entry: NewScheduledMaintenance): Promise<ScheduledMaintenance> {
    const row = await this.db
      .insertInto('scheduled_maintenance')
      .values({
        title: entry.title,
        message: entry.message,
        components: JSON.stringify(entry.components),
        starts_at: Math.round(entry.startsAt),
        ends_at: Math.round(entry.endsAt),
        downtime_id: entry.downtimeId,
        downtime_ids: JSON.stringify(entry.createdDowntimeIds ?? []),
        author: entry.author,
        created_at: Math.round(entry.createdAt),
        cancelled_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await this.get(Number(row.id))) as ScheduledMaintenance;
  }

  async get(id: number): Promise<ScheduledMaintenance | undefined> {
    const row = await this.db
      .selectFrom('scheduled_maintenance')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? maintenanceFromRow(row) : undefined;
  }

  /** Announcements whose window ends at or after `since` (cancelled ones too, if asked), soonest first. */
  async list(options: { since?: number; includeCancelled?: boolean } = {}): Promise<ScheduledMaintenance[]> {
    let select = this.db.selectFrom('scheduled_maintenance').selectAll().orderBy('starts_at').orderBy('id');
    if (options.since !== undefined) select = select.where('ends_at', '>=', Math.round(options.since));
    if (!options.includeCancelled) select = select.where('cancelled_at', 'is', null);
    return (await select.execute()).map(maintenanceFromRow);
  }

  /** Cancels an announcement still in force; returns whether one was. */
  async cancel(id: number, at: number): Promise<boolean> {
    const result = await this.db
      .updateTable('scheduled_maintenance')
      .set({ cancelled_at: Math.round(at) })
      .where('id', '=', id)
      .where('cancelled_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The newest change (an announcement made or cancelled), for regenerating the site. */
  async lastChange(): Promise<number> {
    const row = await this.db
      .selectFrom('scheduled_maintenance')
      .select((eb) => [eb.fn.max('created_at').as('created'), eb.fn.max('cancelled_at').as('cancelled')])
      .executeTakeFirst();
    return Math.max(Number(row?.created ?? 0), Number(row?.cancelled ?? 0));
  }
}
