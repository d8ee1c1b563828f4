import { graphOf } from '../../topology/from-model.ts';
import { impactOf } from '../../topology/impact.ts';
import { CliError, loadModelOrFail } from '../fail.ts';

/** What would fail, or lose redundancy, if these hosts or services failed: from the config alone. */
export async function impactCommand(
  objects: string[],
  options: { config: string; json?: boolean },
): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const graph = graphOf(model);
  const failed = objects.map((id) => {
    const index = graph.index.get(id);
    if (index === undefined) throw new CliError(`no host or service "${id}" in the configuration`);
    return index;
  });
  const impact = impactOf(graph, failed);
  const names = (indexes: number[]) => indexes.map((i) => graph.ids[i] as string).sort();
  const failing = names(impact.failing);
  const degraded = names(impact.degraded);
  const hosts = failing.filter((id) => model.hosts.has(id));
  const services = failing.filter((id) => model.services.has(id));
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ failed: objects, unreachableHosts: hosts, affectedServices: services, degraded }, null, 2)}\n`,
    );
    return;
  }
  const lines = [
    `If ${objects.join(' and ')} failed: ${hosts.length} host${hosts.length === 1 ? '' : 's'} unreachable, ` +
      `${services.length} service${services.length === 1 ? '' : 's'} affected, ${degraded.length} losing redundancy.`,
  ];
  if (hosts.length > 0) lines.push('', 'unreachable hosts:', ...hosts.map((id) => `  ${id}`));
  if (services.length > 0) lines.push('', 'affected services:', ...services.map((id) => `  ${id}`));
  if (degraded.length > 0)
    lines.push('', 'losing redundancy (still working):', ...degraded.map((id) => `  ${id}`));
  process.stdout.write(`${lines.join('\n')}\n`);
}
