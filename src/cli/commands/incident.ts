import { auditCli } from '../../api/auth/audit.ts';
import { deployJson } from '../../api/deploy-routes.ts';
import { formatDuration, parseDuration } from '../../model/duration.ts';
import type { Model } from '../../model/types.ts';
import { parseLocalDateTime } from '../../model/zoned-time.ts';
import { firstPostReport } from '../../status/incidents/first-post-report.ts';
import { deploysBeforeIncident } from '../../status/incidents/incident-deploys.ts';
import {
  editIncident,
  holdIncident,
  IncidentRequestError,
  parseImpact,
  parsePhase,
  postUpdate,
  publishIncident,
  resolveIncident,
  setPostmortem,
} from '../../status/incidents/operator-changes.ts';
import { statusSiteOf } from '../../status/incidents/settings.ts';
import type { Deploy } from '../../store/deploys.ts';
import type { IncidentRecord } from '../../store/incidents.ts';
import { openStore } from '../../store/index.ts';
import type { Store } from '../../store/store.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

// `vigil incident ...`: the status site's incidents from the terminal. Writes go to the store
// directly, as `vigil downtime` does; the running daemon acts on them within a second.

interface Common {
  config: string;
  json?: boolean;
  author?: string;
}

const author = (options: Common) => options.author ?? process.env.USER ?? process.env.USERNAME ?? 'unknown';

async function withStore<T>(config: string, work: (store: Store, model: Model) => Promise<T>): Promise<T> {
  const model = await loadModelOrFail(config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    return await work(store, model);
  } catch (error) {
    if (error instanceof IncidentRequestError) throw new CliError(error.message);
    throw error;
  } finally {
    await store.close();
  }
}

function iso(at: number | null): string {
  return at === null ? '' : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function stateOf(incident: IncidentRecord): string {
  if (incident.status === 'draft')
    return incident.publishAt === null ? `draft (${incident.heldBy || 'held'})` : 'draft';
  return incident.status === 'published' ? incident.phase : incident.status;
}

function printIncident(
  incident: IncidentRecord,
  json: boolean | undefined,
  deploys?: readonly Deploy[],
): void {
  if (json) {
    const shown = deploys ? { ...incident, deploysBefore: deploys.map(deployJson) } : incident;
    process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return;
  }
  const lines = [
    `incident ${incident.id}: ${incident.title}`,
    `  state:       ${stateOf(incident)}  (impact ${incident.impact})`,
    `  components:  ${incident.components.join(', ')}`,
    `  started:     ${iso(incident.startedAt)} (first hard failure)`,
    `  drafted:     ${iso(incident.createdAt)}`,
  ];
  if (incident.publishAt !== null) lines.push(`  publishes:   ${iso(incident.publishAt)} unless held`);
  if (incident.publishedAt !== null)
    lines.push(
      `  published:   ${iso(incident.publishedAt)} (${formatDuration(incident.firstPostMs ?? 0)} after the failure began)`,
    );
  if (incident.resolveAt !== null) lines.push(`  resolves:    ${iso(incident.resolveAt)} if it stays quiet`);
  if (incident.resolvedAt !== null) lines.push(`  ended:       ${iso(incident.resolvedAt)}`);
  if (incident.postmortemUrl) lines.push(`  postmortem:  ${incident.postmortemUrl}`);
  for (const cause of incident.causes)
    lines.push(
      `  cause:       ${cause.description}${cause.recoveredAt !== null ? ` (recovered ${iso(cause.recoveredAt)})` : ''}`,
    );
  lines.push('  updates:');
  for (const update of incident.updates)
    lines.push(`    ${iso(update.at)}  ${update.phase.padEnd(13)} ${update.message}  — ${update.author}`);
  if (deploys) {
    lines.push('  deploys in the hour before:');
    if (deploys.length === 0) lines.push('    none');
    for (const d of deploys)
      lines.push(
        `    ${iso(d.at)}  ${d.service} ${d.version}${d.by ? ` by ${d.by}` : ''}${d.link ? `  ${d.link}` : ''}`,
      );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export async function incidentListCommand(
  options: Common & { all?: boolean; limit?: string },
): Promise<void> {
  await withStore(options.config, async (store) => {
    const incidents = await store.incidents.list({
      ...(options.all ? {} : { statuses: ['draft', 'published'] }),
      limit: Number(options.limit ?? 50) || 50,
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(incidents, null, 2)}\n`);
      return;
    }
    if (incidents.length === 0) {
      process.stdout.write(options.all ? 'no incidents\n' : 'no open incidents (--all shows past ones)\n');
      return;
    }
    process.stdout.write(
      `${renderTable(
        ['ID', 'STATE', 'STARTED', 'COMPONENTS', 'TITLE'],
        incidents.map((i) => [String(i.id), stateOf(i), iso(i.startedAt), i.components.join(', '), i.title]),
      )}\n`,
    );
  });
}

const idOf = (text: string): number => {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0)
    throw new CliError(`"${text}" is not an incident id (see vigil incident list)`);
  return id;
};

export async function incidentShowCommand(id: string, options: Common): Promise<void> {
  await withStore(options.config, async (store, model) => {
    const incident = await store.incidents.get(idOf(id));
    if (!incident) throw new CliError(`no incident ${id}`);
    printIncident(incident, options.json, await deploysBeforeIncident(store, model, incident));
  });
}

type Change = (store: Store, model: Model, id: number, now: number) => Promise<IncidentRecord>;

async function change(
  id: string,
  options: Common,
  action: string,
  apply: Change,
  detail = {},
): Promise<void> {
  await withStore(options.config, async (store, model) => {
    const incident = await apply(store, model, idOf(id), Date.now());
    await auditCli(store, `incident.${action}`, String(incident.id), detail);
    printIncident(incident, options.json);
  });
}

export const incidentPublishCommand = (id: string, options: Common) =>
  change(id, options, 'publish', (store, _m, n, now) => publishIncident(store.incidents, n, now));

export const incidentHoldCommand = (id: string, options: Common) =>
  change(id, options, 'hold', (store, _m, n, now) => holdIncident(store.incidents, n, now, author(options)));

export function incidentUpdateCommand(id: string, options: Common & { phase?: string; message?: string }) {
  if (options.phase === undefined)
    throw new CliError('say which phase: --phase investigating|identified|monitoring|resolved');
  if (options.message === undefined) throw new CliError('say what customers should read: -m "MESSAGE"');
  const phase = (() => {
    try {
      return parsePhase(options.phase as string);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  })();
  return change(
    id,
    options,
    'update',
    (store, _m, n, now) =>
      postUpdate(store.incidents, n, { phase, message: options.message as string }, now, author(options)),
    { phase },
  );
}

export const incidentResolveCommand = (id: string, options: Common & { message?: string }) =>
  change(id, options, 'resolve', (store, _m, n, now) =>
    resolveIncident(store.incidents, n, options.message, now, author(options)),
  );

export function incidentEditCommand(
  id: string,
  options: Common & { title?: string; impact?: string; components?: string },
) {
  if (options.title === undefined && options.impact === undefined && options.components === undefined)
    throw new CliError('nothing to change: give --title, --impact or --components');
  return change(
    id,
    options,
    'edit',
    (store, model, n, now) =>
      editIncident(
        store.incidents,
        model,
        n,
        {
          ...(options.title !== undefined ? { title: options.title } : {}),
          ...(options.impact !== undefined ? { impact: parseImpact(options.impact) } : {}),
          ...(options.components !== undefined ? { components: options.components.split(',') } : {}),
        },
        now,
        author(options),
      ),
    { ...(options.title !== undefined ? { title: options.title } : {}) },
  );
}

export const incidentPostmortemCommand = (id: string, url: string, options: Common) =>
  change(id, options, 'postmortem', (store, _m, n, now) => setPostmortem(store.incidents, n, url, now), {
    url,
  });

/** How long customers waited for the first post, against the promise. */
export async function incidentReportCommand(options: Common & { since?: string }): Promise<void> {
  await withStore(options.config, async (store, model) => {
    const site = statusSiteOf(model.settings);
    const now = Date.now();
    let since = now - 90 * 86_400_000;
    if (options.since !== undefined) {
      const at = parseLocalDateTime(options.since, site.timeZone);
      const back = parseDuration(options.since);
      if (at !== undefined) since = at;
      else if (back !== undefined && /[a-z]/i.test(options.since)) since = now - back;
      else
        throw new CliError(
          `--since "${options.since}" is not a date (2026-03-01), a time or a duration back (30d)`,
        );
    }
    process.stderr.write(`reading incidents since ${iso(since)}\n`);
    const report = firstPostReport(await store.incidents.firstPosts(since, now + 1), site.firstPostPromiseMs);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ since: iso(since), ...report }, null, 2)}\n`);
      return;
    }
    const d = (ms: number | null) => (ms === null ? '-' : formatDuration(ms));
    const lines = [
      `time from first hard failure to first public post, since ${iso(since)}`,
      `  incidents:     ${report.incidents}`,
      `  median:        ${d(report.medianMs)}`,
      `  90th pct:      ${d(report.p90Ms)}`,
      `  longest:       ${d(report.maxMs)}`,
      `  over ${d(report.promiseMs)}:  ${report.overPromise}${report.late.length > 0 ? ` (incidents ${report.late.map((l) => l.id).join(', ')})` : ''}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
