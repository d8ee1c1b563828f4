import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import {
  resolveSchedule,
  type Schedule,
  type Shift,
  scheduleSchema,
  upcoming,
} from '../../alerting/oncall.ts';
import { type TimePeriod, timePeriodSchema } from '../../alerting/time-period.ts';
import { formatInZone, parseLocalDateTime } from '../../alerting/zoned-time.ts';
import { type ConfigError, formatConfigError } from '../../config/errors.ts';
import { parseYamlWithPositions, YamlSyntaxError } from '../../config/yaml-positions.ts';
import { CliError } from '../fail.ts';
import { renderTable } from '../table.ts';

export interface ScheduleSections {
  periods: Map<string, TimePeriod>;
  schedules: Map<string, Schedule>;
}

export type ScheduleSectionsResult = ({ ok: true } & ScheduleSections) | { ok: false; errors: ConfigError[] };

/**
 * Reads the `time_periods:` and `schedules:` sections of config files (other sections are
 * ignored). Kept in one function, text in and values or file:line errors out, so the main
 * config loader can take it over as it is.
 */
export function parseScheduleSections(files: { file: string; text: string }[]): ScheduleSectionsResult {
  const errors: ConfigError[] = [];
  const periods = new Map<string, TimePeriod>();
  const scheduleConfigs: {
    name: string;
    file: string;
    lineOf: (p: (string | number)[]) => number;
    raw: unknown;
  }[] = [];
  const periodPlaces = new Map<string, string>();
  const schedulePlaces = new Map<string, string>();
  for (const { file, text } of files) {
    let parsed: ReturnType<typeof parseYamlWithPositions>;
    try {
      parsed = parseYamlWithPositions(text);
    } catch (error) {
      if (error instanceof YamlSyntaxError) {
        errors.push({ file, line: error.line, message: `YAML: ${error.message}` });
        continue;
      }
      throw error;
    }
    const data = parsed.data;
    if (data === null || data === undefined) continue;
    if (typeof data !== 'object' || Array.isArray(data)) {
      errors.push({
        file,
        line: 1,
        message: 'the file must be a mapping of sections (hosts:, schedules:, ...)',
      });
      continue;
    }
    const sections = data as Record<string, unknown>;
    const place = (p: (string | number)[]) => `${file}:${parsed.lineOf(p)}`;
    const mappingOf = (key: string): [string, unknown][] => {
      const section = sections[key];
      if (section === undefined || section === null) return [];
      if (typeof section !== 'object' || Array.isArray(section)) {
        errors.push({
          file,
          line: parsed.lineOf([key]),
          message: `${key}: must be a mapping of names to definitions`,
        });
        return [];
      }
      return Object.entries(section);
    };
    for (const [name, raw] of mappingOf('time_periods')) {
      const where = ['time_periods', name];
      const earlier = periodPlaces.get(name);
      if (earlier) {
        errors.push({
          file,
          line: parsed.lineOf(where),
          message: `time period "${name}" is also defined at ${earlier}`,
        });
        continue;
      }
      periodPlaces.set(name, place(where));
      const result = timePeriodSchema.safeParse(raw);
      if (result.success) periods.set(name, result.data);
      else
        for (const issue of result.error.issues) {
          const issuePath = [
            ...where,
            ...issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
          ];
          errors.push({
            file,
            line: parsed.lineOf(issuePath),
            message: `${issuePath.join('.')}: ${issue.message}`,
          });
        }
    }
    for (const [name, raw] of mappingOf('schedules')) {
      const where = ['schedules', name];
      const earlier = schedulePlaces.get(name);
      if (earlier) {
        errors.push({
          file,
          line: parsed.lineOf(where),
          message: `schedule "${name}" is also defined at ${earlier}`,
        });
        continue;
      }
      schedulePlaces.set(name, place(where));
      scheduleConfigs.push({ name, file, lineOf: parsed.lineOf, raw });
    }
  }
  // Schedules second: their layers may name a period defined in any file.
  const schedules = new Map<string, Schedule>();
  for (const { name, file, lineOf, raw } of scheduleConfigs) {
    const report = (issuePath: (string | number)[], message: string) => {
      const full = ['schedules', name, ...issuePath];
      errors.push({ file, line: lineOf(full), message: `${full.join('.')}: ${message}` });
    };
    const result = scheduleSchema.safeParse(raw);
    if (!result.success) {
      for (const issue of result.error.issues)
        report(
          issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
          issue.message,
        );
      continue;
    }
    const resolved = resolveSchedule(name, result.data, periods);
    if (resolved.ok) schedules.set(name, resolved.schedule);
    else for (const error of resolved.errors) report(error.path, error.message);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, periods, schedules };
}

/** Loads schedules and time periods from a config file or every `*.yml` / `*.yaml` under a directory. */
export async function loadSchedules(configPath: string): Promise<ScheduleSectionsResult> {
  let files: string[];
  try {
    files = (await stat(configPath)).isDirectory()
      ? (await readdir(configPath, { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !e.name.startsWith('.'))
          .map((e) => path.join(e.parentPath, e.name))
          .sort()
      : [configPath];
  } catch (error) {
    return { ok: false, errors: [{ file: configPath, line: 0, message: describeIoError(error) }] };
  }
  const texts: { file: string; text: string }[] = [];
  for (const file of files) {
    try {
      texts.push({ file, text: await readFile(file, 'utf8') });
    } catch (error) {
      return { ok: false, errors: [{ file, line: 0, message: describeIoError(error) }] };
    }
  }
  return parseScheduleSections(texts);
}

function describeIoError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

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

  const loaded = await loadSchedules(options.config);
  if (!loaded.ok) {
    for (const error of loaded.errors) process.stderr.write(`${formatConfigError(error)}\n`);
    const count = loaded.errors.length;
    throw new CliError(`configuration ${options.config} has ${count} error${count === 1 ? '' : 's'}`);
  }
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
