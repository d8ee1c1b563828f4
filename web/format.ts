import { stateName } from '../src/model/problems.ts';
import type { Model, ObjectState, PhysicalLocation } from '../src/model/types.ts';
import { type Html, html } from './html.ts';

// Small pieces of wording and markup shared by the pages.

/** "45s", "12m", "3h 5m", "4d 2h": how long a state has lasted. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** A state name as a badge: colour for a quick look, the word for everyone. */
export function stateBadge(state: string): Html {
  return html`<span class="state state-${state.toLowerCase()}">${state}</span>`;
}

export function locationText(location: PhysicalLocation | undefined): string {
  if (!location) return '';
  const parts = [
    location.site,
    location.room && `room ${location.room}`,
    location.cabinet && `cabinet ${location.cabinet}`,
    location.rackUnit && `U${location.rackUnit}`,
  ].filter((p): p is string => Boolean(p));
  return parts.join(' · ');
}

/** Link to a host's or a service's page. */
export function objectHref(objectId: string): string {
  const slash = objectId.indexOf('/');
  if (slash < 0) return `/hosts/${encodeURIComponent(objectId)}`;
  return `/services/${encodeURIComponent(objectId.slice(0, slash))}/${encodeURIComponent(objectId.slice(slash + 1))}`;
}

export function objectLink(objectId: string): Html {
  return html`<a href="${objectHref(objectId)}">${objectId}</a>`;
}

/** A time in UTC, readable and sortable; the exact value is in the title. */
export function timeText(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').slice(0, 19);
}

export function time(at: number): Html {
  return html`<time datetime="${new Date(at).toISOString()}">${timeText(at)}</time>`;
}

/** Page links: previous / "page N of M" / next, keeping the other query parameters. */
export function pager(base: string, params: Record<string, string>, page: number, pages: number): Html {
  if (pages <= 1) return html``;
  const href = (p: number) => `${base}?${new URLSearchParams({ ...params, page: String(p) })}`;
  return html`<nav class="pager" aria-label="Pages">
${page > 1 ? html`<a href="${href(page - 1)}" rel="prev">← previous</a>` : html`<span></span>`}
<span>page ${page} of ${pages}</span>
${page < pages ? html`<a href="${href(page + 1)}" rel="next">next →</a>` : html`<span></span>`}
</nav>`;
}

/** A positive page number from a query parameter (anything else is page 1). */
export function pageNumber(text: string | undefined): number {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 1_000_000 ? n : 1;
}

/**
 * The state name to show for an object. A host without a check is UP, as Nagios takes it;
 * anything else not checked yet is PENDING.
 */
export function shownState(model: Model, objectId: string, state: ObjectState | undefined): string {
  if (state) return stateName(model, state);
  const host = model.hosts.get(objectId);
  return host && !host.check ? 'UP' : 'PENDING';
}
