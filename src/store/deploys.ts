// Deploys: which version of which service went out when, and by whom. They are shown beside
// incidents ("every incident lists the deploys in the hour before it started"), on the
// availability timeline and on perfdata charts. Nothing here is ever deleted.
import type { Kysely, Selectable } from 'kysely';
import type { DeploysTable, VigilDatabase } from './schema.ts';

/** The hour before an incident started: where its deploys are looked for. */
export const DEPLOY_LOOKBACK_MS = 60 * 60 * 1000;

export interface Deploy {
  id: number;
  /** The service or component deployed, as the team names it. */
  service: string;
  version: string;
  /** When it went out, ms since the epoch. */
  at: number;
  /** Who deployed it ('' when not told). */
  by: string;
  description: string;
  /** Release notes, pull request or pipeline run ('' when none). */
  link: string;
  /** When Vigil was told (a deploy can be recorded after the fact). */
  recordedAt: number;
}

export type NewDeploy = Omit<Deploy, 'id' | 'recordedAt'>;

export interface DeployQuery {
  service?: string;
  /** Inclusive, ms. */
  since?: number;
  /** Exclusive, ms. */
  until?: number;
  /** Newest first when limited: the latest `limit` deploys. */
  limit?: number;
}

/** Longest texts kept; longer ones are refused, not cut, so nothing is silently lost. */
export const DEPLOY_LIMITS = { service: 200, version: 200, by: 200, description: 4000, link: 2000 } as const;

/** What is wrong with a deploy to record, naming the field, or undefined when it is fine. */
export function deployProblem(deploy: NewDeploy): string | undefined {
  for (const field of ['service', 'version'] as const) {
    if (deploy[field].trim() === '') return `${field} is empty`;
  }
  for (const field of ['service', 'version', 'by', 'description', 'link'] as const) {
    if (deploy[field].length > DEPLOY_LIMITS[field])
      return `${field} is longer than ${DEPLOY_LIMITS[field]} characters`;
  }
  if (!Number.isFinite(deploy.at) || deploy.at < 0) return 'at is not a time';
  if (deploy.link !== '' && !isWebLink(deploy.link))
    return `link "${deploy.link}" is not an http:// or https:// URL`;
  return undefined;
}

function isWebLink(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function fromRow(row: Selectable<DeploysTable>): Deploy {
  return {
    id: Number(row.id),
    service: row.service,
    version: row.version,
    at: Number(row.at),
    by: row.deployed_by,
    description: row.description,
    link: row.link,
    recordedAt: Number(row.recorded_at),
  };
}

export class DeployRecords {
  constructor(private readonly db: Kysely<VigilDatabase>) {}

  /** Records a deploy and returns it with its id; an invalid one throws, naming the field. */
  async record(deploy: NewDeploy, recordedAt: number): Promise<Deploy> {
    const problem = deployProblem(deploy);
    if (problem !== undefined) throw new Error(`deploy of ${deploy.service || '(no service)'}: ${problem}`);
    const row = await this.db
      .insertInto('deploys')
      .values({
        service: deploy.service.trim(),
        version: deploy.version.trim(),
        at: Math.round(deploy.at),
        deployed_by: deploy.by,
        description: deploy.description,
        link: deploy.link,
        recorded_at: Math.round(recordedAt),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return fromRow(row);
  }

  /** Deploys matching the query, oldest first. */
  async list(query: DeployQuery = {}): Promise<Deploy[]> {
    let select = this.db.selectFrom('deploys').selectAll();
    if (query.service !== undefined) select = select.where('service', '=', query.service);
    if (query.since !== undefined) select = select.where('at', '>=', Math.round(query.since));
    if (query.until !== undefined) select = select.where('at', '<', Math.round(query.until));
    if (query.limit !== undefined) {
      const newest = await select.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
      return newest.reverse().map(fromRow);
    }
    const rows = await select.orderBy('at').orderBy('id').execute();
    return rows.map(fromRow);
  }

  /**
   * The deploys in the `windowMs` before `at` (and at `at` itself), oldest first: what an
   * incident that started at `at` lists as its suspects. Only these services, if given.
   */
  async deploysBefore(
    at: number,
    windowMs = DEPLOY_LOOKBACK_MS,
    services?: readonly string[],
  ): Promise<Deploy[]> {
    let select = this.db
      .selectFrom('deploys')
      .selectAll()
      .where('at', '>=', Math.round(at - windowMs))
      .where('at', '<=', Math.round(at));
    if (services !== undefined)
      select = select.where('service', 'in', services.length > 0 ? [...services] : ['']);
    const rows = await select.orderBy('at').orderBy('id').execute();
    return rows.map(fromRow);
  }
}
