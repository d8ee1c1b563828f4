import type { StatusSnapshot } from '../snapshot.ts';

// File names inside the generated site. Ids come from the store, but a file name is built from
// them, so anything beyond letters, digits, "-" and "_" is encoded: no id can leave its folder.

export function incidentPath(id: string): string {
  return `incidents/${id.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.codePointAt(0)?.toString(16)}`)}.html`;
}

/** A stable, URL-safe id for a component name ("Campfire API" -> "campfire-api"). */
export function componentIds(names: readonly string[]): Map<string, string> {
  const ids = new Map<string, string>();
  const taken = new Set<string>();
  for (const name of names) {
    const base =
      name
        .toLowerCase()
        .normalize('NFKD')
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'component';
    let id = base;
    for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
    taken.add(id);
    ids.set(name, id);
  }
  return ids;
}

/** An absolute URL of a page when the site's address is known, else the relative path. */
export function absoluteUrl(snapshot: Pick<StatusSnapshot, 'siteUrl'>, file: string): string {
  if (!snapshot.siteUrl) return file;
  return `${snapshot.siteUrl.replace(/\/+$/, '')}/${file}`;
}

export const HISTORY_PAGE_SIZE = 100;

/** history.html, history-2.html, ... */
export function historyPath(page: number): string {
  return page <= 1 ? 'history.html' : `history-${page}.html`;
}
