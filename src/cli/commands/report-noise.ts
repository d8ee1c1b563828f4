import { loadNoiseReport, noiseReportOptions } from '../../alerting/noise-report-loader.ts';
import { openStore } from '../../store/index.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderNoiseReport } from '../noise-report-text.ts';

/** `vigil report noise`: what was sent, to whom, when, and what nobody needed. */
export async function reportNoiseCommand(options: {
  config: string;
  since?: string;
  until?: string;
  businessHours?: string;
  json?: boolean;
}): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const resolved = noiseReportOptions(
    model,
    {
      ...(options.since !== undefined ? { since: options.since } : {}),
      ...(options.until !== undefined ? { until: options.until } : {}),
      ...(options.businessHours !== undefined ? { businessHours: options.businessHours } : {}),
    },
    Date.now(),
    localZone,
  );
  if (typeof resolved === 'string') throw new CliError(resolved);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const report = await loadNoiseReport(store, model, resolved);
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : renderNoiseReport(report));
  } finally {
    await store.close();
  }
}
