// Maintenance runs — database role swaps, proxy pauses — kept for availability reports:
// scheduled work counts like an outage for the time traffic was held, so every run is
// recorded with its pause length and outcome. Nothing here is ever deleted.
import type { Kysely, Selectable } from 'kysely';
import type { MaintenanceTable, VigilDatabase } from './schema.ts';

export type MaintenanceKind = 'db-swap' | 'proxy-pause';

/** How a run ended, in the words the CLI's exit codes use. */
export type MaintenanceOutcome = 'succeeded' | 'refused' | 'rolled-back' | 'needs-manual-action';

export interface MaintenanceEntry {
  id: number;
  kind: MaintenanceKind;
  startedAt: number;
  endedAt: number;
  /** How long user traffic was held (proxies paused) or writes refused (primary read-only). */
  pauseMs: number;
  outcome: MaintenanceOutcome;
  /** One line for lists: "127.0.0.1:3306 -> 127.0.0.1:3307 succeeded". */
  summary: string;
  /** The run's own record: steps with durations, coordinates, the error that stopped it. */
  details: Record<string, unknown>;
}

export type NewMaintenanceEntry = Omit<MaintenanceEntry, 'id'>;

function fromRow(row: Selectable<MaintenanceTable>): MaintenanceEntry {
  return {
    id: Number(row.id),
    kind: row.kind as MaintenanceKind,
    startedAt: Number(row.started_at),
    endedAt: Number(row.ended_at),
    pauseMs: Number(row.pause_ms),
    outcome: row.outcome as MaintenanceOutcome,
    summary: row.summary,
    details: JSON.parse(row.details) as Record<string, unknown>,
  };
}

export class MaintenanceRecords {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  /** Records a finished run; returns its id. */
  async record(entry: NewMaintenanceEntry): Promise<number> {
    const row = await this.db
      .insertInto('maintenance')
      .values({
        kind: entry.kind,
        started_at: Math.round(entry.startedAt),
        ended_at: Math.round(entry.endedAt),
        pause_ms: Math.round(entry.pauseMs),
        outcome: entry.outcome,
        summary: entry.summary,
        details: JSON.stringify(entry.details),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /** Runs that overlap [since, until), oldest first. */
  async between(since: number, until: number): Promise<MaintenanceEntry[]> {
    const rows = await this.db
      .selectFrom('maintenance')
      .selectAll()
      .where('started_at', '<', Math.round(until))
      .where('ended_at', '>=', Math.round(since))
      .orderBy('started_at')
      .orderBy('id')
      .execute();
    return rows.map(fromRow);
  }
}
