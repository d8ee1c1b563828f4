import type { Notification } from '../../alerting/notification.ts';
import { openStore } from '../../store/index.ts';
import type { OutboxStatus } from '../../store/outbox.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

/** Recent notifications and their delivery state; `--retry` puts failed ones back in the queue. */
export async function notificationsCommand(options: {
  config: string;
  failed?: boolean;
  pending?: boolean;
  retry?: boolean | string[];
  limit: string;
  json?: boolean;
}): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliError(`--limit must be a positive whole number, not "${options.limit}"`);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    if (options.retry) {
      const ids = Array.isArray(options.retry) ? options.retry : undefined;
      const count = await store.outbox.retry(ids, Date.now());
      process.stdout.write(
        `${count} failed notification${count === 1 ? '' : 's'} queued again; the running daemon sends them\n`,
      );
      return;
    }
    const status: OutboxStatus | undefined = options.failed
      ? 'failed'
      : options.pending
        ? 'pending'
        : undefined;
    const entries = await store.outbox.list({ ...(status ? { status } : {}), limit });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      return;
    }
    if (entries.length === 0) {
      process.stdout.write(status ? `no ${status} notifications\n` : 'no notifications yet\n');
      return;
    }
    process.stdout.write(
      `${renderTable(
        ['QUEUED', 'RECEIVER', 'STATUS', 'TRIES', 'NOTIFICATION', 'LAST ERROR'],
        entries.map((entry) => [
          new Date(entry.createdAt).toISOString(),
          entry.receiver,
          entry.status,
          String(entry.attempts),
          `${(entry.payload as Notification).kind}: ${(entry.payload as Notification).title}`,
          entry.lastError,
        ]),
        60,
      )}\n`,
    );
  } finally {
    await store.close();
  }
}
