import { CliError, loadModelOrFail } from '../fail.ts';

/** Answers "where is this machine?" from the configuration alone: works with the daemon down. */
export async function locateCommand(
  hostName: string,
  options: { config: string; json?: boolean },
): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const host = model.hosts.get(hostName);
  if (!host) {
    const near = [...model.hosts.keys()].filter((n) => n.includes(hostName)).slice(0, 5);
    throw new CliError(
      `no host "${hostName}" in the configuration${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}`,
    );
  }
  const l = host.location;
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ host: host.name, address: host.address, ...l }, null, 2)}\n`);
    return;
  }
  const lines: [string, string | undefined][] = [
    ['host', host.name],
    ['address', host.address],
    ['site', l.site],
    ['room', l.room],
    ['cabinet', l.cabinet],
    ['rack unit', l.rackUnit],
    ['out-of-band', l.oob],
    ['notes', l.notes],
  ];
  const known = lines.filter((line): line is [string, string] => line[1] !== undefined);
  if (known.length <= 2) known.push(['location', 'not recorded (add location: to this host)']);
  const width = Math.max(...known.map(([label]) => label.length));
  process.stdout.write(`${known.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n')}\n`);
}
