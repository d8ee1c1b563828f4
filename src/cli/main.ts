import { Command, Option } from 'commander';
import { defaultConfigPath } from '../config/load.ts';
import { ackCommand } from './commands/ack.ts';
import { checkConfigCommand } from './commands/check-config.ts';
import { demoCommand } from './commands/demo.ts';
import { downtimeAddCommand, downtimeCancelCommand, downtimeListCommand } from './commands/downtime.ts';
import { historyCommand } from './commands/history.ts';
import { impactCommand } from './commands/impact.ts';
import { locateCommand } from './commands/locate.ts';
import { notificationsCommand } from './commands/notifications.ts';
import { oncallCommand } from './commands/oncall.ts';
import { reloadCommand } from './commands/reload.ts';
import { reportNoiseCommand } from './commands/report-noise.ts';
import { runCommand } from './commands/run.ts';
import { statusCommand } from './commands/status.ts';
import { topologyImportLldpCommand } from './commands/topology-import-lldp.ts';
import { CliError } from './fail.ts';

const program = new Command('vigil')
  .description('Vigil: checks on time, one alert for one problem.')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)');

const configOption = () =>
  new Option('-c, --config <path>', 'configuration file or directory (env VIGIL_CONFIG)').default(
    defaultConfigPath(),
  );

program
  .command('run')
  .description('run the monitoring daemon (SIGHUP reloads the configuration)')
  .addOption(configOption())
  .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
  .action(runCommand);

program
  .command('demo')
  .description('run Vigil with a bundled demo configuration on an embedded SQLite store')
  .option('--listen <host:port>', 'where the demo API listens', '127.0.0.1:8470')
  .option('--data <dir>', 'where the demo keeps its database', '.vigil')
  .action(demoCommand);

program
  .command('check-config')
  .description('validate the configuration and print every error with its file and line')
  .addOption(configOption())
  .action(checkConfigCommand);

program
  .command('reload')
  .description('tell the running daemon to load its configuration again')
  .addOption(configOption())
  .action(reloadCommand);

program
  .command('status')
  .description('show current problems (hosts not UP, services not OK)')
  .addOption(configOption())
  .option('--all', 'show every host and service, not only problems')
  .option('--json', 'print JSON instead of a table')
  .action(statusCommand);

program
  .command('history')
  .description('show state changes of a host (with its services) or of one service')
  .argument('<object>', 'HOST or HOST/SERVICE')
  .addOption(configOption())
  .option('-n, --limit <count>', 'most recent changes to show', '50')
  .option('--json', 'print JSON instead of a table')
  .action(historyCommand);

program
  .command('impact')
  .description('what would become unreachable or lose redundancy if these hosts or services failed')
  .argument('<object...>', 'HOST or HOST/SERVICE, one or more')
  .addOption(configOption())
  .option('--json', 'print JSON instead of text')
  .action(impactCommand);

program
  .command('notifications')
  .description('recent notifications and their delivery; retry failed ones')
  .addOption(configOption())
  .option('--failed', 'only notifications that could not be delivered')
  .option('--pending', 'only notifications waiting to be sent')
  .option('--retry [ids...]', 'queue failed notifications again (all, or the ids given)')
  .option('-n, --limit <count>', 'most recent notifications to show', '50')
  .option('--json', 'print JSON instead of a table')
  .action(notificationsCommand);

program
  .command('locate')
  .description('where a host physically is: room, cabinet, rack unit, out-of-band address')
  .argument('<host>', 'host name')
  .addOption(configOption())
  .option('--json', 'print JSON instead of text')
  .action(locateCommand);

program
  .command('oncall')
  .description('who is on call now and next, per schedule (hand-offs in the schedule zone and yours)')
  .argument('[schedule]', 'only this schedule')
  .addOption(configOption())
  .option('--at <time>', 'ask for another time: 2026-03-16T09:00 (your zone) or with Z / an offset')
  .option('--next <count>', 'how many shifts after the current one to show', '1')
  .option('--json', 'print JSON instead of a table')
  .action(oncallCommand);

program
  .command('ack')
  .description('acknowledge a problem: stops repeats and escalation, tells the same receivers')
  .argument('<object>', 'HOST or HOST/SERVICE')
  .addOption(configOption())
  .option('-m, --message <comment>', 'why, or what is being done')
  .option('--sticky', 'hold until the object is OK again, even if its problem state changes')
  .option('--expire <duration>', 'end the acknowledgement after this long (e.g. 2h)')
  .option('--author <name>', 'who acknowledges (default: $USER)')
  .option('--remove', 'remove the acknowledgement of OBJECT instead')
  .action(ackCommand);

const downtime = program.command('downtime').description('schedule, list and cancel downtime windows');
downtime
  .command('add')
  .description('schedule downtime: notifications for the target are held back while it is in force')
  .argument('<target>', 'HOST, HOST/SERVICE, hostgroup:NAME or tag:NAME')
  .addOption(configOption())
  .option('--for <duration>', 'length of the window (from --from or now), or of each occurrence with --every')
  .option('--from <time>', 'start: 2026-03-16T09:00 (your zone, or --time-zone) or with Z / an offset')
  .option('--until <time>', 'end (with --every: when the recurrence stops)')
  .option('--flexible <duration>', 'start when the target first fails inside the window, last this long')
  .option('--every <rule>', 'recur: a cron expression, "weekly sun 02:00" or "monthly first sunday 02:00"')
  .option('--time-zone <zone>', 'zone for times without an offset and for --every (default: yours)')
  .option('--services', "also put the hosts' services themselves in downtime (they are silenced anyway)")
  .option('--children', 'also cover hosts whose parents lead to the target hosts')
  .option('-m, --message <comment>', 'why')
  .option('--author <name>', 'who schedules it (default: $USER)')
  .action(downtimeAddCommand);
downtime
  .command('list')
  .description('downtime in force and scheduled')
  .addOption(configOption())
  .option('--all', 'also past and cancelled windows')
  .option('--json', 'print JSON instead of a table')
  .action(downtimeListCommand);
downtime
  .command('cancel')
  .description('end a downtime window now (it stays on record)')
  .argument('<id>', 'the id shown by vigil downtime list')
  .addOption(configOption())
  .action(downtimeCancelCommand);

const report = program.command('report').description('reports over the stored history');
report
  .command('noise')
  .description(
    'is the noise going down? notifications per route, channel and person, night pages, noisiest objects',
  )
  .addOption(configOption())
  .option(
    '--since <time>',
    'start: 2026-03-01, 2026-03-01T09:00 (your zone), with Z / an offset, or 7d ago',
    '30d',
  )
  .option('--until <time>', 'end (default: now)')
  .option(
    '--business-hours <period>',
    'a time period from time_periods: (default: Mon-Fri 09:00-18:00, your zone)',
  )
  .option('--json', 'print JSON instead of text')
  .action(reportNoiseCommand);

const topology = program.command('topology').description('derive and inspect the network topology');
topology
  .command('import-lldp')
  .description(
    'derive parents and switch-port services from `lldpctl -f json` files, one per host (HOST.json)',
  )
  .argument('<dir>', 'directory of HOST.json files (lldpctl -f json or -f json0 output)')
  .option('-o, --output <file>', 'where to write the configuration (default: stdout)')
  .action(topologyImportLldpCommand);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CliError) {
    process.stderr.write(`vigil: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`vigil: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
