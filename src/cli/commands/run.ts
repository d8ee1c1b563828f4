import pino from 'pino';
import { handleSignals, startDaemon } from '../daemon.ts';
import { loadModelOrFail } from '../fail.ts';

export async function runCommand(options: { config: string; logLevel: string }): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const log = pino({ name: 'vigil', level: options.logLevel });
  const daemon = await startDaemon({ configPath: options.config, model, log });
  if (daemon.apiAddress) log.info(`API on http://${daemon.apiAddress}`);
  handleSignals(daemon);
}
