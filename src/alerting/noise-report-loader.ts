import { parseDuration } from '../model/duration.ts';
import { parseTimePeriod } from '../model/time-period.ts';
import type { Model } from '../model/types.ts';
import { DAY_MS, parseLocalDateTime } from '../model/zoned-time.ts';
import { DELIVERED_RETENTION_MS } from '../store/outbox.ts';
import type { Store } from '../store/store.ts';
import {
  type BusinessHours,
  buildNoiseReport,
  type NoiseReport,
  type SentNotification,
} from './noise-report.ts';
import type { Notification } from './notification.ts';

// Reads what the noise report needs from the store and the model, and turns the options
// the CLI and the API take into a period. The figures themselves are in noise-report.ts.

export const DEFAULT_REPORT_DAYS = 30;

/** Acknowledgements and recoveries this long after the period still count for problems notified in it. */
export const FOLLOW_UP_MS = 7 * DAY_MS;

export interface NoiseReportRequest {
  /** A time (2026-03-01, 2026-03-01T09:00, with Z or an offset) or a duration back from now (7d). */
  since?: string;
  until?: string;
  /** A time period from the config's `time_periods:`. */
  businessHours?: string;
}

export interface NoiseReportOptions {
  since: number;
  until: number;
  /** The time of the request: what the store has pruned by now is missing from the report. */
  now: number;
  businessHours: BusinessHours;
}

/** Resolves the request against the model and the clock, or says what is wrong with it. */
export function noiseReportOptions(
  model: Model,
  request: NoiseReportRequest,
  now: number,
  localZone: string,
): NoiseReportOptions | string {
  const time = (name: string, text: string | undefined, fallback: number): number | string => {
    if (text === undefined || text.trim() === '') return fallback;
    const at = parseLocalDateTime(text, localZone);
    if (at !== undefined) return at;
    const back = parseDuration(text);
    if (back !== undefined && /[a-z]/i.test(text)) return now - back;
    return `${name} "${text}" is not a time (write e.g. 2026-03-01, 2026-03-01T09:00, with Z or an offset, or a duration back from now such as 7d)`;
  };
  const since = time('since', request.since, now - DEFAULT_REPORT_DAYS * DAY_MS);
  if (typeof since === 'string') return since;
  const until = time('until', request.until, now);
  if (typeof until === 'string') return until;
  if (until <= since) return `the period is empty: until (${iso(until)}) is not after since (${iso(since)})`;
  const businessHours = businessHoursOf(model, request.businessHours, localZone);
  if (typeof businessHours === 'string') return businessHours;
  return { since, until, now, businessHours };
}

function businessHoursOf(model: Model, name: string | undefined, localZone: string): BusinessHours | string {
  if (name !== undefined) {
    const period = model.timePeriods.get(name);
    if (!period) {
      const known = [...model.timePeriods.keys()];
      return `no time period "${name}" in the configuration (${known.length > 0 ? `known: ${known.join(', ')}` : 'add one under time_periods:'})`;
    }
    return { name, description: `${name} (${period.timeZone})`, period };
  }
  const parsed = parseTimePeriod({ time_zone: localZone, ranges: ['monday-friday 09:00-18:00'] });
  if (!parsed.ok) return `cannot build default business hours in time zone ${localZone}`;
  return {
    name: null,
    description: `Mon–Fri 09:00–18:00 ${localZone} (default; choose a time period with --business-hours)`,
    period: parsed.period,
  };
}

/** Reads the period, the one before it (for the trend) and the follow-up, then computes the report. */
export async function loadNoiseReport(
  store: Store,
  model: Model,
  options: NoiseReportOptions,
): Promise<NoiseReport> {
  const { since, until } = options;
  const from = since - (until - since);
  // Problems notified in the period may have started earlier: their acknowledgements and
  // recoveries are after their start, which we take to be no earlier than the previous period.
  const [entries, acknowledgements, stateChanges] = await Promise.all([
    store.outbox.createdBetween(from, until),
    store.acknowledgements.createdBetween(from, until + FOLLOW_UP_MS),
    store.eventsBetween(from, until + FOLLOW_UP_MS, ['recovery', 'flapping-start', 'flapping-stop']),
  ]);
  const notifications: SentNotification[] = entries.map((entry) => ({
    receiver: entry.receiver,
    createdAt: entry.createdAt,
    payload: entry.payload as Notification,
  }));
  return buildNoiseReport({
    since,
    until,
    notifications,
    acknowledgements,
    stateChanges,
    contacts: new Map([...model.contacts].map(([name, contact]) => [name, contact.receivers])),
    receiverKinds: new Map([...model.receivers].map(([name, receiver]) => [name, receiver.kind])),
    businessHours: options.businessHours,
    notificationsKeptSince: options.now - DELIVERED_RETENTION_MS,
  });
}

function iso(at: number): string {
  return new Date(at).toISOString();
}
