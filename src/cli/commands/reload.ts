import { CliError, loadModelOrFail } from '../fail.ts';

/** Asks the daemon (at the configured listen address) to reload, and reports what changed. */
export async function reloadCommand(options: { config: string }): Promise<void> {
  const model = await loadModelOrFail(options.config);
  if (!model.settings.listen)
    throw new CliError('settings.listen is empty: send SIGHUP to the daemon instead');
  const url = `http://${model.settings.listen}/api/v1/reload`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    const reason = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(`cannot reach the daemon at ${url}: ${reason}`);
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
