import { parseSince } from '../../api/auth/audit-routes.ts';
import { openStore } from '../../store/index.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

/** `vigil audit`: who changed what, newest first. */
export async function auditCommand(options: {
  config: string;
  since?: string;
  actor?: string;
  action?: string;
  limit: string;
  json?: boolean;
}): Promise<void> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliError(`--limit "${options.limit}" is not a positive whole number`);
  let since: number | undefined;
  if (options.since !== undefined) {
    since = parseSince(options.since, Date.now());
    if (since === undefined)
      throw new CliError(
        `--since "${options.since}" is neither a time (2026-03-01T09:00Z) nor a duration (7d)`,
      );
  }
  const model = await loadModelOrFail(options.config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const entries = await store.audit.list({
      limit,
      ...(since !== undefined ? { since } : {}),
      ...(options.actor !== undefined ? { actor: options.actor } : {}),
      ...(options.action !== undefined ? { action: options.action } : {}),
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      return;
    }
    process.stdout.write(
      `${renderTable(
        ['TIME', 'ACTOR', 'VIA', 'ACTION', 'TARGET', 'DETAIL'],
        entries.map((e) => [
          new Date(e.at).toISOString().slice(0, 19).replace('T', ' '),
          e.actor,
          e.via,
          e.action,
          e.target,
          Object.keys(e.detail).length > 0 ? JSON.stringify(e.detail) : '',
        ]),
        60,
      )}\n`,
    );
  } finally {
    await store.close();
  }
}
