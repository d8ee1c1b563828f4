import { type DowntimeWindow, describeTarget, intervalAt, nextChangeOf } from '../../alerting/downtime.ts';
import { downtimeFromRequest } from '../../alerting/operator-requests.ts';
import { auditCli } from '../../api/auth/audit.ts';
import { formatDuration } from '../../model/duration.ts';
import { openStore } from '../../store/index.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

interface AddOptions {
  config: string;
  for?: string;
  from?: string;
  until?: string;
  flexible?: string;
  every?: string;
  timeZone?: string;
  services?: boolean;
  children?: boolean;
  message?: string;
  author?: string;
}

/** Schedules a downtime window. Writes the store directly; a running daemon picks it up within seconds. */
export async function downtimeAddCommand(target: string, options: AddOptions): Promise<void> {
  const model = await loadModelOrFail(options.config);
  if (options.message === undefined) throw new CliError('say why: -m "COMMENT"');
  const now = Date.now();
  const request = {
    target,
    author: options.author ?? process.env.USER ?? process.env.USERNAME ?? 'unknown',
    comment: options.message,
    ...(options.for !== undefined ? { for: options.for } : {}),
    ...(options.from !== undefined ? { from: options.from } : {}),
    ...(options.until !== undefined ? { until: options.until } : {}),
    ...(options.flexible !== undefined ? { flexible: options.flexible } : {}),
    ...(options.every !== undefined ? { every: options.every } : {}),
    ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
    ...(options.services ? { services: true } : {}),
    ...(options.children ? { children: true } : {}),
  };
  const downtime = downtimeFromRequest(model, request, now);
  if (typeof downtime === 'string') throw new CliError(downtime);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const saved = await store.downtimes.add(downtime);
    await auditCli(store, 'downtime.add', String(saved.id), {
      target: `${saved.target.kind}:${saved.target.name}`,
      startAt: saved.startAt,
      endAt: saved.endAt,
      comment: saved.comment,
    });
    process.stdout.write(`downtime ${saved.id} scheduled: ${describeWindow(saved, now)}\n`);
  } finally {
    await store.close();
  }
}

/** Lists windows in force and to come (`--all`: also past and cancelled ones). */
export async function downtimeListCommand(options: {
  config: string;
  all?: boolean;
  json?: boolean;
}): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const now = Date.now();
    const windows = (options.all ? await store.downtimes.all() : await store.downtimes.current()).filter(
      (w) => options.all || statusOf(w, now) !== 'over',
    );
    if (options.json) {
      const rows = windows.map((w) => ({
        ...w,
        status: statusOf(w, now),
        inForce: intervalAt(w, now) ?? null,
        nextChange: nextChangeOf(w, now) ?? null,
      }));
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (windows.length === 0) {
      process.stdout.write(options.all ? 'no downtime recorded\n' : 'no downtime in force or scheduled\n');
      return;
    }
    process.stdout.write(
      `${renderTable(
        ['ID', 'TARGET', 'STATUS', 'WHEN', 'BY', 'COMMENT'],
        windows.map((w) => [
          String(w.id),
          describeTarget(w.target) +
            (w.includeServices ? ' +services' : '') +
            (w.includeChildren ? ' +children' : ''),
          statusOf(w, now),
          describeWindow(w, now),
          w.author,
          w.comment,
        ]),
        60,
      )}\n`,
    );
  } finally {
    await store.close();
  }
}

export async function downtimeCancelCommand(id: string, options: { config: string }): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const number = Number(id);
  if (!Number.isInteger(number) || number < 1)
    throw new CliError(`"${id}" is not a downtime id (see vigil downtime list)`);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const window = await store.downtimes.get(number);
    if (!window) throw new CliError(`no downtime ${number}`);
    if (!(await store.downtimes.cancel(number, Date.now())))
      throw new CliError(`downtime ${number} was already cancelled`);
    await auditCli(store, 'downtime.cancel', String(number));
    process.stdout.write(`downtime ${number} (${describeTarget(window.target)}) cancelled\n`);
  } finally {
    await store.close();
  }
}

function statusOf(
  w: DowntimeWindow,
  now: number,
): 'in force' | 'waiting for a problem' | 'scheduled' | 'over' | 'cancelled' {
  if (w.cancelledAt !== null && w.cancelledAt <= now) return 'cancelled';
  if (intervalAt(w, now)) return 'in force';
  if (w.type === 'flexible' && w.triggeredAt === null && now >= w.startAt && now < (w.endAt ?? 0))
    return 'waiting for a problem';
  return nextChangeOf(w, now) === undefined ? 'over' : 'scheduled';
}

const iso = (t: number) => new Date(t).toISOString().replace(/\.000Z$/, 'Z');

export function describeWindow(w: DowntimeWindow, now: number): string {
  const target = describeTarget(w.target);
  if (w.recurrence !== null) {
    const next = intervalAt(w, now)?.start ?? nextChangeOf(w, now);
    return `${target} every "${w.recurrence}" (${w.timeZone}) for ${formatDuration(w.durationMs ?? 0)}${
      w.endAt !== null ? ` until ${iso(w.endAt)}` : ''
    }${next !== undefined ? `, next ${iso(next)}` : ''}`;
  }
  if (w.type === 'flexible')
    return `${target} for ${formatDuration(w.durationMs ?? 0)} from its first problem between ${iso(w.startAt)} and ${iso(
      w.endAt ?? w.startAt,
    )}${w.triggeredAt !== null ? ` (started ${iso(w.triggeredAt)})` : ''}`;
  return `${target} from ${iso(w.startAt)} until ${iso(w.endAt ?? w.startAt)}`;
}
