import { formatConfigError } from '../config/errors.ts';
import type { Model } from '../model/types.ts';

/** A failure to report in one line (plus details, if any) with a non-zero exit. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Loads the model or fails with every config error printed first. */
export async function loadModelOrFail(configPath: string): Promise<Model> {
  // Loaded on demand: every command imports this file, not every command reads the config.
  const { loadConfig } = await import('../config/load.ts');
  const loaded = await loadConfig(configPath);
  if (loaded.ok) return loaded.model;
  for (const error of loaded.errors) process.stderr.write(`${formatConfigError(error)}\n`);
  const count = loaded.errors.length;
  throw new CliError(`configuration ${configPath} has ${count} error${count === 1 ? '' : 's'}`);
}
