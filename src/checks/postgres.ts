import net from 'node:net';
import pg from 'pg';
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
import { fixedRange, perfdataRanges, worstState } from './thresholds.ts';

const params = z
  .strictObject({
    /** Defaults to the host's address. */
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).default(5432),
    user: z.string({ error: 'user is required: the role the check logs in as' }).min(1),
    ...passwordParams,
    database: z.string().min(1).default('postgres'),
    /** Like libpq's sslmode: `disable`, `require` (encrypt, trust any certificate), `verify-full`. */
    tls: z
      .enum(['disable', 'require', 'verify-full'], { error: 'tls must be disable, require or verify-full' })
      .default('disable'),
    /** true: must be a standby (in recovery); false: must be a primary. Unset: either. */
    expect_recovery: z.boolean().optional(),
    ...databaseTimingParams,
  })
  .refine(...onePasswordSource);
type PostgresParams = z.infer<typeof params>;

const DEFAULT_LAG_WARN = fixedRange('30');
const DEFAULT_LAG_CRIT = fixedRange('120');

// A standby that has replayed everything it received is not behind, however old its last
// transaction is: on an idle primary the replay timestamp ages without any real lag.
const STATUS_QUERY = `SELECT current_setting('server_version') AS version,
  pg_is_in_recovery() AS in_recovery,
  CASE WHEN NOT pg_is_in_recovery() THEN NULL
       WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
       ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag,
  pg_last_xact_replay_timestamp() IS NULL AS nothing_replayed`;

const outcome = outcomeFor('POSTGRES');

/**
 * Checks a PostgreSQL server: it accepts a login and answers queries, is a primary or a standby
 * as expected, and a standby's replay stays close to its primary.
 */
export const postgresCheck: CheckKind<PostgresParams> = {
  kind: 'postgres',
  params,
  async run(p, target, env) {
    const address = p.host ?? target.host.address;
    const where = `${address}:${p.port}`;
    const elapsed = stopwatch();

    const secret = await readPassword(p);
    if ('unreadable' in secret) return outcome(State.UNKNOWN, secret.unreadable);
    const { password } = secret;

    const timeoutMs = Math.max(1, Math.floor(env.timeoutMs));
    const client = new pg.Client({
      host: address,
      port: p.port,
      user: p.user,
      password: password ?? '',
      database: p.database,
      ssl:
        p.tls === 'disable'
          ? false
          : p.tls === 'require'
            ? { rejectUnauthorized: false }
            : net.isIP(address)
              ? { rejectUnauthorized: true }
              : { rejectUnauthorized: true, servername: address },
      connectionTimeoutMillis: timeoutMs,
      // The server cancels a statement on its own at the check's timeout, even if our cancel
      // request (below) never arrives.
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs,
      application_name: 'vigil',
    });
    // An error after we stopped listening (server shut down) must not become an uncaught event.
    client.on('error', () => {});
    let cancelSent: Promise<void> | undefined;
    let querying = false;
    const release = () => {
      // Closing our socket does not stop a running statement: PostgreSQL only notices a gone
      // client when it next talks to it. A cancel request stops it now.
      if (querying && env.signal.aborted) cancelSent ??= sendCancel(client, address, p.port);
      client.connection.stream.destroy();
    };
    env.signal.addEventListener('abort', release, { once: true });

    let phase = 'connecting';
    let connected = false;
    try {
      await untilAbort(client.connect(), env.signal);
      connected = true;
      const timeConnect = elapsed();

      phase = 'querying';
      querying = true;
      let queryTime = stopwatch();
      const status = (await untilAbort(client.query(STATUS_QUERY), env.signal)).rows[0] as {
        version: string;
        in_recovery: boolean;
        lag: number | null;
        nothing_replayed: boolean;
      };
      let timeQuery = queryTime();

      const findings: Finding[] = [];
      const details: string[] = [
        `PostgreSQL ${status.version}, ${status.in_recovery ? 'in recovery (standby)' : 'not in recovery (primary)'}`,
      ];
      const perfdata: PerfDatum[] = [];

      if (p.expect_recovery === false && status.in_recovery)
        findings.push({
          state: State.CRITICAL,
          text: 'expected a primary, but it is in recovery (a standby): it does not accept writes',
        });
      if (p.expect_recovery === true && !status.in_recovery)
        findings.push({
          state: State.CRITICAL,
          text: 'expected a standby, but it is not in recovery: it was promoted or is a primary',
        });

      let roleSummary = status.in_recovery ? 'standby' : 'primary';
      if (status.in_recovery) {
        const lagLimit = { warn: p.lag_warn ?? DEFAULT_LAG_WARN, crit: p.lag_crit ?? DEFAULT_LAG_CRIT };
        if (status.lag === null) {
          details.push(
            status.nothing_replayed
              ? 'no transaction replayed yet since the standby started: lag unknown'
              : 'lag unknown',
          );
          roleSummary = 'standby, no transaction replayed yet';
        } else {
          const lag = Number(status.lag.toFixed(3));
          findings.push(...outsideThresholds(lag, lagLimit, `standby replay ${lag}s behind`));
          perfdata.push({ label: 'lag', value: lag, unit: 's', ...perfdataRanges(lagLimit), min: 0 });
          roleSummary = `standby, ${lag}s behind`;
        }
      }

      if (p.query !== undefined) {
        phase = 'running the query';
        queryTime = stopwatch();
        try {
          const result = await untilAbort(client.query(p.query), env.signal);
          timeQuery = queryTime();
          details.push(`query returned ${result.rowCount ?? 0} row(s)`);
        } catch (error) {
          if (error instanceof TimedOut || env.signal.aborted) throw error;
          findings.push({ state: State.CRITICAL, text: `query failed: ${errorText(error)}` });
        }
      }
      querying = false;

      const total = elapsed();
      const timeLimit = { warn: p.warn, crit: p.crit };
      findings.push(...outsideThresholds(total, timeLimit, `took ${total.toFixed(3)}s`));
      perfdata.unshift(
        timeDatum('time_connect', timeConnect),
        timeDatum('time_query', timeQuery),
        timeDatum('time', total, timeLimit),
      );

      const state = worstState(findings.map((f) => f.state));
      const summary =
        findings.length > 0 ? findings.map((f) => f.text).join('; ') : `${roleSummary}, ${total.toFixed(3)}s`;
      return outcome(state, summary, details.join('\n'), perfdata);
    } catch (error) {
      if (error instanceof TimedOut || env.signal.aborted) {
        await cancelSent;
        return outcome(State.CRITICAL, noAnswerWithin(where, env.timeoutMs, phase));
      }
      return outcome(State.CRITICAL, `${where}: ${errorText(error)}`);
    } finally {
      env.signal.removeEventListener('abort', release);
      // end() says goodbye properly (no "unexpected EOF" in the server log); after an abort the
      // socket is already gone and end() just settles.
      if (connected && !env.signal.aborted) await untilAbort(client.end(), env.signal).catch(() => {});
      client.connection.stream.destroy();
    }
  },
};

/**
 * PostgreSQL's CancelRequest: a new connection carrying the backend's process id and secret
 * key. It is answered by closing the connection, which is all we wait for (at most 500 ms).
 */
function sendCancel(client: pg.Client, host: string, port: number): Promise<void> {
  const keys = client as unknown as { processID: number | null; secretKey: number | Buffer | null };
  if (keys.processID === null || keys.secretKey === null) return Promise.resolve();
  const secret = Buffer.isBuffer(keys.secretKey) ? keys.secretKey : Buffer.alloc(4);
  if (!Buffer.isBuffer(keys.secretKey)) secret.writeInt32BE(keys.secretKey);
  const packet = Buffer.alloc(12 + secret.length);
  packet.writeInt32BE(packet.length, 0);
  packet.writeInt32BE(80877102, 4);
  packet.writeInt32BE(keys.processID, 8);
  secret.copy(packet, 12);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => socket.end(packet));
    const timer = setTimeout(() => socket.destroy(), 500);
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
