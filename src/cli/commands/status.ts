import { AcknowledgementBook } from '../../alerting/acknowledgement.ts';
import { withBadges } from '../../alerting/badges.ts';
import { DowntimeCalendar } from '../../alerting/downtime.ts';
import { describeState, type StateRow } from '../../model/problems.ts';
import { openStore } from '../../store/index.ts';
import { problemGroups } from '../../topology/problem-groups.ts';
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
    if (options.all) {
      const rows = states
        .filter((s) => model.hosts.has(s.objectId) || model.services.has(s.objectId))
        .map((s) => describeState(model, s));
      if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else if (rows.length === 0) process.stdout.write('no checks have run yet\n');
      else
        process.stdout.write(
          `${renderTable(
            HEADERS,
            rows.map((r) => cells(r, '')),
          )}\n`,
        );
      return;
    }
    // Problems grouped by root cause: the cause first, what it explains indented beneath.
    const book = new AcknowledgementBook(await store.acknowledgements.current());
    const calendar = new DowntimeCalendar(model, await store.downtimes.current());
    const groups = withBadges(
      problemGroups(model, states),
      {
        acknowledgementOf: (id, at) => book.acknowledgementOf(id, at),
        downtimesOf: (id, at) => calendar.windowsFor(id, at),
      },
      Date.now(),
    );
    if (options.json) {
      process.stdout.write(`${JSON.stringify(groups, null, 2)}\n`);
      return;
    }
    if (groups.length === 0) {
      process.stdout.write(`no problems (${states.length} objects checked)\n`);
      return;
    }
    const rows: string[][] = [];
    for (const group of groups) {
      const counts = [
        group.affected.length > 0 ? `+${group.affected.length} affected` : '',
        group.degraded.length > 0 ? `${group.degraded.length} degraded` : '',
      ].filter(Boolean);
      const note = group.cause.held
        ? ' (confirming upstream)'
        : counts.length > 0
          ? ` (${counts.join(', ')})`
          : '';
      const badges = [
        group.cause.acknowledged ? ` [acked by ${group.cause.acknowledged.author}]` : '',
        group.cause.downtime ? ` [downtime until ${group.cause.downtime.until}]` : '',
      ].join('');
      rows.push(cells(group.cause, note + badges));
      for (const affected of group.affected) rows.push(cells(affected, '', '  '));
    }
    process.stdout.write(`${renderTable(HEADERS, rows)}\n`);
  } finally {
    await store.close();
  }
}

const HEADERS = ['OBJECT', 'STATE', 'TYPE', 'ATTEMPT', 'SINCE', 'OUTPUT'];

function cells(row: StateRow, note: string, indent = ''): string[] {
  return [
    indent + row.object,
    row.state + (row.flapping ? ' (flapping)' : '') + note,
    row.stateType,
    row.attempt,
    row.since,
    row.output,
  ];
}
