import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatConfigError } from '../../config/errors.ts';
import { parseConfigText } from '../../config/load.ts';
import { resolveModel } from '../../config/resolve.ts';
import { formatLldpProblem, type LldpHostData, parseLldpJson } from '../../topology/lldp.ts';
import { deriveLldpTopology, lldpTopologyYaml } from '../../topology/lldp-topology.ts';
import { CliError } from '../fail.ts';

const PROGRESS_EVERY = 250;

/**
 * Reads one `lldpctl -f json` (or `-f json0`) file per host from DIR, named HOST.json, and
 * writes the derived parents and switch-port services as configuration. Unusable files and
 * links are reported on stderr and skipped; the command fails only when nothing at all
 * could be imported, so one bad file among hundreds does not block the rest.
 */
export async function topologyImportLldpCommand(dir: string, options: { output?: string }): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && e.name.endsWith('.json') && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    throw new CliError(`cannot read directory ${dir}: ${(error as Error).message}`);
  }
  if (names.length === 0) {
    throw new CliError(
      `no .json files in ${dir} (expected one \`lldpctl -f json\` output per host, named HOST.json)`,
    );
  }
  const report = (line: string) => process.stderr.write(`${line}\n`);
  const hosts: LldpHostData[] = [];
  let warnings = 0;
  let skippedFiles = 0;
  for (const [i, name] of names.entries()) {
    const file = path.join(dir, name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      report(`${file}: cannot read: ${(error as Error).message}; file skipped`);
      skippedFiles++;
      continue;
    }
    const parsed = parseLldpJson(file, name.slice(0, -'.json'.length), text);
    if (!parsed.ok) {
      report(`${formatLldpProblem(parsed.error)}; file skipped`);
      skippedFiles++;
    } else {
      hosts.push(parsed.data);
      for (const warning of parsed.warnings) report(formatLldpProblem(warning));
      warnings += parsed.warnings.length;
    }
    if (names.length > PROGRESS_EVERY && (i + 1) % PROGRESS_EVERY === 0) {
      report(`reading LLDP files: ${i + 1} of ${names.length}`);
    }
  }
  if (hosts.length === 0) {
    throw new CliError(
      `nothing imported: none of the ${names.length} .json files in ${dir} is usable LLDP data`,
    );
  }

  const topology = deriveLldpTopology(hosts);
  for (const warning of topology.warnings) report(formatLldpProblem(warning));
  warnings += topology.warnings.length;
  const source = `${hosts.length} LLDP file${hosts.length === 1 ? '' : 's'} in ${dir}`;
  const text = lldpTopologyYaml(topology, source);

  // The output must load as it is: check it the way check-config would before writing it.
  const outputName = options.output ?? '<stdout>';
  const parsedOutput = parseConfigText(outputName, text);
  const errors =
    'errors' in parsedOutput
      ? parsedOutput.errors
      : (() => {
          const resolved = resolveModel([parsedOutput], process.cwd());
          return resolved.ok ? [] : resolved.errors;
        })();
  if (errors.length > 0) {
    for (const error of errors) report(formatConfigError(error));
    throw new CliError('the generated configuration does not load (a bug in the importer); nothing written');
  }

  if (options.output) await writeFile(options.output, text);
  else process.stdout.write(text);

  const parents = topology.devices.filter((d) => d.parents.length > 0).length;
  const redundant = topology.devices.filter((d) => d.parentsMinUp !== undefined).length;
  const ports = topology.devices.reduce((sum, d) => sum + d.ports.length, 0);
  const seenOnly = topology.devices.filter((d) => !d.imported).length;
  report(
    `imported ${hosts.length} of ${names.length} files: ${parents} hosts with parents (${redundant} redundant), ` +
      `${ports} switch ports, ${seenOnly} devices seen only as neighbours; ` +
      `${warnings} warning${warnings === 1 ? '' : 's'}, ${skippedFiles} file${skippedFiles === 1 ? '' : 's'} skipped` +
      (options.output ? `; written to ${options.output}` : ''),
  );
}
