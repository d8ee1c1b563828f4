import { BadQuery, DEFAULT_LIMIT, MAX_LIMIT } from '../pagination.ts';

// JSON schemas and query helpers shared by the /api/v1 routes. The schemas validate the
// requests and are what the OpenAPI document is made of.

export const errorResponse = {
  type: 'object',
  description: 'What was wrong, naming the field or object.',
  properties: { error: { type: 'string' } },
  required: ['error'],
  additionalProperties: true,
} as const;

/** `limit`, `cursor` and `sort` for a list; `sortFields` are the fields it can be sorted by. */
export function pageQueryProperties(sortFields: readonly string[]) {
  return {
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_LIMIT,
      default: DEFAULT_LIMIT,
      description: `Most items in one page (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}).`,
    },
    cursor: {
      type: 'string',
      maxLength: 2000,
      description: 'The `next_cursor` of the previous page; omit for the first page.',
    },
    sort: {
      type: 'string',
      maxLength: 100,
      description: `Sort field, \`-\` in front for descending: ${sortFields.join(', ')}.`,
    },
  } as const;
}

export interface PageQuery {
  limit: number;
  cursor?: string;
  sort?: string;
}

/** A page of `item`s with the cursor of the next one. */
export function pageResponse(item: object, description: string) {
  return {
    type: 'object',
    description,
    required: ['items', 'next_cursor'],
    properties: {
      items: { type: 'array', items: item },
      next_cursor: { type: ['string', 'null'], description: 'Cursor of the next page; null on the last.' },
    },
  } as const;
}

const nullableString = { type: ['string', 'null'] } as const;

/** One object's state as operators read it (also the shape of /api/v1/objects and problems). */
export const stateRowSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    object: { type: 'string', description: 'Host name, or host/service.' },
    host: { type: 'string' },
    service: nullableString,
    state: {
      type: 'string',
      description: 'UP, DOWN, UNREACHABLE, OK, WARNING, CRITICAL, UNKNOWN or PENDING.',
    },
    stateType: { type: 'string', enum: ['SOFT', 'HARD'] },
    attempt: { type: 'string', description: 'Attempt of max attempts, "2/3".' },
    since: { type: 'string', description: 'Last state change (ISO 8601).' },
    lastCheck: nullableString,
    flapping: { type: 'boolean' },
    output: { type: 'string' },
  },
} as const;

export const locationSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    site: { type: 'string' },
    room: { type: 'string' },
    cabinet: { type: 'string' },
    rackUnit: { type: 'string' },
    oob: { type: 'string', description: 'Out-of-band management address.' },
    notes: { type: 'string' },
  },
} as const;

/** `since`/`until` as milliseconds since the epoch or an ISO 8601 time. */
export const timeParameter = {
  type: 'string',
  maxLength: 40,
  description: 'Milliseconds since the epoch, or an ISO 8601 time.',
} as const;

/** Parses a time parameter (undefined when absent); a malformed one is a BadQuery naming `field`. */
export function parseTime(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new BadQuery(`${field} "${value}" is not a time (milliseconds since the epoch or ISO 8601)`);
  return parsed;
}

/** A comma-separated list parameter, upper- or lower-cased as the values are written. */
export function listParameter(value: string | undefined): string[] | undefined {
  if (value === undefined || value === '') return undefined;
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}
