import { acknowledgementFromRequest } from '../../alerting/operator-requests.ts';
import { auditCli } from '../../api/auth/audit.ts';
import { formatDuration } from '../../model/duration.ts';
import { openStore } from '../../store/index.ts';
import { CliError, loadModelOrFail } from '../fail.ts';

/**
 * Acknowledges a problem, or removes an acknowledgement. Writes the store directly, so it
 * works whether or not the daemon runs; a running daemon picks it up within seconds.
 */
export async function ackCommand(
  object: string,
  options: {
    config: string;
    message?: string;
    sticky?: boolean;
    expire?: string;
    author?: string;
    remove?: boolean;
  },
): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const now = Date.now();
    const author = options.author ?? process.env.USER ?? process.env.USERNAME ?? 'unknown';
    if (options.remove) {
      const removed = await store.acknowledgements.remove(object, now, `removed by ${author}`);
      if (removed === 0) throw new CliError(`${object} is not acknowledged`);
      await auditCli(store, 'acknowledgement.remove', object);
      process.stdout.write(`acknowledgement of ${object} removed\n`);
      return;
    }
    if (options.message === undefined) throw new CliError('say why: -m "COMMENT"');
    const state = (await store.loadStates()).find((s) => s.objectId === object);
    const ack = acknowledgementFromRequest(
      model,
      state,
      {
        object,
        comment: options.message,
        author,
        ...(options.sticky ? { sticky: true } : {}),
        ...(options.expire !== undefined ? { expire: options.expire } : {}),
      },
      now,
    );
    if (typeof ack === 'string') throw new CliError(ack);
    await store.acknowledgements.add(ack);
    await auditCli(store, 'acknowledgement.add', object, {
      comment: ack.comment,
      sticky: ack.sticky,
      expiresAt: ack.expiresAt,
      author: ack.author,
    });
    const holds = ack.sticky ? 'until it is OK again' : 'until it recovers or its state changes';
    const expiry =
      ack.expiresAt === null
        ? ''
        : `, at most ${formatDuration(ack.expiresAt - now)} (${new Date(ack.expiresAt).toISOString()})`;
    process.stdout.write(`${object} acknowledged by ${ack.author}; holds ${holds}${expiry}\n`);
  } finally {
    await store.close();
  }
}
