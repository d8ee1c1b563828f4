import { HOST_STATE_NAMES, SERVICE_STATE_NAMES } from '../../model/types.ts';
import { openStore } from '../../store/index.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

export async function historyCommand(
  object: string,
  options: { config: string; limit: string; json?: boolean },
): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliError(`--limit must be a positive whole number, not "${options.limit}"`);
  const isHost = model.hosts.has(object);
  if (!isHost && !model.services.has(object))
    throw new CliError(`no host or service "${object}" in the configuration`);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const events = await store.history({ objectId: object, includeServices: isHost, limit });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
      return;
    }
    if (events.length === 0) {
      process.stdout.write(`no state changes recorded for ${object}\n`);
      return;
    }
    const name = (id: string, state: number) =>
      (model.hosts.has(id) ? HOST_STATE_NAMES[state] : SERVICE_STATE_NAMES[state]) ?? String(state);
    process.stdout.write(
      `${renderTable(
        ['TIME', 'OBJECT', 'EVENT', 'STATE', 'TYPE', 'ATTEMPT', 'OUTPUT'],
        events.map((e) => [
          new Date(e.at).toISOString(),
          e.objectId,
          e.kind,
          `${name(e.objectId, e.previousState)} -> ${name(e.objectId, e.state)}`,
          e.stateType,
          String(e.attempt),
          e.output,
        ]),
      )}\n`,
    );
  } finally {
    await store.close();
  }
}
