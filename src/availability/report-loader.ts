import { parseDuration } from '../model/duration.ts';
import type { Model } from '../model/types.ts';
import { DAY_MS, isValidTimeZone, parseLocalDateTime } from '../model/zoned-time.ts';
import type { Store } from '../store/store.ts';
import { endOfPeriod, PERIOD_UNITS, type PeriodUnit, startOfPeriod } from './periods.ts';
import { type AvailabilityReport, AvailabilityReportBuilder, type ReportSubject } from './report.ts';

// Turns what the CLI and the API are given into report options, and reads what the report
// needs from the store. The arithmetic is in report.ts and intervals.ts.

export const DEFAULT_REPORT_DAYS = 30;

/** Options as the CLI and the API take them (text, as typed). */
export interface AvailabilityRequest {
  /** A date or time in the report's zone, with Z / an offset, a duration back (30d), or "launch". */
  since?: string;
  until?: string;
  period?: string;
  component?: string;
  service?: string;
  host?: string;
  timeZone?: string;
  target?: string;
}

export interface AvailabilityOptions {
  /** Undefined: since Vigil first ran ("since launch"). */
  since: number | undefined;
  until: number;
  now: number;
  unit: PeriodUnit | undefined;
  timeZone: string;
  subjects: ReportSubject[];
  targetPercent: number | undefined;
}

/** Resolves a request against the model and the clock, or says (in one line) what is wrong with it. */
export function availabilityOptions(
  model: Model,
  request: AvailabilityRequest,
  now: number,
  localZone: string,
): AvailabilityOptions | string {
  const timeZone = request.timeZone?.trim() || localZone;
  if (!isValidTimeZone(timeZone))
    return `time zone "${timeZone}" is not known (write an IANA name such as Europe/Berlin or UTC)`;
  let unit: PeriodUnit | undefined;
  if (request.period !== undefined && request.period !== '') {
    if (!(PERIOD_UNITS as readonly string[]).includes(request.period))
      return `period "${request.period}" is not one of ${PERIOD_UNITS.join(', ')}`;
    unit = request.period as PeriodUnit;
  }
  const time = (name: string, text: string | undefined): number | string | undefined => {
    if (text === undefined || text.trim() === '') return undefined;
    const at = parseLocalDateTime(text, timeZone);
    if (at !== undefined) return at;
    const back = parseDuration(text);
    if (back !== undefined && /[a-z]/i.test(text)) return now - back;
    return `${name} "${text}" is not a time (write e.g. 2026-03-01, 2026-03-01T09:00, with Z or an offset, or a duration back from now such as 30d)`;
  };
  const sinceLaunch = request.since?.trim().toLowerCase() === 'launch';
  const since = sinceLaunch ? undefined : time('since', request.since);
  if (typeof since === 'string') return since;
  const until = time('until', request.until);
  if (typeof until === 'string') return until;
  // With a period unit the report runs from the start of the current one to its end, so the
  // error budget is that of the whole period.
  const resolvedUntil = until ?? (unit ? endOfPeriod(unit, now, timeZone) : now);
  const resolvedSince = sinceLaunch
    ? undefined
    : (since ?? (unit ? startOfPeriod(unit, now, timeZone) : now - DEFAULT_REPORT_DAYS * DAY_MS));
  if (resolvedSince !== undefined && resolvedUntil <= resolvedSince)
    return `the period is empty: until (${iso(resolvedUntil)}) is not after since (${iso(resolvedSince)})`;

  let targetPercent: number | undefined;
  if (request.target !== undefined && request.target !== '') {
    targetPercent = Number(request.target);
    if (!Number.isFinite(targetPercent) || targetPercent <= 0 || targetPercent >= 100)
      return `target "${request.target}" is not a percentage between 0 and 100 (e.g. 99.99)`;
  }

  const subjects = subjectsOf(model, request);
  if (typeof subjects === 'string') return subjects;
  return { since: resolvedSince, until: resolvedUntil, now, unit, timeZone, subjects, targetPercent };
}

function subjectsOf(model: Model, request: AvailabilityRequest): ReportSubject[] | string {
  const chosen = [request.component, request.service, request.host].filter(
    (v) => v !== undefined && v !== '',
  );
  if (chosen.length > 1) return 'choose one of component, service and host';
  if (request.service) {
    if (!model.services.has(request.service))
      return `no service "${request.service}" in the configuration (write host/service)`;
    return [{ kind: 'service', id: request.service }];
  }
  if (request.host) {
    if (!model.hosts.has(request.host)) return `no host "${request.host}" in the configuration`;
    return [{ kind: 'host', id: request.host }];
  }
  if (request.component) {
    if (!model.components.has(request.component)) {
      const known = [...model.components.keys()];
      return `no component "${request.component}" in the configuration (${known.length > 0 ? `known: ${known.join(', ')}` : 'define them under components:'})`;
    }
    return componentTree(model, request.component);
  }
  const subjects: ReportSubject[] = [];
  for (const component of model.components.values())
    if (component.parent === undefined) subjects.push(...componentTree(model, component.name));
  for (const host of model.hosts.keys()) subjects.push({ kind: 'host', id: host });
  for (const service of model.services.keys()) subjects.push({ kind: 'service', id: service });
  return subjects;
}

/** A component and everything under it, depth first. */
function componentTree(model: Model, name: string): ReportSubject[] {
  const component = model.components.get(name);
  if (!component) return [];
  const subject: ReportSubject = {
    kind: component.parent === undefined ? 'product' : 'component',
    id: name,
    ...(component.parent !== undefined ? { parent: component.parent } : {}),
    ...(component.targetPercent !== undefined ? { targetPercent: component.targetPercent } : {}),
  };
  return [subject, ...component.children.flatMap((child) => componentTree(model, child))];
}

/** Reads the ledger rows and the daemon's runs for the period, then computes the report. */
export async function loadAvailabilityReport(
  store: Pick<Store, 'availability'>,
  options: AvailabilityOptions,
): Promise<AvailabilityReport> {
  const runs = await store.availability.runs();
  const firstRun = runs[0]?.startedAt;
  const since = options.since ?? firstRun ?? Math.min(options.now, options.until) - DAY_MS;
  const report = new AvailabilityReportBuilder({
    subjects: options.subjects,
    runs,
    since,
    until: Math.max(options.until, since + 1),
    now: options.now,
    ...(options.unit ? { unit: options.unit } : {}),
    timeZone: options.timeZone,
    ...(options.targetPercent !== undefined ? { targetPercent: options.targetPercent } : {}),
  });
  await store.availability.forEachSubject(
    options.subjects.map((s) => ({ kind: s.kind === 'product' ? 'component' : s.kind, id: s.id })),
    since,
    options.until,
    (index, intervals) => report.add(index, intervals),
  );
  return report.report();
}

function iso(at: number): string {
  return new Date(at).toISOString();
}
