// The preflight: every reason not to swap, judged from what was read off both servers, all
// reported at once and in plain words. Nothing is changed on either server unless this
// returns no problem. Pure: the reading happens in connect.ts and server-state.ts.
import { formatCoordinates, type ServerState } from './server-state.ts';

/** A server as the preflight found it: its state, or why it could not be read. */
export type Reading = { ok: true; state: ServerState } | { ok: false; error: string };

export interface PreflightInput {
  primary: { address: string; reading: Reading; addresses: readonly string[]; port: number };
  replica: { address: string; reading: Reading };
  /** Addresses the replica's configured source host resolves to (empty when unknown). */
  replicaSourceAddresses: readonly string[];
  maxLagS: number;
  maxTransactionAgeS: number;
}

/** "MariaDB 10.11" from "10.11.6-MariaDB-0+deb12u1-log"; "MySQL 8.0" from "8.0.36". */
export function versionFamily(version: string): string {
  const [major, minor] = version.split(/[.-]/);
  const product = /mariadb/i.test(version) ? 'MariaDB' : 'MySQL';
  return `${product} ${major ?? '?'}.${minor ?? '?'}`;
}

export function preflightProblems(input: PreflightInput): string[] {
  const problems: string[] = [];
  const { primary, replica } = input;
  if (!primary.reading.ok) problems.push(`primary ${primary.address}: ${primary.reading.error}`);
  if (!replica.reading.ok) problems.push(`replica ${replica.address}: ${replica.reading.error}`);
  if (!primary.reading.ok || !replica.reading.ok) return problems;
  const p = primary.reading.state;
  const r = replica.reading.state;

  if (!p.readOnly && !r.readOnly)
    problems.push(
      `both servers are writable (read_only=OFF on ${primary.address} and ${replica.address}): ` +
        'they may already have diverged; make the replica read-only and check its data first',
    );
  else {
    if (p.readOnly)
      problems.push(
        `primary ${primary.address} is already read-only: a swap starts from a writable primary ` +
          '(is a swap already under way, or are the roles the other way round?)',
      );
    if (!r.readOnly)
      problems.push(`replica ${replica.address} is writable (read_only=OFF): writes to it would diverge`);
  }

  const source = r.replication;
  if (!source) problems.push(`replica ${replica.address} is not replicating from anywhere`);
  else {
    const from = `${source.sourceHost}:${source.sourcePort}`;
    const hostMatches =
      input.replicaSourceAddresses.length > 0 &&
      input.replicaSourceAddresses.some((a) => primary.addresses.includes(a));
    const idMatches = source.sourceServerId === 0 || source.sourceServerId === p.serverId;
    if (!hostMatches || source.sourcePort !== primary.port || !idMatches)
      problems.push(
        `replica ${replica.address} replicates from ${from}` +
          (idMatches ? '' : ` (server id ${source.sourceServerId})`) +
          `, not from the primary ${primary.address}` +
          (idMatches ? '' : ` (server id ${p.serverId})`),
      );
    if (source.ioRunning !== 'Yes')
      problems.push(
        `replica ${replica.address}: the IO thread is ${source.ioRunning === 'No' ? 'stopped' : source.ioRunning.toLowerCase()}` +
          (source.lastIoError ? ` (${source.lastIoError})` : ''),
      );
    if (source.sqlRunning !== 'Yes')
      problems.push(
        `replica ${replica.address}: the SQL thread is stopped` +
          (source.lastSqlError ? ` (${source.lastSqlError})` : ''),
      );
    if (source.secondsBehind !== null && source.secondsBehind > input.maxLagS)
      problems.push(
        `replica ${replica.address} is ${source.secondsBehind}s behind, more than the ${input.maxLagS}s allowed (--max-lag)`,
      );
  }
  if (p.replication && p.replication.ioRunning !== 'No')
    problems.push(
      `primary ${primary.address} is itself a replica of ${p.replication.sourceHost}:${p.replication.sourcePort}: ` +
        'a chained or circular setup is not a primary/replica pair this swap handles',
    );

  if (versionFamily(p.version) !== versionFamily(r.version))
    problems.push(
      `the servers run different versions (${versionFamily(p.version)} on the primary, ${versionFamily(r.version)} on the replica)`,
    );
  if (p.maxConnections !== r.maxConnections)
    problems.push(
      `max_connections differs (${p.maxConnections} on the primary, ${r.maxConnections} on the replica): ` +
        'the new primary must take the same load',
    );
  if (p.binlogFormat !== r.binlogFormat)
    problems.push(
      `binlog_format differs (${p.binlogFormat} on the primary, ${r.binlogFormat} on the replica)`,
    );
  if (!p.logBin || !p.coordinates)
    problems.push(`primary ${primary.address} has binary logging off: there is no position to wait for`);
  if (!r.logBin || !r.coordinates)
    problems.push(
      `replica ${replica.address} has binary logging off (log_bin): the old primary could not replicate ` +
        'from it after the swap; start it with log_bin and a server id',
    );
  if (p.serverId === r.serverId)
    problems.push(`both servers have server id ${p.serverId}: replication between them would drop events`);
  for (const trx of p.longTransactions)
    problems.push(
      `primary ${primary.address}: a transaction has been open for ${trx.seconds}s ` +
        `(thread ${trx.thread}${trx.user ? `, user ${trx.user}` : ''}), longer than ${input.maxTransactionAgeS}s ` +
        '(--max-transaction-age): it would hold up read_only or be killed',
    );
  return problems;
}

/** One line per server, for the preflight's "what I found". */
export function describeServer(address: string, state: ServerState): string {
  const role = state.replication
    ? `replica of ${state.replication.sourceHost}:${state.replication.sourcePort} ` +
      `(IO ${state.replication.ioRunning}, SQL ${state.replication.sqlRunning}, ` +
      `${state.replication.secondsBehind ?? '?'}s behind, executed ${formatCoordinates(state.replication.executed)})`
    : 'not a replica';
  return (
    `${address}: ${versionFamily(state.version)} (${state.version}), server id ${state.serverId}, ` +
    `read_only ${state.readOnly ? 'ON' : 'OFF'}, binlog ${formatCoordinates(state.coordinates)}` +
    `${state.gtidPosition ? ` gtid ${state.gtidPosition}` : ''}, ${role}`
  );
}
