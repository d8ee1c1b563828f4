// A MariaDB primary and replica of our own, on free loopback ports with throwaway datadirs.
// Both servers log binary logs and have their own server id, and the replication account exists
// on both, so either one can replicate from the other (what a role swap needs).

import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort, ScratchServers, waitFor } from './local-servers.ts';

const run = promisify(execFile);

export const REPL_USER = 'repl';
export const REPL_PASSWORD = 'repl-secret';

export class ReplicationPair extends ScratchServers {
  primaryPort = 0;
  replicaPort = 0;
  private readonly servers = new Map<number, ChildProcess>();
  /**
   * The datadirs, in memory where the machine has /dev/shm: on a busy disk every commit
   * waits for a flush, and the pair starts and takes writes several times slower.
   */
  private dataDir = '';

  async start(): Promise<void> {
    await this.makeScratchDir('vigil-repl-');
    this.dataDir = existsSync('/dev/shm') ? await mkdtemp('/dev/shm/vigil-repl-') : this.dir;
    [this.primaryPort, this.replicaPort] = [await freePort(), await freePort()];
    await Promise.all([this.install('primary'), this.install('replica')]);
    await Promise.all([
      this.launch('primary', this.primaryPort, 1),
      this.launch('replica', this.replicaPort, 2),
    ]);

    const primary = await this.connect(this.primaryPort);
    try {
      await primary.query(`CREATE USER '${REPL_USER}'@'127.0.0.1' IDENTIFIED BY '${REPL_PASSWORD}'`);
      await primary.query(`GRANT REPLICATION SLAVE ON *.* TO '${REPL_USER}'@'127.0.0.1'`);
      // The monitoring account exactly as docs/checks/mysql.md tells operators to create it.
      await primary.query("CREATE USER 'vigil'@'127.0.0.1' IDENTIFIED BY 'watch'");
      await primary.query("GRANT REPLICATION CLIENT, SLAVE MONITOR ON *.* TO 'vigil'@'127.0.0.1'");
      // An application account without READ_ONLY ADMIN: read_only stops its writes.
      await primary.query("CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'app-secret'");
      await primary.query("GRANT SELECT, INSERT, UPDATE, DELETE ON app.* TO 'app'@'127.0.0.1'");
      await primary.query('CREATE DATABASE app');
      await primary.query('CREATE TABLE app.orders (id INT PRIMARY KEY)');
    } finally {
      await primary.end();
    }
    await this.replicate(this.replicaPort, this.primaryPort);
    // Caught up once the primary's last statement (the table) exists on the replica.
    await this.onReplica((db) =>
      waitFor(async () => {
        const [rows] = await db.query<mysql.RowDataPacket[]>(
          "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'app'",
        );
        return Number(rows[0]?.n) === 1;
      }, 'the replica to catch up'),
    );
  }

  /** Makes `replicaPort` a read-only replica of `primaryPort`, from its current GTID position. */
  async replicate(replicaPort: number, primaryPort: number): Promise<void> {
    const replica = await this.connect(replicaPort);
    try {
      await replica.query('STOP SLAVE');
      await replica.query(
        `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${primaryPort}, MASTER_USER='${REPL_USER}', ` +
          `MASTER_PASSWORD='${REPL_PASSWORD}', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1`,
      );
      await replica.query('START SLAVE');
      await replica.query('SET GLOBAL read_only = 1');
    } finally {
      await replica.end();
    }
  }

  private async install(name: string): Promise<void> {
    // A private tmpdir: bootstraps running at once must not share /tmp's temporary tables.
    await mkdir(path.join(this.dataDir, `${name}-tmp`), { recursive: true });
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${path.join(this.dataDir, name)}`,
      `--tmpdir=${path.join(this.dataDir, `${name}-tmp`)}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=4M',
    ]);
  }

  private async launch(name: string, port: number, serverId: number): Promise<void> {
    const child = this.spawnServer('/usr/sbin/mariadbd', [
      '--no-defaults',
      '--user=root',
      `--datadir=${path.join(this.dataDir, name)}`,
      `--tmpdir=${path.join(this.dataDir, `${name}-tmp`)}`,
      `--socket=${path.join(this.dir, `${name}.sock`)}`,
      `--pid-file=${path.join(this.dir, `${name}.pid`)}`,
      `--log-error=${path.join(this.dir, `${name}.err`)}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--skip-networking=0',
      '--skip-name-resolve',
      `--server-id=${serverId}`,
      '--log-bin=binlog',
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=4M',
      '--performance-schema=OFF',
    ]);
    this.servers.set(port, child);
    for (let attempt = 0; attempt < 150; attempt++) {
      if (child.exitCode !== null) break;
      try {
        await (await this.connect(port)).end();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const log = await readFile(path.join(this.dir, `${name}.err`), 'utf8').catch(() => '(no log)');
    throw new Error(`mariadbd ${name} did not start on port ${port}:\n${log.slice(-2000)}`);
  }

  override async stop(): Promise<void> {
    await super.stop();
    if (this.dataDir && this.dataDir !== this.dir) await rm(this.dataDir, { recursive: true, force: true });
  }

  /** Kills the server on `port` outright, as a crash or power loss would. */
  async kill(port: number): Promise<void> {
    const child = this.servers.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  connect(port: number): Promise<mysql.Connection> {
    return mysql.createConnection({ host: '127.0.0.1', port, user: 'root', password: '' });
  }

  async on<T>(port: number, work: (db: mysql.Connection) => Promise<T>): Promise<T> {
    const db = await this.connect(port);
    try {
      return await work(db);
    } finally {
      await db.end();
    }
  }

  onReplica<T>(work: (db: mysql.Connection) => Promise<T>): Promise<T> {
    return this.on(this.replicaPort, work);
  }

  onPrimary<T>(work: (db: mysql.Connection) => Promise<T>): Promise<T> {
    return this.on(this.primaryPort, work);
  }
}

export async function replicaThreads(db: mysql.Connection): Promise<{ io: string; sql: string }> {
  const [rows] = await db.query<mysql.RowDataPacket[]>('SHOW SLAVE STATUS');
  return { io: String(rows[0]?.Slave_IO_Running), sql: String(rows[0]?.Slave_SQL_Running) };
}
