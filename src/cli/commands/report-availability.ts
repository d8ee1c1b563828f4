import { renderAvailabilityCsv, renderAvailabilityTable } from '../../availability/report-format.ts';
import { availabilityOptions, loadAvailabilityReport } from '../../availability/report-loader.ts';
import { openStore } from '../../store/index.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

const FORMATS = ['table', 'json', 'csv'] as const;

/** `vigil report availability`: availability, downtime, incidents and error budgets from the ledger. */
export async function reportAvailabilityCommand(options: {
  config: string;
  since?: string;
  until?: string;
  period?: string;
  component?: string;
  service?: string;
  host?: string;
  timeZone?: string;
  target?: string;
  showMaintenance?: boolean;
  format?: string;
}): Promise<void> {
  const format = options.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new CliError(`--format "${format}" is not one of ${FORMATS.join(', ')}`);
  const model = await loadModelOrFail(options.config);
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const resolved = availabilityOptions(
    model,
    {
      ...(options.since !== undefined ? { since: options.since } : {}),
      ...(options.until !== undefined ? { until: options.until } : {}),
      ...(options.period !== undefined ? { period: options.period } : {}),
      ...(options.component !== undefined ? { component: options.component } : {}),
      ...(options.service !== undefined ? { service: options.service } : {}),
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
      ...(options.target !== undefined ? { target: options.target } : {}),
    },
    Date.now(),
    localZone,
  );
  if (typeof resolved === 'string') throw new CliError(resolved);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    process.stderr.write(`reading the availability ledger (${resolved.subjects.length} subjects)...\n`);
    const report = await loadAvailabilityReport(store, resolved);
    if (format !== 'table') {
      for (const skipped of report.skipped)
        process.stderr.write(
          `warning: ledger row ${skipped.id} (${skipped.subject}) skipped: ${skipped.reason}\n`,
        );
    }
    process.stdout.write(
      format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : format === 'csv'
          ? renderAvailabilityCsv(report)
          : renderAvailabilityTable(
              report,
              { showMaintenance: options.showMaintenance ?? false },
              renderTable,
            ),
    );
  } finally {
    await store.close();
  }
}
