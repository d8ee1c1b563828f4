import { auditCli } from '../../api/auth/audit.ts';
import {
  announceMaintenance,
  cancelMaintenance,
  MaintenanceRequestError,
} from '../../status/incidents/maintenance-announcements.ts';
import { maintenanceState } from '../../status/incidents/maintenance-state.ts';
import { openStore } from '../../store/index.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

// `vigil maintenance announce|list|cancel`: maintenance shown on the status site as upcoming,
// in progress, completed. Writes the store directly; the daemon's site picks it up at once.

interface AnnounceOptions {
  config: string;
  title?: string;
  components?: string;
  from?: string;
  until?: string;
  message?: string;
  timeZone?: string;
  downtime?: boolean;
  downtimeId?: string;
  author?: string;
}

const iso = (at: number) => new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function maintenanceAnnounceCommand(options: AnnounceOptions): Promise<void> {
  for (const [value, flag] of [
    [options.title, '--title'],
    [options.components, '--components'],
    [options.from, '--from'],
    [options.until, '--until'],
  ] as const)
    if (value === undefined) throw new CliError(`${flag} is required`);
  const model = await loadModelOrFail(options.config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const downtimeId = options.downtimeId === undefined ? undefined : Number(options.downtimeId);
    if (downtimeId !== undefined && !(Number.isSafeInteger(downtimeId) && downtimeId > 0))
      throw new CliError(
        `--downtime-id "${options.downtimeId}" is not a downtime id (see vigil downtime list)`,
      );
    const saved = await announceMaintenance(
      store,
      model,
      {
        title: options.title as string,
        components: (options.components as string).split(','),
        from: options.from as string,
        until: options.until as string,
        message: options.message ?? '',
        ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
        ...(options.downtime ? { createDowntime: true } : {}),
        ...(downtimeId !== undefined ? { downtimeId } : {}),
      },
      Date.now(),
      options.author ?? process.env.USER ?? 'unknown',
    );
    await auditCli(store, 'maintenance.announce', String(saved.id), {
      title: saved.title,
      downtimeId: saved.downtimeId,
      createdDowntimeIds: saved.createdDowntimeIds,
    });
    const tied =
      saved.createdDowntimeIds.length > 0
        ? ` (downtime ${saved.createdDowntimeIds.join(', ')})`
        : saved.downtimeId !== null
          ? ` (downtime ${saved.downtimeId})`
          : '';
    process.stdout.write(
      `maintenance ${saved.id} announced: ${saved.title}, ${iso(saved.startsAt)} to ${iso(saved.endsAt)}${tied}\n`,
    );
  } catch (error) {
    if (error instanceof MaintenanceRequestError) throw new CliError(error.message);
    throw error;
  } finally {
    await store.close();
  }
}

export async function maintenanceListCommand(options: {
  config: string;
  all?: boolean;
  json?: boolean;
}): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const now = Date.now();
    const windows = await store.scheduledMaintenance.list(
      options.all ? { includeCancelled: true } : { since: now },
    );
    const rows = windows.map((w) => ({
      ...w,
      state: w.cancelledAt !== null ? 'cancelled' : maintenanceState(w, now),
    }));
    if (options.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write('no maintenance announced\n');
      return;
    }
    process.stdout.write(
      `${renderTable(
        ['ID', 'STATE', 'FROM', 'UNTIL', 'COMPONENTS', 'TITLE'],
        rows.map((w) => [
          String(w.id),
          w.state,
          iso(w.startsAt),
          iso(w.endsAt),
          w.components.join(', '),
          w.title,
        ]),
      )}\n`,
    );
  } finally {
    await store.close();
  }
}

export async function maintenanceCancelCommand(id: string, options: { config: string }): Promise<void> {
  const model = await loadModelOrFail(options.config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    const { cancelledDowntimeIds } = await cancelMaintenance(store, Number(id), Date.now());
    await auditCli(store, 'maintenance.cancel', id, { cancelledDowntimeIds });
    process.stdout.write(
      `maintenance ${id} cancelled${cancelledDowntimeIds.length > 0 ? `, and its downtime ${cancelledDowntimeIds.join(', ')}` : ''}\n`,
    );
  } catch (error) {
    if (error instanceof MaintenanceRequestError)
      throw new CliError(`${error.message} (see vigil maintenance list --all)`);
    throw error;
  } finally {
    await store.close();
  }
}
