import { CLI_USER_HEADER, osUser } from '../../api/auth/audit.ts';
import { readLocalToken } from '../../api/auth/local-token.ts';
import { CliError, loadModelOrFail } from '../fail.ts';

/**
 * Asks the daemon (at the configured listen address) to reload, and reports what changed.
 * It signs in with the token the daemon wrote to `settings.api.cli_token_file`, readable by
 * the daemon's user and root only (docs/security.md).
 */
export async function reloadCommand(options: { config: string }): Promise<void> {
  const model = await loadModelOrFail(options.config);
  if (!model.settings.listen)
    throw new CliError('settings.listen is empty: send SIGHUP to the daemon instead');
  const url = `http://${model.settings.listen}/api/v1/reload`;
  const token = await readLocalToken(model.settings.api?.cliTokenFile ?? '');
  if (token instanceof Error) throw new CliError(`${token.message}; or send SIGHUP to the daemon`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, [CLI_USER_HEADER]: osUser() },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(`cannot reach the daemon at ${url}: ${reason}`);
  }
  if (response.status === 401 || response.status === 403) {
    const { error } = (await response.json().catch(() => ({}))) as { error?: string };
    throw new CliError(`the daemon refused: ${error ?? response.statusText}; or send SIGHUP to the daemon`);
  }
  const body = (await response.json()) as
    | { ok: true; summary: { added: number; removed: number; changed: number; unchanged: number } }
    | { ok: false; errors: string[] };
  if (!body.ok) {
    for (const line of body.errors) process.stderr.write(`${line}\n`);
    throw new CliError(
      'reload refused: the configuration is invalid; the daemon keeps running the previous one',
    );
  }
  const s = body.summary;
  process.stdout.write(
    `reloaded: ${s.added} added, ${s.removed} removed, ${s.changed} changed, ${s.unchanged} unchanged\n`,
  );
}
