// Cursor pagination for the API's lists. A cursor is opaque to clients: base64url JSON
// naming the sort it belongs to and the last item handed out (its sort key and id), so the
// next page starts strictly after that item even when items were added or removed in
// between: nothing is repeated, and nothing that stayed is skipped.

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

export type SortKey = string | number;

export interface SortOrder {
  field: string;
  descending: boolean;
  /** As written in the query (`name`, `-since`), to tie a cursor to its sort. */
  text: string;
}

/** An error the client caused, with the query parameter it is about. */
export class BadQuery extends Error {}

/** `sort=field` or `sort=-field` (descending), from the endpoint's fixed list. */
export function parseSort(
  value: string | undefined,
  allowed: readonly string[],
  fallback: string,
): SortOrder {
  const text = value === undefined || value === '' ? fallback : value;
  const descending = text.startsWith('-');
  const field = descending ? text.slice(1) : text;
  if (!allowed.includes(field))
    throw new BadQuery(`sort field "${field}" is unknown (sort by one of: ${allowed.join(', ')})`);
  return { field, descending, text };
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The decoded cursor, or a BadQuery naming `cursor`. */
export function decodeCursor(text: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
  } catch {
    throw new BadQuery('cursor is not one this endpoint handed out (start again without it)');
  }
}

interface KeyCursor {
  s: string;
  k: SortKey;
  i: string;
}

function isKeyCursor(value: unknown): value is KeyCursor {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Record<string, unknown>;
  return (
    typeof c.s === 'string' && typeof c.i === 'string' && (typeof c.k === 'string' || typeof c.k === 'number')
  );
}

function compareKeys(a: SortKey, aId: string, b: SortKey, bId: string): number {
  if (a !== b) {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    // Numbers before strings keeps a mixed column (rare) in a stable total order.
    if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
    return a < b ? -1 : 1;
  }
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

/**
 * One page of `items` in the given order. `keyOf` gives each item's sort key and its id
 * (unique; it breaks ties). `presorted` says the items already come in ascending (key, id)
 * order, which saves sorting a large list for its default order.
 */
export function pageOf<T>(
  items: readonly T[],
  keyOf: (item: T) => readonly [SortKey, string],
  order: SortOrder,
  cursor: string | undefined,
  limit: number,
  presorted = false,
): Page<T> {
  const sign = order.descending ? -1 : 1;
  const keyed = items.map((item) => ({ item, key: keyOf(item) }));
  if (!presorted || order.descending)
    keyed.sort((a, b) => sign * compareKeys(a.key[0], a.key[1], b.key[0], b.key[1]));
  let start = 0;
  if (cursor !== undefined) {
    const after = decodeCursor(cursor);
    if (!isKeyCursor(after)) throw new BadQuery('cursor is not one this endpoint handed out');
    if (after.s !== order.text)
      throw new BadQuery(`cursor belongs to sort=${after.s}, not sort=${order.text}; start again without it`);
    // First item strictly after the cursor's, by binary search over the ordered list.
    let low = 0;
    let high = keyed.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const key = (keyed[middle] as (typeof keyed)[number]).key;
      if (sign * compareKeys(key[0], key[1], after.k, after.i) <= 0) low = middle + 1;
      else high = middle;
    }
    start = low;
  }
  const slice = keyed.slice(start, start + limit);
  const last = slice[slice.length - 1];
  const more = start + limit < keyed.length;
  return {
    items: slice.map((entry) => entry.item),
    next_cursor:
      more && last
        ? encodeCursor({ s: order.text, k: last.key[0], i: last.key[1] } satisfies KeyCursor)
        : null,
  };
}
