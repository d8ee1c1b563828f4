import { type KV, Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';

type NatsConnection = Awaited<ReturnType<typeof connect>>;

import {
  BUCKET,
  type GroupState,
  isGroupState,
  localDeadline,
  type MemberReport,
  memberKey,
  stateKey,
} from './group-state.ts';

const UNANSWERED_REPORT_MS = 25;

/** The part of a proxy (or of its worker processes) the group state drives. */
export interface FollowingProxy {
  applyPause(order: { reason: string; maxHoldMs: number; until: number; epoch: number }): Promise<void>;
  resume(epoch: number): Promise<void>;
  report(): Promise<{ paused: boolean; epoch: number; held: number; unanswered: number }>;
}

export interface GroupSettings {
  name: string;
  nats: string[];
  proxyId: string;
  heartbeatMs: number;
}

/**
 * What a KV entry holds: its JSON value when it is a PUT, else undefined. Anyone may write to
 * the bucket, so a value that is not JSON is undefined too, never a thrown error.
 */
export function valueOf(entry: { operation: string; json<T>(): T } | null | undefined): unknown {
  if (entry?.operation !== 'PUT') return undefined;
  try {
    return entry.json();
  } catch {
    return undefined;
  }
}

/** Opens (creating if needed) the group bucket; one value per key is all the history needed. */
export async function openBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(BUCKET, { history: 1 });
}

/**
 * Follows the group's shared state: applies every change to the local proxy and reports
 * back. Losing NATS changes nothing locally: the current pause keeps its own deadline,
 * and the client reconnects for as long as the proxy runs.
 */
export class GroupFollower {
  private nc: NatsConnection | undefined;
  private kv: KV | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly settings: GroupSettings,
    private readonly proxy: FollowingProxy,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.nc = await connect({
      servers: this.settings.nats,
      name: `vigil-proxy ${this.settings.proxyId}`,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    void (async () => {
      for await (const status of this.nc!.status()) {
        if (status.type === 'disconnect')
          this.log.error(
            { group: this.settings.name },
            'lost NATS: keeping the current pause state and its limits',
          );
        else if (status.type === 'reconnect')
          this.log.warn({ group: this.settings.name }, 'NATS connection back');
      }
    })();
    this.kv = await openBucket(this.nc);
    const watcher = await this.kv.watch({ key: stateKey(this.settings.name) });
    void (async () => {
      for await (const entry of watcher) {
        if (this.stopped) break;
        if (entry.operation !== 'PUT') continue;
        const state = valueOf(entry);
        if (!isGroupState(state)) {
          this.log.error({ key: entry.key }, 'group state is not valid JSON state: ignored');
          continue;
        }
        await this.apply(state).catch((error: Error) =>
          this.log.error({ error: error.message }, 'could not apply the group state'),
        );
      }
    })();
    this.heartbeat = setInterval(() => void this.sendReport(), this.settings.heartbeatMs);
    this.heartbeat.unref();
    await this.sendReport();
    this.log.info(
      { group: this.settings.name, proxy: this.settings.proxyId },
      'following group state over NATS',
    );
  }

  /** Writes the group state: how the control endpoint pauses the whole group. */
  async publish(change: (current: GroupState | undefined) => GroupState): Promise<GroupState> {
    if (!this.kv) throw new Error(`group ${this.settings.name}: not connected to NATS`);
    const key = stateKey(this.settings.name);
    const entry = await this.kv.get(key);
    const current = valueOf(entry);
    const next = change(isGroupState(current) ? current : undefined);
    await this.kv.put(key, JSON.stringify(next));
    return next;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    // A member that leaves says so: a switch then does not wait for it or call it stale.
    await this.kv?.delete(memberKey(this.settings.name, this.settings.proxyId)).catch(() => {});
    await this.nc?.drain().catch(() => {});
  }

  private async apply(state: GroupState): Promise<void> {
    const deadline = localDeadline(state, Date.now());
    if (state.paused && deadline > Date.now()) {
      await this.proxy.applyPause({
        reason: state.reason,
        maxHoldMs: state.max_hold_ms,
        until: deadline,
        epoch: state.epoch,
      });
    } else {
      await this.proxy.resume(state.epoch);
    }
    const sent = await this.sendReport();
    if (state.paused && (sent?.unanswered ?? 0) > 0) void this.reportUntilAnswered(state.epoch);
  }

  /**
   * While paused, reports each change in the requests still at the app until none is left,
   * so a database swap waiting on them hears of it within a few tens of milliseconds.
   */
  private async reportUntilAnswered(epoch: number): Promise<void> {
    let last = -1;
    const giveUpAt = Date.now() + 60_000;
    while (!this.stopped && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, UNANSWERED_REPORT_MS));
      const local = await this.proxy.report();
      if (!local.paused || local.epoch !== epoch) return;
      if (local.unanswered !== last) {
        last = local.unanswered;
        await this.sendReport();
      }
      if (local.unanswered === 0) return;
    }
  }

  /** Writes this member's report; returns it, or undefined when it could not be sent. */
  private async sendReport(): Promise<MemberReport | undefined> {
    if (!this.kv || this.stopped) return undefined;
    const local = await this.proxy.report();
    const report: MemberReport = { ...local, at: Date.now() };
    return this.kv.put(memberKey(this.settings.name, this.settings.proxyId), JSON.stringify(report)).then(
      () => report,
      (error: Error) => {
        this.log.debug({ error: error.message }, 'group report not sent');
        return undefined;
      },
    );
  }
}
