// What the swap needs to know about one server, read in one go: its settings, whether it
// is writable, its binary log position and, if it is a replica, its replication status.
import type mysql from 'mysql2/promise';

export interface BinlogCoordinates {
  file: string;
  position: number;
}

export function formatCoordinates(coordinates: BinlogCoordinates | null): string {
  return coordinates ? `${coordinates.file}:${coordinates.position}` : '(no binary log)';
}

export function sameCoordinates(a: BinlogCoordinates | null, b: BinlogCoordinates | null): boolean {
  return a !== null && b !== null && a.file === b.file && a.position === b.position;
}

export interface ReplicationStatus {
  sourceHost: string;
  sourcePort: number;
  sourceUser: string;
  /** The server id of the source as the replica last saw it; 0 when never connected. */
  sourceServerId: number;
  ioRunning: string;
  sqlRunning: string;
  secondsBehind: number | null;
  lastIoError: string;
  lastSqlError: string;
  /** `No`, `Slave_Pos` or `Current_Pos` (MariaDB). */
  usingGtid: string;
  /** The source's binary log position the replica has executed up to. */
  executed: BinlogCoordinates;
}

export interface LongTransaction {
  thread: number;
  seconds: number;
  user: string;
}

export interface ServerState {
  version: string;
  serverId: number;
  readOnly: boolean;
  /** null: the server has no super_read_only (MariaDB, where READ_ONLY ADMIN decides instead). */
  superReadOnly: boolean | null;
  maxConnections: number;
  binlogFormat: string;
  logBin: boolean;
  /** MariaDB's @@gtid_binlog_pos, or MySQL's @@gtid_executed; '' when unused. */
  gtidPosition: string;
  /** SHOW MASTER STATUS; null when binary logging is off. */
  coordinates: BinlogCoordinates | null;
  replication: ReplicationStatus | null;
  longTransactions: LongTransaction[];
}

type Row = mysql.RowDataPacket;

async function variable(db: mysql.Connection, name: string): Promise<string | null> {
  const [rows] = await db.query<Row[]>('SHOW GLOBAL VARIABLES LIKE ?', [name]);
  const value = rows[0]?.Value;
  return value === undefined || value === null ? null : String(value);
}

const on = (value: string | null) => value === 'ON' || value === '1';

export async function readCoordinates(db: mysql.Connection): Promise<BinlogCoordinates | null> {
  const [rows] = await db.query<Row[]>('SHOW MASTER STATUS');
  const row = rows[0];
  if (!row) return null;
  return { file: String(row.File), position: Number(row.Position) };
}

export async function readReplication(db: mysql.Connection): Promise<ReplicationStatus | null> {
  const [rows] = await db.query<Row[]>('SHOW SLAVE STATUS');
  const row = rows[0];
  if (!row) return null;
  const behind = row.Seconds_Behind_Master;
  return {
    sourceHost: String(row.Master_Host ?? ''),
    sourcePort: Number(row.Master_Port ?? 0),
    sourceUser: String(row.Master_User ?? ''),
    sourceServerId: Number(row.Master_Server_Id ?? 0),
    ioRunning: String(row.Slave_IO_Running ?? 'No'),
    sqlRunning: String(row.Slave_SQL_Running ?? 'No'),
    secondsBehind: behind === null || behind === undefined ? null : Number(behind),
    lastIoError: String(row.Last_IO_Error ?? ''),
    lastSqlError: String(row.Last_SQL_Error ?? ''),
    usingGtid: String(row.Using_Gtid ?? 'No'),
    executed: {
      file: String(row.Relay_Master_Log_File ?? ''),
      position: Number(row.Exec_Master_Log_Pos ?? 0),
    },
  };
}

/** Reads everything the preflight judges; `longerThanS` picks which open transactions count as long. */
export async function readServerState(db: mysql.Connection, longerThanS: number): Promise<ServerState> {
  const [[settings]] = await db.query<Row[]>(
    'SELECT @@version AS version, @@server_id AS server_id, @@read_only AS read_only, ' +
      '@@max_connections AS max_connections, @@binlog_format AS binlog_format, @@log_bin AS log_bin',
  );
  if (!settings) throw new Error('the server returned no settings');
  const superReadOnly = await variable(db, 'super_read_only');
  const gtid = (await variable(db, 'gtid_binlog_pos')) ?? (await variable(db, 'gtid_executed')) ?? '';
  const [transactions] = await db.query<Row[]>(
    'SELECT t.trx_mysql_thread_id AS thread, TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS seconds, ' +
      "COALESCE(p.user, '') AS user FROM information_schema.innodb_trx t " +
      'LEFT JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id ' +
      'WHERE t.trx_started < NOW() - INTERVAL ? SECOND AND t.trx_mysql_thread_id <> CONNECTION_ID()',
    [longerThanS],
  );
  return {
    version: String(settings.version),
    serverId: Number(settings.server_id),
    readOnly: Number(settings.read_only) === 1,
    superReadOnly: superReadOnly === null ? null : on(superReadOnly),
    maxConnections: Number(settings.max_connections),
    binlogFormat: String(settings.binlog_format),
    logBin: Number(settings.log_bin) === 1,
    gtidPosition: gtid,
    coordinates: await readCoordinates(db),
    replication: await readReplication(db),
    longTransactions: transactions.map((t) => ({
      thread: Number(t.thread),
      seconds: Number(t.seconds),
      user: String(t.user),
    })),
  };
}
