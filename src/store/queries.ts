// Reads shared by both backends, built with kysely over the common schema. Writes and
// maintenance are backend-specific: they are the hot or long-running paths.
import type { Kysely } from 'kysely';
import type { CheckResult, ObjectState, StateEvent, StateEventKind } from '../model/types.ts';
import { HOUR_MS, parsePerfdata } from './retention.ts';
import { eventFromRow, resultFromRow, stateFromRow, type VigilDatabase } from './schema.ts';
import type { HistoryQuery, PerfSample, ResultQuery } from './store.ts';

/** Largest id list sent in one statement: under SQLite's and PostgreSQL's parameter limits. */
const IDS_PER_STATEMENT = 1000;

export class StoreReads {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  async loadStates(): Promise<ObjectState[]> {
    const rows = await this.db.selectFrom('object_states').selectAll().orderBy('object_id').execute();
    return rows.map(stateFromRow);
  }

  async history(query: HistoryQuery): Promise<StateEvent[]> {
    let select = this.db
      .selectFrom('state_events')
      .select(['object_id', 'kind', 'at', 'state', 'previous_state', 'state_type', 'attempt', 'output'])
      .orderBy('at', 'desc')
      .orderBy('id', 'desc');
    select = query.includeServices
      ? select.where('host_id', '=', query.objectId)
      : select.where('object_id', '=', query.objectId);
    if (query.since !== undefined) select = select.where('at', '>=', query.since);
    if (query.until !== undefined) select = select.where('at', '<=', query.until);
    if (query.limit !== undefined) select = select.limit(query.limit);
    const rows = await select.execute();
    return rows.map(eventFromRow);
  }

  async eventsBetween(since: number, until: number, kinds?: StateEventKind[]): Promise<StateEvent[]> {
    let select = this.db
      .selectFrom('state_events')
      .select(['object_id', 'kind', 'at', 'state', 'previous_state', 'state_type', 'attempt', 'output'])
      .where('at', '>=', Math.round(since))
      .where('at', '<', Math.round(until))
      .orderBy('at')
      .orderBy('id');
    if (kinds !== undefined) select = select.where('kind', 'in', kinds.length > 0 ? kinds : ['']);
    const rows = await select.execute();
    return rows.map(eventFromRow);
  }

  async results(query: ResultQuery): Promise<CheckResult[]> {
    let select = this.db
      .selectFrom('check_results')
      .selectAll()
      .where('object_id', '=', query.objectId)
      .where('started_at', '>=', query.since)
      .where('started_at', '<=', query.until)
      .orderBy('started_at', 'desc');
    if (query.limit !== undefined) select = select.limit(query.limit);
    const rows = await select.execute();
    return rows.map(resultFromRow);
  }

  async perfdata(objectId: string, since: number, until: number): Promise<PerfSample[]> {
    // Maintenance moves each sample from check_results to perfdata_hourly in one
    // transaction, so the two never hold the same sample and can simply be concatenated.
    const [hourly, raw] = await Promise.all([
      this.db
        .selectFrom('perfdata_hourly')
        .selectAll()
        .where('object_id', '=', objectId)
        .where('hour_start', '>', since - HOUR_MS)
        .where('hour_start', '<=', until)
        .execute(),
      this.db
        .selectFrom('check_results')
        .select(['started_at', 'perfdata'])
        .where('object_id', '=', objectId)
        .where('started_at', '>=', since)
        .where('started_at', '<=', until)
        .execute(),
    ]);
    const samples: PerfSample[] = hourly.map((row) => ({
      objectId,
      label: row.label,
      at: row.hour_start,
      min: row.min,
      max: row.max,
      avg: row.sum / row.count,
      count: row.count,
      unit: row.unit,
    }));
    for (const row of raw) {
      for (const datum of parsePerfdata(row.perfdata)) {
        // NaN and Infinity were stored as JSON null: not a sample.
        if (typeof datum.value !== 'number') continue;
        samples.push({
          objectId,
          label: datum.label,
          at: row.started_at,
          min: datum.value,
          max: datum.value,
          avg: datum.value,
          count: 1,
          unit: datum.unit,
        });
      }
    }
    return samples.sort((a, b) => a.at - b.at || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  }

  async dropStates(objectIds: string[]): Promise<void> {
    for (let start = 0; start < objectIds.length; start += IDS_PER_STATEMENT) {
      const ids = objectIds.slice(start, start + IDS_PER_STATEMENT);
      await this.db.deleteFrom('object_states').where('object_id', 'in', ids).execute();
    }
  }
}
