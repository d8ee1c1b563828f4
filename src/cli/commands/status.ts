import { describeState, problemRows } from '../../model/problems.ts';
import { openStore } from '../../store/index.ts';
import { loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

/** Reads current state from the store, so it works whether or not the daemon runs. */
export async function statusCommand(options: {
  config: string;
  all?: boolean;
  json?: boolean;
}): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const states = await store.loadStates();
    const rows = options.all
      ? states
          .filter((s) => model.hosts.has(s.objectId) || model.services.has(s.objectId))
          .map((s) => describeState(model, s))
      : problemRows(model, states);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      const checked = states.length;
      process.stdout.write(
        options.all ? 'no checks have run yet\n' : `no problems (${checked} objects checked)\n`,
      );
      return;
    }
    process.stdout.write(
      `${renderTable(
        ['OBJECT', 'STATE', 'TYPE', 'ATTEMPT', 'SINCE', 'OUTPUT'],
        rows.map((r) => [
          r.object,
          r.state + (r.flapping ? ' (flapping)' : ''),
          r.stateType,
          r.attempt,
          r.since,
          r.output,
        ]),
      )}\n`,
    );
  } finally {
    await store.close();
  }
}
