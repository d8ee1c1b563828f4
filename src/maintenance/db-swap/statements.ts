// The SQL the swap runs, in one place, so that what `--dry-run` and the manual-recovery report
// print is exactly what the swap executes.
import mysql from 'mysql2';
import type { Endpoint } from './endpoint.ts';
import type { BinlogCoordinates } from './server-state.ts';

export const HIDDEN_PASSWORD = '<replication password>';

export function setReadOnlySql(readOnly: boolean, hasSuperReadOnly: boolean): string[] {
  const value = readOnly ? 1 : 0;
  // super_read_only=1 implies read_only=1 and read_only=0 implies super_read_only=0 (MySQL):
  // setting them in this order never leaves a moment where one contradicts the other.
  if (!hasSuperReadOnly) return [`SET GLOBAL read_only = ${value}`];
  return readOnly
    ? ['SET GLOBAL read_only = 1', 'SET GLOBAL super_read_only = 1']
    : ['SET GLOBAL super_read_only = 0', 'SET GLOBAL read_only = 0'];
}

export function waitForPositionSql(at: BinlogCoordinates, timeoutMs: number): string {
  return `SELECT MASTER_POS_WAIT(${mysql.escape(at.file)}, ${at.position}, ${Math.max(1, Math.ceil(timeoutMs / 1000))}) AS applied`;
}

export interface ReplicationSource {
  source: Endpoint;
  user: string;
  /** null prints a placeholder instead of the secret. */
  password: string | null;
  /** Exact coordinates, or MariaDB's GTID position from the replica's own gtid_slave_pos. */
  from: { coordinates: BinlogCoordinates } | { gtid: 'slave_pos' | 'current_pos' };
}

export function changeMasterSql(replication: ReplicationSource): string {
  const password =
    replication.password === null ? `'${HIDDEN_PASSWORD}'` : mysql.escape(replication.password);
  const position =
    'coordinates' in replication.from
      ? `MASTER_LOG_FILE=${mysql.escape(replication.from.coordinates.file)}, ` +
        `MASTER_LOG_POS=${replication.from.coordinates.position}, MASTER_USE_GTID=no`
      : `MASTER_USE_GTID=${replication.from.gtid}`;
  return (
    `CHANGE MASTER TO MASTER_HOST=${mysql.escape(replication.source.host)}, ` +
    `MASTER_PORT=${replication.source.port}, MASTER_USER=${mysql.escape(replication.user)}, ` +
    `MASTER_PASSWORD=${password}, ${position}`
  );
}
