import mysql from 'mysql2';
import { z } from 'zod';
import type { PerfDatum } from '../model/types.ts';
import { ServiceState as State } from '../model/types.ts';
import type { CheckKind } from './check.ts';
import {
  databaseTimingParams,
  errorText,
  type Finding,
  noAnswerWithin,
  onePasswordSource,
  outcomeFor,
  outsideThresholds,
  passwordParams,
  readPassword,
  stopwatch,
  TimedOut,
  timeDatum,
  untilAbort,
} from './native.ts';
import { fixedRange, perfdataRanges, type ThresholdRange, worstState } from './thresholds.ts';

const params = z
  .strictObject({
    /** Defaults to the host's address. */
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(3306),
    user: z.string({ error: 'user is required: the account the check logs in as' }).min(1),
    ...passwordParams,
    database: z.string().min(1).optional(),
    role: z
      .enum(['primary', 'replica', 'any'], { error: 'role must be primary, replica or any' })
      .default('any'),
    /** Without it, role primary expects read_only OFF and role replica expects ON. */
    expect_read_only: z.boolean().optional(),
    ...databaseTimingParams,
  })
  .refine(...onePasswordSource);
type MysqlParams = z.infer<typeof params>;

const DEFAULT_LAG_WARN = fixedRange('30');
const DEFAULT_LAG_CRIT = fixedRange('120');

type Row = Record<string, unknown>;

const outcome = outcomeFor('MYSQL');

/**
 * Checks a MySQL or MariaDB server: that it accepts a login, answers queries, has the
 * read_only setting its role calls for, and, on a replica, that both replication threads
 * run and the lag stays within bounds.
 */
export const mysqlCheck: CheckKind<MysqlParams> = {
  kind: 'mysql',
  params,
  async run(p, target, env) {
    const address = p.host ?? target.host.address;
    const where = `${address}:${p.port}`;
    const timeLimit = { warn: p.warn, crit: p.crit };
    const elapsed = stopwatch();

    const secret = await readPassword(p);
    if ('unreadable' in secret) return outcome(State.UNKNOWN, secret.unreadable);
    const { password } = secret;

    const connection = mysql.createConnection({
      host: address,
      port: p.port,
      user: p.user,
      password: password ?? '',
      database: p.database,
      connectTimeout: Math.max(1, env.timeoutMs),
      // Nothing here needs dates or big numbers; keep values as the server sends them.
      dateStrings: true,
      supportBigNumbers: true,
    });
    // A late error (server gone after we stopped listening) must not become an uncaught 'error' event.
    connection.on('error', () => {});
    let connected = false;
    let killSent: Promise<void> | undefined;
    const release = () => {
      // MySQL and MariaDB let a statement run on after its client is gone; kill it by thread id.
      if (connected && env.signal.aborted)
        killSent ??= killQuery(connection.threadId, {
          host: address,
          port: p.port,
          user: p.user,
          password: password ?? '',
        });
      connection.destroy();
      // destroy() only half-closes; a connect still in flight to a silent address would linger.
      (connection as unknown as { stream?: { destroy(): void } }).stream?.destroy();
    };
    env.signal.addEventListener('abort', release, { once: true });

    let phase = 'connecting';
    const db = connection.promise();
    try {
      await untilAbort(db.connect(), env.signal);
      connected = true;
      const timeConnect = elapsed();

      phase = 'querying';
      let queryTime = stopwatch();
      const [statusRows] = await untilAbort(
        db.query<mysql.RowDataPacket[]>('SELECT @@version AS version, @@read_only AS read_only'),
        env.signal,
      );
      let timeQuery = queryTime();
      const status = (statusRows[0] ?? {}) as Row;
      const version = String(status.version ?? 'unknown version');
      const readOnly = Number(status.read_only) === 1;

      const findings: Finding[] = [];
      const details: string[] = [`server ${version}, read_only ${readOnly ? 'ON' : 'OFF'}`];
      const perfdata: PerfDatum[] = [];

      const expectReadOnly =
        p.expect_read_only ?? (p.role === 'primary' ? false : p.role === 'replica' ? true : undefined);
      if (expectReadOnly !== undefined && expectReadOnly !== readOnly) {
        findings.push({ state: State.CRITICAL, text: readOnlyProblem(p.role, readOnly) });
      }

      let replicaSummary = '';
      if (p.role !== 'primary') {
        phase = 'reading replica status';
        const replica = await replicaStatus(db, env.signal);
        if ('denied' in replica) {
          if (p.role === 'replica')
            findings.push({ state: State.UNKNOWN, text: `cannot read replica status: ${replica.denied}` });
          else details.push(`replica status not readable: ${replica.denied}`);
        } else if (replica.rows.length === 0) {
          if (p.role === 'replica')
            findings.push({
              state: State.CRITICAL,
              text: 'not configured as a replica (SHOW REPLICA STATUS is empty)',
            });
        } else {
          const lagThresholds = {
            warn: p.lag_warn ?? DEFAULT_LAG_WARN,
            crit: p.lag_crit ?? DEFAULT_LAG_CRIT,
          };
          const result = judgeReplication(replica.rows, lagThresholds);
          findings.push(...result.findings);
          details.push(...result.details);
          replicaSummary = result.summary;
          if (result.lag !== undefined)
            perfdata.push({
              label: 'lag',
              value: result.lag,
              unit: 's',
              ...perfdataRanges(lagThresholds),
              min: 0,
            });
        }
      }

      if (p.query !== undefined) {
        phase = 'running the query';
        queryTime = stopwatch();
        try {
          const [rows] = await untilAbort(db.query(p.query), env.signal);
          timeQuery = queryTime();
          details.push(`query returned ${Array.isArray(rows) ? `${rows.length} row(s)` : 'no result set'}`);
        } catch (error) {
          if (error instanceof TimedOut) throw error;
          findings.push({ state: State.CRITICAL, text: `query failed: ${sqlErrorText(error)}` });
        }
      }

      const total = elapsed();
      findings.push(...outsideThresholds(total, timeLimit, `took ${total.toFixed(3)}s`));

      perfdata.unshift(
        timeDatum('time_connect', timeConnect),
        timeDatum('time_query', timeQuery),
        timeDatum('time', total, timeLimit),
      );
      perfdata.push({ label: 'read_only', value: readOnly ? 1 : 0, unit: '', min: 0, max: 1 });

      const state = worstState(findings.map((f) => f.state));
      const summary =
        findings.length > 0
          ? findings
              .filter((f) => f.state !== State.OK)
              .map((f) => f.text)
              .join('; ')
          : [
              replicaSummary || (p.role === 'any' ? version : p.role),
              readOnly ? 'read-only' : 'writable',
              `${total.toFixed(3)}s`,
            ]
              .filter((part) => part !== '')
              .join(', ');
      return outcome(state, summary, details.join('\n'), perfdata);
    } catch (error) {
      if (error instanceof TimedOut || env.signal.aborted) {
        await killSent;
        return outcome(State.CRITICAL, noAnswerWithin(where, env.timeoutMs, phase));
      }
      return outcome(
        State.CRITICAL,
        phase === 'connecting' ? connectProblem(error, where) : sqlErrorText(error),
      );
    } finally {
      // A polite COM_QUIT keeps "Aborted connection" warnings out of the server's error log.
      if (connected && !env.signal.aborted) await untilAbort(db.end(), env.signal).catch(() => {});
      env.signal.removeEventListener('abort', release);
      release();
    }
  },
};

/** `KILL QUERY` from a second connection, given at most one second; failures are ignored. */
async function killQuery(
  threadId: number | null,
  login: { host: string; port: number; user: string; password: string },
): Promise<void> {
  if (threadId === null) return;
  const killer = mysql.createConnection({ ...login, connectTimeout: 1000 });
  killer.on('error', () => {});
  const timer = setTimeout(() => {
    killer.destroy();
    (killer as unknown as { stream?: { destroy(): void } }).stream?.destroy();
  }, 1000);
  try {
    await killer.promise().query(`KILL QUERY ${Number(threadId)}`);
    await killer.promise().end();
  } catch {
    // The statement ends anyway when it finishes; nothing more to do.
  } finally {
    clearTimeout(timer);
    killer.destroy();
  }
}

type PromiseConnection = ReturnType<mysql.Connection['promise']>;

/**
 * SHOW REPLICA STATUS exists on MySQL 8.0.22+ and MariaDB 10.5.1+, and is the only form left in
 * MySQL 8.4; older servers only know SHOW SLAVE STATUS, so a parse error falls back to it.
 */
async function replicaStatus(
  db: PromiseConnection,
  signal: AbortSignal,
): Promise<{ rows: Row[] } | { denied: string }> {
  for (const statement of ['SHOW REPLICA STATUS', 'SHOW SLAVE STATUS']) {
    try {
      const [rows] = await untilAbort(db.query<mysql.RowDataPacket[]>(statement), signal);
      return { rows: rows as Row[] };
    } catch (error) {
      if (error instanceof TimedOut) throw error;
      const code = (error as { code?: string }).code;
      if (code === 'ER_PARSE_ERROR' && statement === 'SHOW REPLICA STATUS') continue;
      if (code === 'ER_SPECIFIC_ACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_ERROR')
        return { denied: sqlErrorText(error) };
      throw error;
    }
  }
  return { rows: [] };
}

/** MySQL 8 renamed the columns (Replica_*, *_Source); MariaDB and older MySQL use Slave_* / *_Master. */
function column(row: Row, ...names: string[]): unknown {
  for (const name of names) if (row[name] !== undefined) return row[name];
  return undefined;
}

function judgeReplication(
  rows: Row[],
  lagThresholds: { warn: ThresholdRange; crit: ThresholdRange },
): { findings: Finding[]; details: string[]; summary: string; lag?: number } {
  const findings: Finding[] = [];
  const details: string[] = [];
  let worstLag: number | undefined;
  let source = '';
  for (const row of rows) {
    const channel = String(column(row, 'Channel_Name', 'Connection_name') ?? '');
    const prefix = channel === '' ? 'replica' : `replica channel "${channel}"`;
    source = `${column(row, 'Source_Host', 'Master_Host') ?? '?'}:${column(row, 'Source_Port', 'Master_Port') ?? '?'}`;
    const io = String(column(row, 'Replica_IO_Running', 'Slave_IO_Running') ?? 'No');
    const sql = String(column(row, 'Replica_SQL_Running', 'Slave_SQL_Running') ?? 'No');
    const ioError = String(column(row, 'Last_IO_Error') ?? '');
    const sqlError = String(column(row, 'Last_SQL_Error') ?? '');
    const rawLag = column(row, 'Seconds_Behind_Source', 'Seconds_Behind_Master');
    details.push(
      `${prefix} of ${source}: IO thread ${io}, SQL thread ${sql}, seconds behind ${rawLag ?? 'NULL'}` +
        (ioError ? `\nlast IO error: ${ioError}` : '') +
        (sqlError ? `\nlast SQL error: ${sqlError}` : ''),
    );
    // "Connecting" means the IO thread is retrying a connection it lost: not replicating.
    if (io !== 'Yes')
      findings.push({
        state: State.CRITICAL,
        text: `${prefix} IO thread ${io === 'No' ? 'stopped' : `not running (${io})`}${ioError ? `: ${ioError}` : ''}`,
      });
    if (sql !== 'Yes')
      findings.push({
        state: State.CRITICAL,
        text: `${prefix} SQL thread stopped${sqlError ? `: ${sqlError}` : ''}`,
      });
    if (io === 'Yes' && sql === 'Yes') {
      if (rawLag === null || rawLag === undefined) {
        findings.push({
          state: State.CRITICAL,
          text: `${prefix}: replication broken (Seconds_Behind_Master is NULL)`,
        });
      } else {
        const lag = Number(rawLag);
        worstLag = Math.max(worstLag ?? 0, lag);
        findings.push(...outsideThresholds(lag, lagThresholds, `${prefix} ${lag}s behind ${source}`));
      }
    }
  }
  const summary =
    rows.length === 1
      ? `replica of ${source}, ${worstLag ?? '?'}s behind`
      : `replica of ${rows.length} sources`;
  return worstLag === undefined
    ? { findings, details, summary }
    : { findings, details, summary, lag: worstLag };
}

function readOnlyProblem(role: MysqlParams['role'], readOnly: boolean): string {
  if (role === 'primary') return 'primary is read-only (read_only=ON): writes to it fail';
  if (role === 'replica')
    return 'replica is writable (read_only=OFF): writes to it would diverge from the primary';
  return `read_only is ${readOnly ? 'ON' : 'OFF'}, expected ${readOnly ? 'OFF' : 'ON'}`;
}

function connectProblem(error: unknown, where: string): string {
  const e = error as { code?: string; sqlMessage?: string };
  if (e.code === 'ER_ACCESS_DENIED_ERROR' || e.code === 'ER_DBACCESS_DENIED_ERROR')
    return lowerFirst(e.sqlMessage ?? sqlErrorText(error));
  if (e.sqlMessage) return `${where}: ${e.sqlMessage}`;
  return `cannot connect to ${where}: ${sqlErrorText(error)}`;
}

/** The server's own message for a statement it refused, which names the cause better than the code. */
function sqlErrorText(error: unknown): string {
  return (error as { sqlMessage?: string }).sqlMessage || errorText(error);
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
