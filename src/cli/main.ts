import { Command, Option } from 'commander';
import { defaultConfigPath } from '../config/default-path.ts';
import { CliError } from './fail.ts';

const collectValues = (value: string, previous: string[] = []) => [...previous, value];

const program = new Command('vigil')
  .description('Vigil: checks on time, one alert for one problem.')
  .version('0.1.0')
  // Program options only before the command: `vigil deploy record --version V` is the deploy's version.
  .enablePositionalOptions()
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
  .action(lazy(() => import('./commands/run.ts'), 'runCommand'));

program
  .command('demo')
  .description('run Vigil with a bundled demo configuration on an embedded SQLite store')
  .option('--listen <host:port>', 'where the demo API listens', '127.0.0.1:8470')
  .option('--data <dir>', 'where the demo keeps its database', '.vigil')
  .action(lazy(() => import('./commands/demo.ts'), 'demoCommand'));

program
  .command('check-config')
  .description('validate the configuration and print every error with its file and line')
  .addOption(configOption())
  .action(lazy(() => import('./commands/check-config.ts'), 'checkConfigCommand'));

program
  .command('reload')
  .description('tell the running daemon to load its configuration again')
  .addOption(configOption())
  .action(lazy(() => import('./commands/reload.ts'), 'reloadCommand'));

program
  .command('status')
  .description('show current problems (hosts not UP, services not OK)')
  .addOption(configOption())
  .option('--all', 'show every host and service, not only problems')
  .option('--json', 'print JSON instead of a table')
  .action(lazy(() => import('./commands/status.ts'), 'statusCommand'));

program
  .command('history')
  .description('show state changes of a host (with its services) or of one service')
  .argument('<object>', 'HOST or HOST/SERVICE')
  .addOption(configOption())
  .option('-n, --limit <count>', 'most recent changes to show', '50')
  .option('--json', 'print JSON instead of a table')
  .action(lazy(() => import('./commands/history.ts'), 'historyCommand'));

program
  .command('impact')
  .description('what would become unreachable or lose redundancy if these hosts or services failed')
  .argument('<object...>', 'HOST or HOST/SERVICE, one or more')
  .addOption(configOption())
  .option('--json', 'print JSON instead of text')
  .action(lazy(() => import('./commands/impact.ts'), 'impactCommand'));

program
  .command('notifications')
  .description('recent notifications and their delivery; retry failed ones')
  .addOption(configOption())
  .option('--failed', 'only notifications that could not be delivered')
  .option('--pending', 'only notifications waiting to be sent')
  .option('--retry [ids...]', 'queue failed notifications again (all, or the ids given)')
  .option('-n, --limit <count>', 'most recent notifications to show', '50')
  .option('--json', 'print JSON instead of a table')
  .action(lazy(() => import('./commands/notifications.ts'), 'notificationsCommand'));

program
  .command('locate')
  .description('where a host physically is: room, cabinet, rack unit, out-of-band address')
  .argument('<host>', 'host name')
  .addOption(configOption())
  .option('--json', 'print JSON instead of text')
  .action(lazy(() => import('./commands/locate.ts'), 'locateCommand'));

program
  .command('oncall')
  .description('who is on call now and next, per schedule (hand-offs in the schedule zone and yours)')
  .argument('[schedule]', 'only this schedule')
  .addOption(configOption())
  .option('--at <time>', 'ask for another time: 2026-03-16T09:00 (your zone) or with Z / an offset')
  .option('--next <count>', 'how many shifts after the current one to show', '1')
  .option('--json', 'print JSON instead of a table')
  .action(lazy(() => import('./commands/oncall.ts'), 'oncallCommand'));

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
  .action(lazy(() => import('./commands/ack.ts'), 'ackCommand'));

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
  .action(lazy(() => import('./commands/downtime.ts'), 'downtimeAddCommand'));
downtime
  .command('list')
  .description('downtime in force and scheduled')
  .addOption(configOption())
  .option('--all', 'also past and cancelled windows')
  .option('--json', 'print JSON instead of a table')
  .action(lazy(() => import('./commands/downtime.ts'), 'downtimeListCommand'));
downtime
  .command('cancel')
  .description('end a downtime window now (it stays on record)')
  .argument('<id>', 'the id shown by vigil downtime list')
  .addOption(configOption())
  .action(lazy(() => import('./commands/downtime.ts'), 'downtimeCancelCommand'));

const incident = program
  .command('incident')
  .description('status-site incidents: drafts, publishing, updates, and the time-to-first-post report');
incident
  .command('list')
  .description('open incidents (drafts and published); --all for past ones')
  .addOption(configOption())
  .option('--all', 'also resolved and withdrawn incidents')
  .option('-n, --limit <count>', 'most incidents to show', '50')
  .option('--json', 'print JSON instead of a table')
  .action(lazy(() => import('./commands/incident.ts'), 'incidentListCommand'));
incident
  .command('show')
  .description('one incident: its state, times, causes and updates')
  .argument('<id>', 'incident id')
  .addOption(configOption())
  .option('--json', 'print JSON instead of text')
  .action(lazy(() => import('./commands/incident.ts'), 'incidentShowCommand'));
incident
  .command('publish')
  .description('make a draft public now')
  .argument('<id>', 'incident id')
  .addOption(configOption())
  .option('--json', 'print JSON instead of text')
  .action(lazy(() => import('./commands/incident.ts'), 'incidentPublishCommand'));
incident
  .command('hold')
  .description('stop a draft from being published automatically')
  .argument('<id>', 'incident id')
  .addOption(configOption())
  .option('--author <name>', 'who holds it (default: $USER)')
  .option('--json', 'print JSON instead of text')
  .action(lazy(() => import('./commands/incident.ts'), 'incidentHoldCommand'));
incident
  .command('update')
  .description('post an update customers read: investigating, identified, monitoring or resolved')
  .argument('<id>', 'incident id')
  .addOption(configOption())
  .option('--phase <phase>', 'investigating, identified, monitoring or resolved')
  .option('-m, --message <text>', 'what customers should read')
  .option('--author <name>', 'who writes it (default: $USER)')
  .option('--json', 'print JSON instead of text')
  .action(lazy(() => import('./commands/incident.ts'), 'incidentUpdateCommand'));
incident
  .command('resolve')
  .description('resolve an incident now (a draft never published is withdrawn)')
  .argument('<id>', 'incident id')
  .addOption(configOption())
  .option('-m, --message <text>', 'the closing message (default: a plain "resolved" note)')
  .option('--author <name>', 'who resolves it (default: $USER)')
  .option('--json', 'print JSON instead of text')
  .action(lazy(() => import('./commands/incident.ts'), 'incidentResolveCommand'));
incident
  .command('edit')
  .description("change an incident's title, impact or components (an edited draft waits for publish)")
  .argument('<id>', 'incident id')
  .addOption(configOption())
  .option('--title <title>', 'the new title')
  .option('--impact <impact>', 'none, minor, major, critical or maintenance')
  .option('--components <names>', 'comma-separated component names')
  .option('--author <name>', 'who edits it (default: $USER)')
  .option('--json', 'print JSON instead of text')
  .action(lazy(() => import('./commands/incident.ts'), 'incidentEditCommand'));
incident
  .command('postmortem')
  .description('link the postmortem of an incident')
  .argument('<id>', 'incident id')
  .argument('<url>', 'http:// or https:// URL of the postmortem')
  .addOption(configOption())
  .option('--json', 'print JSON instead of text')
  .action(lazy(() => import('./commands/incident.ts'), 'incidentPostmortemCommand'));
incident
  .command('report')
  .description(
    'time from first hard failure to first public post: median, 90th percentile, longest, over the promise',
  )
  .addOption(configOption())
  .option('--since <time>', 'start: 2026-03-01, a time, or a duration back such as 30d (default: 90d)')
  .option('--json', 'print JSON instead of text')
  .action(lazy(() => import('./commands/incident.ts'), 'incidentReportCommand'));

const maintenance = program
  .command('maintenance')
  .description('maintenance announced on the status site (upcoming, in progress, completed)');
maintenance
  .command('announce')
  .description('announce maintenance of components for a window, optionally with Vigil downtime')
  .addOption(configOption())
  .option('--title <title>', 'what customers read')
  .option('--components <names>', 'comma-separated component names')
  .option('--from <time>', 'start: 2026-03-16T02:00 (status site zone) or with Z / an offset')
  .option('--until <time>', 'end')
  .option('-m, --message <text>', 'details for customers')
  .option('--time-zone <zone>', 'zone for times without an offset (default: the status site zone)')
  .option('--downtime', "also schedule downtime for the components' hosts and services")
  .option('--downtime-id <id>', 'tie it to an existing downtime window')
  .option('--author <name>', 'who announces it (default: $USER)')
  .action(lazy(() => import('./commands/maintenance-announce.ts'), 'maintenanceAnnounceCommand'));
maintenance
  .command('list')
  .description('announced maintenance still to come or in progress')
  .addOption(configOption())
  .option('--all', 'also completed and cancelled announcements')
  .option('--json', 'print JSON instead of a table')
  .action(lazy(() => import('./commands/maintenance-announce.ts'), 'maintenanceListCommand'));
maintenance
  .command('cancel')
  .description('withdraw an announcement, and cancel the downtime windows it created (--downtime)')
  .argument('<id>', 'the id shown by vigil maintenance list')
  .addOption(configOption())
  .action(lazy(() => import('./commands/maintenance-announce.ts'), 'maintenanceCancelCommand'));

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
  .action(lazy(() => import('./commands/report-noise.ts'), 'reportNoiseCommand'));
report
  .command('availability')
  .description(
    'availability per product, component, host and service: downtime (maintenance included), incidents, unknown time, error budget',
  )
  .addOption(configOption())
  .option(
    '--since <time>',
    'start: 2026-03-01 (in --time-zone), with Z / an offset, 30d ago, or "launch" (default: the current period, or 30d)',
  )
  .option('--until <time>', 'end (default: the end of the current period with --period, else now)')
  .addOption(
    new Option('--period <unit>', 'one row per calendar period').choices([
      'day',
      'week',
      'month',
      'quarter',
      'year',
    ]),
  )
  .option('--component <name>', 'only this component and the components under it')
  .option('--service <host/service>', 'only this service')
  .option('--host <host>', 'only this host')
  .option('--time-zone <zone>', 'zone of dates and period boundaries (default: yours)')
  .option(
    '--target <percent>',
    "error budget for this availability target, e.g. 99.99 (default: components' own)",
  )
  .option('--show-maintenance', 'show the scheduled part of downtime in its own columns (it always counts)')
  .addOption(
    new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'),
  )
  .action(lazy(() => import('./commands/report-availability.ts'), 'reportAvailabilityCommand'));

report
  .command('forecast')
  .description(
    'when a perfdata label (disk used, table size) reaches its limit: trend, projected date, chart',
  )
  .requiredOption('--object <host/service>', 'the service whose perfdata to forecast')
  .requiredOption('--label <label>', 'the perfdata label, e.g. used')
  .option(
    '--limit <number|max>',
    "the limit: a number in the label's unit, or max (declared maximum; default going up)",
  )
  .addOption(
    new Option(
      '--direction <direction>',
      'up: growing toward a ceiling; down: falling toward a floor (default 0)',
    )
      .choices(['up', 'down'])
      .default('up'),
  )
  .option('--window <duration>', 'how far back to fit the trend', '30d')
  .option('--min-samples <count>', 'fewer samples than this is "not enough data"', '10')
  .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
  .addOption(configOption())
  .action(lazy(() => import('./commands/report-forecast.ts'), 'reportForecastCommand'));

const deploy = program.command('deploy').description('record and list deploys (listed beside incidents)');
deploy
  .command('record')
  .description('record that a version of a service went out')
  .requiredOption('--service <name>', 'the service or component deployed')
  .requiredOption('--version <version>', 'the version deployed')
  .option('--at <time>', 'when: 2026-03-06T14:00 (your zone), with Z / an offset, or 15m ago (default: now)')
  .option('--by <name>', 'who deployed it (default: $USER)')
  .option('--description <text>', 'what changed')
  .option('--link <url>', 'release notes, pull request or pipeline run (http:// or https://)')
  .addOption(configOption())
  .action(lazy(() => import('./commands/deploy.ts'), 'deployRecordCommand'));
deploy
  .command('list')
  .description('deploys, oldest first (the newest --limit of the period)')
  .option('--service <name>', 'only this service')
  .option('--since <time>', 'start: 2026-03-01, 2026-03-01T09:00 (your zone), with Z / an offset, or 7d ago')
  .option('--until <time>', 'end (default: now)')
  .option('-n, --limit <count>', 'most deploys to show', '100')
  .option('--json', 'print JSON instead of a table')
  .addOption(configOption())
  .action(lazy(() => import('./commands/deploy.ts'), 'deployListCommand'));

const user = program
  .command('user')
  .description('manage who may sign in to the API and dashboard, and their roles (viewer, operator, admin)');
user
  .command('add')
  .description('add a user (asks for the password without echo, or reads it with --password-stdin)')
  .argument('<name>', 'username: letters, digits, ".", "_", "@" or "-"')
  .requiredOption('--role <role>', 'viewer, operator or admin')
  .option('--password-stdin', 'read the password from standard input (12 characters or more)')
  .addOption(configOption())
  .action(lazy(() => import('./commands/user.ts'), 'userAddCommand'));
user
  .command('list')
  .description('list users, their roles and whether they are disabled')
  .addOption(configOption())
  .option('--json', 'print JSON instead of a table')
  .action(lazy(() => import('./commands/user.ts'), 'userListCommand'));
user
  .command('remove')
  .description('remove a user with their sessions and API tokens (the audit log keeps their name)')
  .argument('<name>', 'username')
  .addOption(configOption())
  .action(lazy(() => import('./commands/user.ts'), 'userRemoveCommand'));
user
  .command('passwd')
  .description("set a user's password; signs out their sessions")
  .argument('<name>', 'username')
  .option('--password-stdin', 'read the password from standard input')
  .option('--revoke-tokens', "also revoke the user's API tokens (when the old password may have leaked)")
  .addOption(configOption())
  .action(lazy(() => import('./commands/user.ts'), 'userPasswdCommand'));
user
  .command('role')
  .description("change a user's role")
  .argument('<name>', 'username')
  .argument('<role>', 'viewer, operator or admin')
  .addOption(configOption())
  .action(lazy(() => import('./commands/user.ts'), 'userRoleCommand'));
user
  .command('disable')
  .description('stop a user from signing in (sessions end, tokens stop working); --enable undoes it')
  .argument('<name>', 'username')
  .option('--enable', 'enable the user again')
  .addOption(configOption())
  .action(lazy(() => import('./commands/user.ts'), 'userDisableCommand'));

const token = program.command('token').description('API tokens for scripts, scrapers and integrations');
token
  .command('create')
  .description('create a token; it is printed once (the store keeps only its hash)')
  .requiredOption('--user <name>', 'whose token it is')
  .requiredOption('--name <label>', 'what it is for, e.g. "grafana"')
  .option('--role <role>', "viewer, operator or admin; at most the user's role (default: the user's role)")
  .option('--expires <duration>', 'expire after this long, e.g. 90d (default: never)')
  .addOption(configOption())
  .action(lazy(() => import('./commands/token.ts'), 'tokenCreateCommand'));
token
  .command('list')
  .description('list tokens: id, name, user, role, last use, expiry, revoked')
  .option('--user <name>', "only this user's tokens")
  .option('--json', 'print JSON instead of a table')
  .addOption(configOption())
  .action(lazy(() => import('./commands/token.ts'), 'tokenListCommand'));
token
  .command('revoke')
  .description('revoke a token: it stops working at the next request')
  .argument('<id>', 'the id shown by vigil token list')
  .addOption(configOption())
  .action(lazy(() => import('./commands/token.ts'), 'tokenRevokeCommand'));

program
  .command('audit')
  .description(
    'who changed what: sign-ins, acknowledgements, downtime, users, tokens, reloads (newest first)',
  )
  .option('--since <time>', 'from a time (2026-03-01T09:00Z) or a duration ago (7d)')
  .option('--actor <name>', 'only this user (or OS user, or chat user)')
  .option('--action <action>', 'only this action, e.g. acknowledgement.add')
  .option('-n, --limit <count>', 'most entries to show', '100')
  .option('--json', 'print JSON instead of a table')
  .addOption(configOption())
  .action(lazy(() => import('./commands/audit.ts'), 'auditCommand'));

program
  .command('db-swap')
  .description(
    'swap a MySQL/MariaDB primary and its replica: preflight, pause the proxies, demote, wait for the exact ' +
      'position, promote, reverse replication, move traffic, resume; rolls back on failure before the promotion. ' +
      'Exit 0 swapped, 1 refused (nothing changed), 2 rolled back, 3 stopped: finish by hand',
  )
  .option('--primary <host:port>', 'the current primary')
  .option('--replica <host:port>', 'its replica, to become the primary')
  .option(
    '--user <name>',
    'an administrative account on both servers (READ_ONLY ADMIN or SUPER, REPLICATION SLAVE ADMIN)',
  )
  .option('--password-file <file>', 'its password (default: env VIGIL_DB_PASSWORD, else none)')
  .option(
    '--repl-user <name>',
    "replication account for the reverse direction (default: the replica's current one)",
  )
  .option('--repl-password-file <file>', 'its password (default: env VIGIL_REPL_PASSWORD)')
  .option('--max-lag <duration>', 'refuse when the replica is further behind than this', '5s')
  .option(
    '--max-transaction-age <duration>',
    'refuse when a transaction on the primary is open longer than this',
    '10s',
  )
  .option(
    '--wait-timeout <duration>',
    'longest wait for read_only, the binlog to settle and the replica to catch up',
    '10s',
  )
  .option('--settle <duration>', 'how long the binary log must stand still (and writers may finish)', '250ms')
  .option('--verify-timeout <duration>', 'how long the new replica may take to connect and catch up', '10s')
  .option('--hook <command>', 'moves the application to the new primary; gets it as $1 and VIGIL_NEW_PRIMARY')
  .option('--hook-timeout <duration>', 'longest the hook may run', '30s')
  .option('--proxy-group <name>', 'pause this proxy group (with --nats)')
  .option('--nats <url>', 'NATS servers of the proxy group, comma-separated')
  .option(
    '--proxy-control <url>',
    'pause this proxy through its control endpoint (repeatable)',
    collectValues,
  )
  .option('--proxy-secret-file <file>', 'the control secret (default: env VIGIL_PROXY_SECRET)')
  .option('--max-pause <duration>', 'the proxies resume by themselves after this, should the swap die', '30s')
  .option('--check-only', 'run the preflight only')
  .option('--dry-run', 'run the preflight and print the plan with the current coordinates')
  .option('--yes', 'do not ask for confirmation')
  .option('--json', 'print the result as JSON')
  .option('-c, --config <path>', 'configuration whose store records the run (env VIGIL_CONFIG)')
  .option('--store <path|url>', 'record the run in this SQLite file or postgres:// store instead')
  .action(lazy(() => import('./commands/db-swap.ts'), 'dbSwapCommand'));

const statusSite = program
  .command('status-site')
  .description('the public status site: generate it, serve it, see how its publishers are doing');
statusSite
  .command('generate')
  .description('generate the site from the store (or a snapshot file) into a new generation and swap it in')
  .addOption(configOption())
  .option('--out <dir>', 'site directory (default: status_site.output, or status-site/ beside the database)')
  .option('--snapshot <file>', 'render this JSON status snapshot instead of reading the store')
  .option('--publish', 'then publish it to every configured publisher (once, no background retries)')
  .option('--force', 'write a new generation even if the snapshot did not change')
  .action(lazy(() => import('./commands/status-site.ts'), 'statusSiteGenerateCommand'));
statusSite
  .command('serve')
  .description(
    'serve the generated site: ETag/304, precompressed gzip and brotli, cache headers; follows regenerations',
  )
  .addOption(configOption())
  .option('--dir <dir>', "site directory (default: the configuration's)")
  .option('--listen <host:port>', 'where to listen', '0.0.0.0:8480')
  .action(lazy(() => import('./commands/status-site.ts'), 'statusSiteServeCommand'));
statusSite
  .command('status')
  .description(
    'the live generation and, per publisher, the last success, last failure and next retry (exit 2 while one fails)',
  )
  .addOption(configOption())
  .option('--dir <dir>', "site directory (default: the configuration's)")
  .option('--json', 'print JSON instead of a table')
  .action(lazy(() => import('./commands/status-site.ts'), 'statusSiteStatusCommand'));

const topology = program.command('topology').description('derive and inspect the network topology');
topology
  .command('import-lldp')
  .description(
    'derive parents and switch-port services from `lldpctl -f json` files, one per host (HOST.json)',
  )
  .argument('<dir>', 'directory of HOST.json files (lldpctl -f json or -f json0 output)')
  .option('-o, --output <file>', 'where to write the configuration (default: stdout)')
  .action(lazy(() => import('./commands/topology-import-lldp.ts'), 'topologyImportLldpCommand'));

const collect = (value: string, previous: string[] = []) => [...previous, value];
const proxy = program
  .command('proxy')
  .description('a reverse proxy that can pause requests during maintenance (and its switch)');
const proxyTargetOptions = (command: Command) =>
  command
    .option('--config <path>', 'the proxy.yml of the proxy (control address, secret, group)')
    .option('--group <name>', 'act on every proxy of this group, through NATS')
    .option('--nats <url>', 'NATS server for --group (repeatable; default nats://127.0.0.1:4222)', collect)
    .option('--control <url>', 'control endpoint of a proxy, e.g. http://10.0.0.5:8471 (repeatable)', collect)
    .option('--secret-file <path>', 'file holding the control secret (or env VIGIL_PROXY_SECRET)')
    .option('--timeout <duration>', 'how long to wait for every proxy to confirm', '10s')
    .option('--json', 'print JSON instead of text');
proxy
  .command('run')
  .description('run the proxy in front of the app servers (SIGTERM/SIGINT: finish requests, then exit)')
  .option('--config <path>', 'proxy.yml: listen, upstreams, health check, pause limits, control, group')
  .option('--listen <host:port>', 'where clients connect (default 0.0.0.0:8080)')
  .option('--upstream <url>', 'an app server, e.g. http://10.0.0.5:3000 (repeatable)', collect)
  .option('--control-listen <host:port>', 'where the control endpoint listens (default 127.0.0.1:8471)')
  .option('--workers <count>', 'proxy processes sharing the port (default 1)')
  .option('--group <name>', "follow this group's pause state over NATS")
  .option('--log-level <level>', 'trace, debug, info, warn or error', 'info')
  .action(lazy(() => import('./commands/proxy.ts'), 'proxyRunCommand'));
proxyTargetOptions(
  proxy
    .command('pause')
    .description('hold new requests (in-flight ones finish); resolves once every proxy has paused')
    .option('--max-hold <duration>', 'longest one request waits before a 503 (e.g. 15s)')
    .option('--max-pause <duration>', 'the pause ends by itself after this long (e.g. 60s)')
    .option('-m, --reason <text>', 'why: shown in logs and status'),
).action(lazy(() => import('./commands/proxy.ts'), 'proxyPauseCommand'));
proxyTargetOptions(
  proxy.command('resume').description('release held requests in arrival order and let new ones through'),
).action(lazy(() => import('./commands/proxy.ts'), 'proxyResumeCommand'));
proxyTargetOptions(
  proxy.command('status').description('paused or not, requests held now, longest hold, counters'),
).action(lazy(() => import('./commands/proxy.ts'), 'proxyStatusCommand'));

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

/**
 * Loads a command's module only when that command runs, so `vigil --help` and every
 * command start without loading the daemon, the API and every check kind.
 */
function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    const command = (await load())[name] as (...commandArgs: unknown[]) => unknown;
    await command(...args);
  };
}
