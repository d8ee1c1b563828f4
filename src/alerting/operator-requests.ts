import { parseDuration } from '../model/duration.ts';
import { stateName } from '../model/problems.ts';
import type { Model, ObjectState } from '../model/types.ts';
import { isValidTimeZone, parseLocalDateTime } from '../model/zoned-time.ts';
import type { NewAcknowledgement, NewDowntime } from '../store/suppressions.ts';
import { invalidWindow, parseTarget, unknownTarget } from './downtime.ts';

// What an operator asks for (from the CLI or the API), checked against the model and turned
// into a record to store. Errors are one line naming the field.

export interface AcknowledgementRequest {
  object: string;
  comment: string;
  author: string;
  sticky?: boolean;
  /** A duration such as "2h". */
  expire?: string;
}

export function acknowledgementFromRequest(
  model: Model,
  state: ObjectState | undefined,
  request: AcknowledgementRequest,
  now: number,
): NewAcknowledgement | string {
  const objectId = request.object.trim();
  if (!model.hosts.has(objectId) && !model.services.has(objectId))
    return `no host or service "${objectId}" (write HOST or HOST/SERVICE)`;
  if (!state || state.state === 0)
    return `${objectId} is ${state ? stateName(model, state) : 'not checked yet'}: there is no problem to acknowledge`;
  if (request.author.trim() === '') return 'author is empty';
  let expiresAt: number | null = null;
  if (request.expire !== undefined) {
    const ms = parseDuration(request.expire);
    if (ms === undefined || ms <= 0) return `expire "${request.expire}" is not a duration (e.g. 30m, 2h, 1d)`;
    expiresAt = now + ms;
  }
  return {
    objectId,
    state: state.state,
    author: request.author.trim(),
    comment: request.comment,
    sticky: request.sticky ?? false,
    expiresAt,
    createdAt: now,
  };
}

export interface DowntimeRequest {
  /** HOST, HOST/SERVICE, hostgroup:NAME or tag:NAME. */
  target: string;
  /** Length: of the window from `from` (or now), or of each occurrence of a recurring one. */
  for?: string;
  from?: string;
  until?: string;
  /** Flexible: starts when a covered object fails inside the window, lasts this long. */
  flexible?: string;
  /** Recurrence: cron expression, or "weekly sun 02:00", "monthly first sunday 02:00", ... */
  every?: string;
  /** Zone for `from`/`until` without an offset and for the recurrence. */
  timeZone?: string;
  services?: boolean;
  children?: boolean;
  author: string;
  comment: string;
}

export function downtimeFromRequest(
  model: Model,
  request: DowntimeRequest,
  now: number,
): NewDowntime | string {
  const target = parseTarget(request.target);
  if (typeof target === 'string') return target;
  const unknown = unknownTarget(model, target);
  if (unknown) return unknown;
  const timeZone = request.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!isValidTimeZone(timeZone)) return `time zone "${timeZone}" is not known to this system`;
  const time = (name: string, value: string | undefined): number | string | undefined => {
    if (value === undefined) return undefined;
    const at = parseLocalDateTime(value, timeZone);
    return at ?? `${name} "${value}" is not a time (write e.g. 2026-03-16T09:00, or with Z or an offset)`;
  };
  const from = time('from', request.from);
  if (typeof from === 'string') return from;
  const until = time('until', request.until);
  if (typeof until === 'string') return until;
  const length = request.for === undefined ? undefined : parseDuration(request.for);
  if (request.for !== undefined && !(length && length > 0))
    return `for "${request.for}" is not a duration (e.g. 30m, 2h, 1d)`;
  const flexible = request.flexible === undefined ? undefined : parseDuration(request.flexible);
  if (request.flexible !== undefined && !(flexible && flexible > 0))
    return `flexible "${request.flexible}" is not a duration (e.g. 1h)`;
  const startAt = from ?? now;
  let endAt: number | null;
  if (request.every !== undefined) {
    if (length === undefined) return 'a recurring window needs a length: for (e.g. 2h)';
    endAt = until ?? null;
  } else {
    if (length !== undefined && until !== undefined) return 'give either for or until, not both';
    if (length === undefined && until === undefined) return 'say how long: for (e.g. 2h) or until';
    endAt = until ?? startAt + (length as number);
  }
  const downtime: NewDowntime = {
    target,
    includeServices: request.services ?? false,
    includeChildren: request.children ?? false,
    type: flexible !== undefined ? 'flexible' : 'fixed',
    startAt,
    endAt,
    durationMs: request.every !== undefined ? (length as number) : (flexible ?? null),
    recurrence: request.every ?? null,
    timeZone,
    author: request.author.trim(),
    comment: request.comment,
    createdAt: now,
  };
  if (downtime.author === '') return 'author is empty';
  if (downtime.endAt !== null && downtime.endAt <= now && request.every === undefined)
    return 'the window is already over';
  return invalidWindow(downtime) ?? downtime;
}
