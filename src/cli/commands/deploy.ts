import { auditCli } from '../../api/auth/audit.ts';
import { deployJson } from '../../api/deploy-routes.ts';
import { parseDuration } from '../../model/duration.ts';
import { parseLocalDateTime } from '../../model/zoned-time.ts';
import { deployProblem, type NewDeploy } from '../../store/deploys.ts';
import { openStore } from '../../store/index.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

// `vigil deploy record` and `vigil deploy list`: deploys written to and read from the store
// directly, as `vigil downtime` does, so a deploy script works while the daemon restarts.

interface RecordOptions {
  config: string;
  service: string;
  version: string;
  at?: string;
  by?: string;
  description?: string;
  link?: string;
}

interface ListOptions {
  config: string;
  service?: string;
  since?: string;
  until?: string;
  limit: string;
  json?: boolean;
}

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * A time on the command line: 2026-03-06, 2026-03-06T14:00 (your zone), with Z or an
 * offset, or a duration back from now (15m, 7d). Names the option when it is none of these.
 */
export function timeOption(option: string, text: string, now: number, zone: string): number {
  const at = parseLocalDateTime(text, zone);
  if (at !== undefined) return at;
  const back = parseDuration(text);
  if (back !== undefined && /[a-z]/i.test(text)) return now - back;
  throw new CliError(
    `${option} "${text}" is not a time (write e.g. 2026-03-06, 2026-03-06T14:00, with Z or an offset, or a duration back from now such as 15m)`,
  );
}

export async function deployRecordCommand(options: RecordOptions): Promise<void> {
  const now = Date.now();
  const deploy: NewDeploy = {
    service: options.service.trim(),
    version: options.version.trim(),
    at: options.at === undefined ? now : timeOption('--at', options.at, now, localZone()),
    by: options.by ?? process.env.USER ?? '',
    description: options.description ?? '',
    link: options.link ?? '',
  };
  const problem = deployProblem(deploy);
  if (problem !== undefined) throw new CliError(`--${problem}`);
  const model = await loadModelOrFail(options.config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const recorded = await store.deploys.record(deploy, now);
    await auditCli(store, 'deploy.record', recorded.service, { id: recorded.id, version: recorded.version });
    process.stdout.write(
      `deploy ${recorded.id} recorded: ${recorded.service} ${recorded.version} at ${new Date(recorded.at).toISOString()}\n`,
    );
  } finally {
    await store.close();
  }
}

export async function deployListCommand(options: ListOptions): Promise<void> {
  const now = Date.now();
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliError(`--limit must be a positive whole number, not "${options.limit}"`);
  const since =
    options.since === undefined ? undefined : timeOption('--since', options.since, now, localZone());
  const until =
    options.until === undefined ? undefined : timeOption('--until', options.until, now, localZone());
  const model = await loadModelOrFail(options.config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const deploys = await store.deploys.list({
      ...(options.service !== undefined ? { service: options.service } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      limit,
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(deploys.map(deployJson), null, 2)}\n`);
      return;
    }
    if (deploys.length === 0) {
      process.stdout.write('no deploys recorded in that period\n');
      return;
    }
    process.stdout.write(
      `${renderTable(
        ['ID', 'AT', 'SERVICE', 'VERSION', 'BY', 'DESCRIPTION', 'LINK'],
        deploys.map((d) => [
          String(d.id),
          new Date(d.at).toISOString().replace(/:\d\d\.\d+Z$/, 'Z'),
          d.service,
          d.version,
          d.by,
          d.description,
          d.link,
        ]),
      )}\n`,
    );
  } finally {
    await store.close();
  }
}
