import { formatConfigError } from '../../config/errors.ts';
import { loadConfig } from '../../config/load.ts';
import { CliError } from '../fail.ts';

export async function checkConfigCommand(options: { config: string }): Promise<void> {
  const loaded = await loadConfig(options.config);
  if (!loaded.ok) {
    for (const error of loaded.errors) process.stdout.write(`${formatConfigError(error)}\n`);
    const count = loaded.errors.length;
    throw new CliError(`configuration ${options.config} has ${count} error${count === 1 ? '' : 's'}`);
  }
  const { model, files } = loaded;
  process.stdout.write(
    `configuration OK: ${model.hosts.size} hosts, ${model.services.size} services, ` +
      `${model.hostGroups.size} host groups from ${files.length} file${files.length === 1 ? '' : 's'}\n`,
  );
}
