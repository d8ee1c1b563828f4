import type { Logger } from 'pino';
import type { Receiver } from '../model/types.ts';
import type { Outbox, OutboxEntry } from '../store/outbox.ts';
import { type Channel, DeliveryError } from './channels/channel.ts';
import { digestOf } from './digest.ts';
import type { Notification } from './notification.ts';

export interface DeliveryOptions {
  outbox: Outbox;
  channels: ReadonlyMap<string, Channel<unknown>>;
  receivers: () => ReadonlyMap<string, Receiver>;
  log: Logger;
  clock?: () => number;
  /** How long one send may take. */
  sendTimeoutMs?: number;
  /** How long a notification is retried before it is marked failed for an operator. */
  giveUpAfterMs?: number;
  /** How often the queue is looked at when nothing wakes the worker. */
  pollMs?: number;
}

export interface DeliveryMetrics {
  delivered: number;
  attemptsFailed: number;
  failed: number;
}

/**
 * Sends what the outbox holds. Each receiver gets its notifications one at a time, in the
 * order they were queued: when a channel is down, everything for it waits (with backoff)
 * and then arrives in order. Delivery is at least once — a crash between sending and
 * marking sent means one resend on start — and every send carries the notification id as
 * its idempotency key so receivers that support it drop the repeat.
 */
/** After a send's timeout, how long a channel gets to give up before the worker stops waiting. */
const SEND_ABORT_GRACE_MS = 2_000;

export class DeliveryWorker {
  private readonly clock: () => number;
  private readonly busyReceivers = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private rescan = false;
  private stopped = true;
  private readonly inFlight = new Set<Promise<void>>();
  readonly metrics: DeliveryMetrics = { delivered: 0, attemptsFailed: 0, failed: 0 };

  constructor(private readonly options: DeliveryOptions) {
    this.clock = options.clock ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Looks at the queue now (new notifications were queued). */
  wake(): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.scanning = this.scan().then((nextDueAt) => {
      this.scanning = undefined;
      if (this.stopped) return;
      if (this.rescan) {
        this.rescan = false;
        this.wake();
        return;
      }
      const poll = this.options.pollMs ?? 1_000;
      const delay = nextDueAt === undefined ? poll : Math.min(poll, Math.max(0, nextDueAt - this.clock()));
      this.timer = setTimeout(() => this.wake(), delay);
      this.timer.unref();
    });
  }

  /** Stops taking new work and waits for sends under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.scanning;
    await Promise.all([...this.inFlight]);
  }

  /** Starts sends for receivers that have work due; returns when the next waiting one is due. */
  private async scan(): Promise<number | undefined> {
    let entries: OutboxEntry[];
    try {
      entries = await this.options.outbox.pendingPerReceiver(200);
    } catch (error) {
      this.options.log.error({ err: error }, 'cannot read the notification queue; will try again');
      return undefined;
    }
    let nextDueAt: number | undefined;
    const byReceiver = new Map<string, OutboxEntry[]>();
    for (const entry of entries) {
      const list = byReceiver.get(entry.receiver);
      if (list) list.push(entry);
      else byReceiver.set(entry.receiver, [entry]);
    }
    const now = this.clock();
    for (const [receiver, list] of byReceiver) {
      if (this.busyReceivers.has(receiver)) continue;
      const work = workOf(list, now);
      if (work.nextDueAt !== undefined)
        nextDueAt = Math.min(nextDueAt ?? Number.POSITIVE_INFINITY, work.nextDueAt);
      if (work.due.length === 0) continue;
      this.busyReceivers.add(receiver);
      const run = this.drainReceiver(receiver, list, work.due)
        .catch((error: unknown) => {
          // A store error while recording a send: the entries stay pending and are tried again.
          this.options.log.error(
            { err: error, receiver },
            'notification queue update failed; will try again',
          );
        })
        .finally(() => {
          this.busyReceivers.delete(receiver);
          this.inFlight.delete(run);
          if (!this.stopped) this.wake();
        });
      this.inFlight.add(run);
    }
    return nextDueAt;
  }

  /**
   * Sends a receiver's due entries in order until one fails (it then waits for its retry).
   * An entry of a group takes every other pending entry of that group with it, as one message.
   */
  private async drainReceiver(receiverName: string, all: OutboxEntry[], due: OutboxEntry[]): Promise<void> {
    const handled = new Set<string>();
    for (const entry of due) {
      if (this.stopped) return;
      if (handled.has(entry.id)) continue;
      const batch = entry.groupKey
        ? all.filter((e) => e.groupKey === entry.groupKey && !handled.has(e.id))
        : [entry];
      for (const member of batch) handled.add(member.id);
      const sent = await this.deliver(receiverName, batch);
      if (!sent) return;
    }
  }

  private async deliver(receiverName: string, batch: OutboxEntry[]): Promise<boolean> {
    const { outbox, log } = this.options;
    const entry = batch[0] as OutboxEntry;
    const receiver = this.options.receivers().get(receiverName);
    const channel = receiver ? this.options.channels.get(receiver.kind) : undefined;
    if (!receiver || !channel) {
      const reason = `channel "${receiverName}" is no longer configured`;
      await outbox.markAttemptFailed(
        batch.map((member) => member.id),
        entry.attempts + 1,
        reason,
        undefined,
      );
      this.metrics.failed += batch.length;
      return true;
    }
    const timeoutMs = this.options.sendTimeoutMs ?? 10_000;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const notification = digestOf(batch.map((member) => member.payload as Notification));
      // A channel that ignores its abort must not hold the receiver forever.
      await Promise.race([
        channel.send(notification, receiver.settings, { signal: controller.signal, timeoutMs }),
        new Promise<never>((_, reject) => {
          controller.signal.addEventListener(
            'abort',
            () =>
              setTimeout(
                () => reject(new Error('channel did not stop at its timeout')),
                SEND_ABORT_GRACE_MS,
              ).unref(),
            { once: true },
          );
        }),
      ]);
      const at = this.clock();
      await outbox.markDelivered(
        batch.map((member) => member.id),
        at,
      );
      this.metrics.delivered += batch.length;
      return true;
    } catch (error) {
      const attempts = entry.attempts + 1;
      const reason = controller.signal.aborted
        ? `no answer within ${timeoutMs / 1000}s`
        : error instanceof Error
          ? error.message
          : String(error);
      const retryable = !(error instanceof DeliveryError) || error.retryable;
      const now = this.clock();
      const tooOld = now - entry.createdAt > (this.options.giveUpAfterMs ?? 24 * 3_600_000);
      const next = retryable && !tooOld ? now + backoffMs(attempts, error) : undefined;
      await outbox.markAttemptFailed(
        batch.map((member) => member.id),
        attempts,
        reason,
        next,
      );
      this.metrics.attemptsFailed += 1;
      if (next === undefined) {
        this.metrics.failed += batch.length;
        log.error(
          { notification: entry.id, receiver: receiverName, reason },
          'notification delivery failed for good',
        );
      } else if (attempts === 1 || attempts % 10 === 0) {
        log.warn(
          { notification: entry.id, receiver: receiverName, reason, attempts },
          'notification delivery failed; retrying',
        );
      }
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * What of a receiver's queue can go now. Order is kept: an entry waiting to be retried holds
 * back everything after it. An entry waiting out its grouping window holds back nothing.
 */
function workOf(list: OutboxEntry[], now: number): { due: OutboxEntry[]; nextDueAt: number | undefined } {
  const due: OutboxEntry[] = [];
  let nextDueAt: number | undefined;
  for (const entry of list) {
    if (entry.nextAttemptAt <= now) {
      due.push(entry);
      continue;
    }
    nextDueAt = Math.min(nextDueAt ?? Number.POSITIVE_INFINITY, entry.nextAttemptAt);
    if (entry.attempts > 0) break;
  }
  return { due, nextDueAt };
}

/** Exponential backoff from 1 s to 5 min, with jitter; a server's own Retry-After wins. */
export function backoffMs(attempts: number, error: unknown): number {
  if (error instanceof DeliveryError && error.retryAfterMs !== undefined)
    return Math.max(error.retryAfterMs, 100);
  const base = Math.min(1_000 * 2 ** (attempts - 1), 300_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
