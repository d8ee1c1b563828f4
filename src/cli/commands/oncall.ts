import { type Schedule, type Shift, upcoming } from '../../model/oncall.ts';
import { formatInZone, parseLocalDateTime } from '../../model/zoned-time.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

/** `vigil oncall [SCHEDULE]`: who is on call now and who comes next, per schedule. */
export async function oncallCommand(
  scheduleName: string | undefined,
  options: { config: string; at?: string; next?: string; json?: boolean },
): Promise<void> {
  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const at = options.at === undefined ? Date.now() : parseLocalDateTime(options.at, viewerZone);
  if (at === undefined)
    throw new CliError(
      `--at "${options.at}" is not a time (write e.g. 2026-03-16T09:00 in your time zone, or with Z or an offset)`,
    );
  const next = options.next === undefined ? 1 : Number(options.next);
  if (!Number.isInteger(next) || next < 0 || next > 1000)
    throw new CliError(`--next "${options.next}" must be a whole number from 0 to 1000`);

  const loaded = await loadModelOrFail(options.config);
  let schedules = [...loaded.schedules.values()];
  if (schedules.length === 0)
    throw new CliError(`no schedules in ${options.config} (add a schedules: section)`);
  if (scheduleName !== undefined) {
    schedules = schedules.filter((s) => s.name === scheduleName);
    if (schedules.length === 0)
      throw new CliError(`no schedule "${scheduleName}" (known: ${[...loaded.schedules.keys()].join(', ')})`);
  }

  const answers = schedules.map((schedule) => ({ schedule, shifts: upcoming(schedule, at, next + 1) }));
  if (options.json) {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    const body = answers.map(({ schedule, shifts }) => ({
      schedule: schedule.name,
      time_zone: schedule.timeZone,
      at: iso(at),
      shifts: shifts.map((s) => ({
        person: s.person,
        layer: s.layer,
        start: iso(s.start),
        end: iso(s.end),
        start_local: formatInZone(s.start, schedule.timeZone),
        end_local: s.end === null ? null : formatInZone(s.end, schedule.timeZone),
      })),
    }));
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  const blocks = answers.map(({ schedule, shifts }) => renderSchedule(schedule, shifts, viewerZone));
  process.stdout.write(`${blocks.join('\n\n')}\n`);
}

function renderSchedule(schedule: Schedule, shifts: Shift[], viewerZone: string): string {
  const sameZone = sameOffsets(schedule.timeZone, viewerZone, shifts);
  const headers = ['', 'ON CALL', 'LAYER', 'FROM', 'UNTIL'];
  if (!sameZone) headers.push(`UNTIL, YOUR TIME (${viewerZone})`);
  const rows = shifts.map((shift, index) => {
    const row = [
      index === 0 ? 'now' : 'next',
      shift.person ?? '(nobody)',
      shift.layer ?? '-',
      index === 0 ? '' : formatInZone(shift.start, schedule.timeZone),
      shift.end === null ? 'no change ahead' : formatInZone(shift.end, schedule.timeZone),
    ];
    if (!sameZone) row.push(shift.end === null ? '' : formatInZone(shift.end, viewerZone));
    return row;
  });
  const table = renderTable(headers, rows)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `${schedule.name} (${schedule.timeZone})\n${table}`;
}

/** Whether the viewer's clock reads like the schedule's at every time shown, so one column is enough. */
function sameOffsets(scheduleZone: string, viewerZone: string, shifts: Shift[]): boolean {
  if (scheduleZone === viewerZone) return true;
  return shifts.every(
    (s) =>
      s.end === null ||
      formatInZone(s.end, scheduleZone).slice(0, 20) === formatInZone(s.end, viewerZone).slice(0, 20),
  );
}
