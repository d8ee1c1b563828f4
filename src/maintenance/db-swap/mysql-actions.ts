// What each step and undo step does to real MySQL/MariaDB servers. The runner decides the
// order; this file only acts, and remembers the coordinates later steps need.
import type { ProxySwitch } from '../proxy-switch.ts';
import type { Endpoint } from './endpoint.ts';
import { runHook } from './hook.ts';
import type { SwapStep } from './plan.ts';
import type { UndoKind } from './rollback.ts';
import type { SwapActions } from './runner.ts';
import {
  type BinlogCoordinates,
  formatCoordinates,
  type ReplicationStatus,
  readCoordinates,
  readReplication,
  sameCoordinates,
} from './server-state.ts';
import type { ServerSession } from './session.ts';
import { changeMasterSql, setReadOnlySql, waitForPositionSql } from './statements.ts';
import { waitUntilAnswered } from './unanswered-requests.ts';

export interface SwapSettings {
  primary: ServerSession;
  replica: ServerSession;
  primaryHasSuperReadOnly: boolean;
  replicaHasSuperReadOnly: boolean;
  /** The replica's replication as the preflight found it, for putting it back on rollback. */
  originalReplication: ReplicationStatus;
  replicationUser: string;
  replicationPassword: string;
  proxies: ProxySwitch | null;
  /** Longest the proxies may stay paused should this process die mid-swap. */
  maxPauseMs: number;
  hook: string | null;
  hookTimeoutMs: number;
  settleMs: number;
  waitTimeoutMs: number;
  verifyTimeoutMs: number;
  sleep: (ms: number) => Promise<void>;
  clock: () => number;
}

export class MysqlSwapActions implements SwapActions {
  /** The primary's last position once it stopped moving. */
  finalPrimaryCoordinates: BinlogCoordinates | null = null;
  /** The new primary's position when it became writable: where the old primary starts replicating. */
  newPrimaryCoordinates: BinlogCoordinates | null = null;

  constructor(private readonly settings: SwapSettings) {}

  private get primary() {
    return this.settings.primary;
  }
  private get replica() {
    return this.settings.replica;
  }

  async step(step: SwapStep): Promise<string | undefined> {
    switch (step.kind) {
      case 'pause-proxies':
        return this.pauseProxies();
      case 'set-primary-read-only':
        return this.setPrimaryReadOnly();
      case 'end-writing-sessions':
        return this.endWritingSessions();
      case 'confirm-binlog-stopped':
        return this.confirmBinlogStopped();
      case 'wait-replica-caught-up':
        return this.waitReplicaCaughtUp();
      case 'stop-replica':
        return this.stopReplica();
      case 'promote-replica':
        return this.promoteReplica();
      case 'replicate-from-new-primary':
        return this.replicateFromNewPrimary();
      case 'move-traffic':
        return this.moveTraffic(this.replica.endpoint, this.primary.endpoint, 'swap');
      case 'resume-proxies':
        return this.resumeProxies();
      case 'verify':
        return this.verify();
    }
  }

  async undo(kind: UndoKind): Promise<string | undefined> {
    switch (kind) {
      case 'confirm-new-primary-unwritten': {
        const now = await this.replica.use(readCoordinates);
        if (!sameCoordinates(now, this.newPrimaryCoordinates))
          throw new Error(
            `${this.replica.address}: its binary log moved from ${formatCoordinates(this.newPrimaryCoordinates)} ` +
              `to ${formatCoordinates(now)} since its promotion: it took writes, so it must stay the primary`,
          );
        return `still at ${formatCoordinates(now)}`;
      }
      case 'make-new-primary-read-only':
        await this.setReadOnly(this.replica, true, this.settings.replicaHasSuperReadOnly);
        return undefined;
      case 'stop-old-primary-replication':
        await this.primary.query('STOP SLAVE');
        await this.primary.query('RESET SLAVE ALL');
        return undefined;
      case 'restore-replica-replication':
        return this.restoreReplicaReplication();
      case 'start-replica':
        await this.replica.query('START SLAVE');
        return undefined;
      case 'make-primary-writable':
        await this.setReadOnly(this.primary, false, this.settings.primaryHasSuperReadOnly);
        return undefined;
      case 'move-traffic-back':
        return this.moveTraffic(this.primary.endpoint, this.replica.endpoint, 'rollback');
      case 'resume-proxies':
        return this.resumeProxies();
    }
  }

  private async setReadOnly(server: ServerSession, readOnly: boolean, hasSuper: boolean): Promise<void> {
    for (const sql of setReadOnlySql(readOnly, hasSuper)) await server.query(sql);
    const [row] = await server.query('SELECT @@read_only AS read_only');
    if ((Number(row?.read_only) === 1) !== readOnly)
      throw new Error(`${server.address}: read_only did not become ${readOnly ? 'ON' : 'OFF'}`);
  }

  private async pauseProxies(): Promise<string> {
    const proxies = this.settings.proxies;
    if (!proxies) return 'no proxies';
    const reports = await proxies.pause({
      reason: `database role swap ${this.primary.address} -> ${this.replica.address}`,
      maxPauseMs: this.settings.maxPauseMs,
    });
    const held = reports.reduce((sum, report) => sum + report.heldRequests, 0);
    const paused = `${reports.length} prox${reports.length === 1 ? 'y' : 'ies'} paused, ${held} request${held === 1 ? '' : 's'} held`;
    const unanswered = proxies.unanswered?.bind(proxies);
    if (!unanswered) return `${paused}; requests already at the app are not waited for`;
    const wait = await waitUntilAnswered(unanswered, this.settings.waitTimeoutMs, this.settings);
    const plural = (n: number) => `${n} request${n === 1 ? '' : 's'}`;
    if (wait.left === 0)
      return `${paused}; ${plural(wait.atStart)} already at the app answered in ${wait.ms} ms`;
    // A request that runs for long (a report, a stuck call) must not hold everyone else
    // forever: past the wait timeout the swap goes on, and that request may see read_only.
    return `${paused}; ${plural(wait.left)} still at the app after ${this.settings.waitTimeoutMs / 1000}s: going on without them`;
  }

  private async resumeProxies(): Promise<string> {
    const proxies = this.settings.proxies;
    if (!proxies) return 'no proxies';
    const reports = await proxies.resume();
    return `${reports.length} prox${reports.length === 1 ? 'y' : 'ies'} resumed`;
  }

  private async setPrimaryReadOnly(): Promise<string> {
    // SET GLOBAL read_only waits for running commits and table locks: bounded, so a stuck
    // session makes the step fail (and roll back) instead of hanging with traffic held.
    const seconds = Math.max(1, Math.ceil(this.settings.waitTimeoutMs / 1000));
    await this.primary.query(`SET SESSION lock_wait_timeout = ${seconds}`);
    await this.setReadOnly(this.primary, true, this.settings.primaryHasSuperReadOnly);
    return this.settings.primaryHasSuperReadOnly ? 'read_only and super_read_only ON' : 'read_only ON';
  }

  /**
   * read_only makes an open transaction's COMMIT fail, but a session with READ_ONLY ADMIN
   * (MariaDB) or SUPER (MySQL without super_read_only) can still commit. Such sessions get a
   * moment to finish; any still holding uncommitted writes then are killed, so their writes
   * are rolled back rather than committed after the replica's catch-up point.
   */
  private async endWritingSessions(): Promise<string> {
    const deadline = this.settings.clock() + this.settings.settleMs;
    const writers = async () =>
      (
        await this.primary.query(
          'SELECT trx_mysql_thread_id AS thread FROM information_schema.innodb_trx ' +
            'WHERE trx_rows_modified > 0 AND trx_mysql_thread_id NOT IN (0, CONNECTION_ID())',
        )
      ).map((row) => Number(row.thread));
    let threads = await writers();
    while (threads.length > 0 && this.settings.clock() < deadline) {
      await this.settings.sleep(50);
      threads = await writers();
    }
    if (threads.length === 0) return 'no session was writing';
    for (const thread of threads) {
      await this.primary.query(`KILL CONNECTION ${thread}`).catch(() => undefined);
    }
    return `killed ${threads.length} session${threads.length === 1 ? '' : 's'} with uncommitted writes (threads ${threads.join(', ')})`;
  }

  private async confirmBinlogStopped(): Promise<string> {
    const read = async () => this.primary.use(readCoordinates);
    const startedAt = this.settings.clock();
    const first = await read();
    if (!first)
      throw new Error(`${this.primary.address}: SHOW MASTER STATUS is empty (binary logging is off)`);
    let previous = first;
    while (this.settings.clock() - startedAt < this.settings.waitTimeoutMs) {
      await this.settings.sleep(this.settings.settleMs);
      const now = await read();
      if (sameCoordinates(previous, now)) {
        this.finalPrimaryCoordinates = previous;
        return `stopped at ${formatCoordinates(previous)}`;
      }
      if (now) previous = now;
    }
    throw new Error(
      `${this.primary.address}: the binary log kept moving for ${this.settings.waitTimeoutMs / 1000}s after read_only ` +
        `(${formatCoordinates(first)} -> ${formatCoordinates(previous)}): a session with READ_ONLY ADMIN or SUPER is still writing`,
    );
  }

  private async waitReplicaCaughtUp(): Promise<string> {
    const target = this.finalPrimaryCoordinates;
    if (!target) throw new Error('no final primary position: the binary log was not confirmed stopped');
    const [row] = await this.replica.query(
      waitForPositionSql(target, this.settings.waitTimeoutMs),
      [],
      this.settings.waitTimeoutMs + 5000,
    );
    const applied = row?.applied;
    if (applied === null || applied === undefined) {
      const replication = await this.replica.use(readReplication);
      throw new Error(
        `${this.replica.address}: replication is not running (IO ${replication?.ioRunning ?? '?'}, ` +
          `SQL ${replication?.sqlRunning ?? '?'}${replication?.lastSqlError ? `: ${replication.lastSqlError}` : ''})`,
      );
    }
    if (Number(applied) < 0) {
      const replication = await this.replica.use(readReplication);
      throw new Error(
        `${this.replica.address}: did not reach ${formatCoordinates(target)} within ${this.settings.waitTimeoutMs / 1000}s ` +
          `(it has executed up to ${formatCoordinates(replication?.executed ?? null)})`,
      );
    }
    return `executed up to ${formatCoordinates(target)}`;
  }

  private async stopReplica(): Promise<string> {
    // The invariant's last check before the replica may become writable: the old primary is
    // still read-only (it could have been restarted with a writable configuration).
    let primaryNote = 'the old primary is still read-only';
    try {
      const [row] = await this.primary.query('SELECT @@read_only AS read_only');
      if (Number(row?.read_only) !== 1)
        throw new Error(
          `${this.primary.address} is writable again (read_only=OFF): not promoting the replica`,
        );
    } catch (error) {
      if ((error as Error).message.includes('writable again')) throw error;
      primaryNote = `the old primary is unreachable now (${(error as Error).message}); it was read-only and fully applied`;
    }
    await this.replica.query('STOP SLAVE');
    const replication = await this.replica.use(readReplication);
    if (replication && !sameCoordinates(replication.executed, this.finalPrimaryCoordinates))
      throw new Error(
        `${this.replica.address}: executed ${formatCoordinates(replication.executed)} but the primary stopped at ` +
          formatCoordinates(this.finalPrimaryCoordinates),
      );
    return primaryNote;
  }

  private async promoteReplica(): Promise<string> {
    await this.replica.query('RESET SLAVE ALL');
    this.newPrimaryCoordinates = await this.replica.use(readCoordinates);
    if (!this.newPrimaryCoordinates)
      throw new Error(`${this.replica.address}: SHOW MASTER STATUS is empty (binary logging is off)`);
    await this.setReadOnly(this.replica, false, this.settings.replicaHasSuperReadOnly);
    return `writable; its binary log starts the new history at ${formatCoordinates(this.newPrimaryCoordinates)}`;
  }

  private async replicateFromNewPrimary(): Promise<string> {
    const from = this.newPrimaryCoordinates;
    if (!from) throw new Error('the new primary position is unknown');
    await this.primary.query('STOP SLAVE');
    await this.primary.query(
      changeMasterSql({
        source: this.replica.endpoint,
        user: this.settings.replicationUser,
        password: this.settings.replicationPassword,
        from: { coordinates: from },
      }),
    );
    await this.primary.query('START SLAVE');
    return `replicating from ${this.replica.address} at ${formatCoordinates(from)}`;
  }

  private async moveTraffic(to: Endpoint, from: Endpoint, phase: 'swap' | 'rollback'): Promise<string> {
    if (!this.settings.hook) return 'no hook';
    return runHook({
      command: this.settings.hook,
      newPrimary: to,
      oldPrimary: from,
      phase,
      timeoutMs: this.settings.hookTimeoutMs,
    });
  }

  private async restoreReplicaReplication(): Promise<string> {
    const original = this.settings.originalReplication;
    const from: Parameters<typeof changeMasterSql>[0]['from'] =
      original.usingGtid === 'Slave_Pos'
        ? { gtid: 'slave_pos' }
        : original.usingGtid === 'Current_Pos'
          ? { gtid: 'current_pos' }
          : { coordinates: this.finalPrimaryCoordinates ?? original.executed };
    await this.replica.query(
      changeMasterSql({
        source: { host: original.sourceHost, port: original.sourcePort },
        user: original.sourceUser,
        password: this.settings.replicationPassword,
        from,
      }),
    );
    await this.replica.query('START SLAVE');
    return `replicating from ${original.sourceHost}:${original.sourcePort} again`;
  }

  private async verify(): Promise<string> {
    const deadline = this.settings.clock() + this.settings.verifyTimeoutMs;
    const [newRow] = await this.replica.query('SELECT @@read_only AS read_only');
    if (Number(newRow?.read_only) !== 0)
      throw new Error(`${this.replica.address}: the new primary is read-only`);
    if (await this.replica.use(readReplication))
      throw new Error(`${this.replica.address}: the new primary still has a replication source configured`);
    const [oldRow] = await this.primary.query('SELECT @@read_only AS read_only');
    if (Number(oldRow?.read_only) !== 1)
      throw new Error(`${this.primary.address}: the new replica is writable`);
    let replication = await this.primary.use(readReplication);
    while (
      (replication?.ioRunning !== 'Yes' || replication.sqlRunning !== 'Yes') &&
      this.settings.clock() < deadline
    ) {
      await this.settings.sleep(100);
      replication = await this.primary.use(readReplication);
    }
    if (!replication || replication.ioRunning !== 'Yes' || replication.sqlRunning !== 'Yes')
      throw new Error(
        `${this.primary.address}: replication from the new primary is not running ` +
          `(IO ${replication?.ioRunning ?? 'none'}, SQL ${replication?.sqlRunning ?? 'none'}` +
          `${replication?.lastIoError ? `: ${replication.lastIoError}` : ''}${replication?.lastSqlError ? `: ${replication.lastSqlError}` : ''})`,
      );
    const target = await this.replica.use(readCoordinates);
    if (!target) throw new Error(`${this.replica.address}: SHOW MASTER STATUS is empty`);
    const remaining = Math.max(1000, deadline - this.settings.clock());
    const [row] = await this.primary.query(waitForPositionSql(target, remaining), [], remaining + 5000);
    if (row?.applied === null || row?.applied === undefined || Number(row.applied) < 0)
      throw new Error(
        `${this.primary.address}: did not catch up with the new primary (${formatCoordinates(target)}) ` +
          `within ${this.settings.verifyTimeoutMs / 1000}s`,
      );
    return `${this.primary.address} replicates from ${this.replica.address} and has executed up to ${formatCoordinates(target)}`;
  }
}
