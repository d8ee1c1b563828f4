import type { PublicIncident } from '../snapshot.ts';
import { isoTime } from './dates.ts';
import { escapeText } from './escape.ts';
import { absoluteUrl, incidentPath } from './paths.ts';
import { lastUpdateOf, type SiteContext } from './site-context.ts';
import { PHASE_LABEL } from './wording.ts';

// feed.rss (RSS 2.0) and feed.atom (Atom 1.0): one entry per incident, its content every update,
// newest first. An entry's date is its latest update, so readers show an incident again when it
// changes. All text goes through escapeText, which keeps both documents well-formed XML.

export const INCIDENTS_IN_FEEDS = 50;

function entriesOf(context: SiteContext): PublicIncident[] {
  return [...context.snapshot.incidents]
    .sort((a, b) => lastUpdateOf(b) - lastUpdateOf(a))
    .slice(0, INCIDENTS_IN_FEEDS);
}

/** The updates as plain text, one paragraph each, for the entry's body. */
function entryText(incident: PublicIncident): string {
  return incident.updates.map((u) => `${PHASE_LABEL[u.phase]} (${isoTime(u.at)}): ${u.message}`).join('\n\n');
}

/** Atom ids must be absolute IRIs: the page's URL when the site has an address, else a tag URI. */
function entryId(context: SiteContext, incident: PublicIncident): string {
  if (context.snapshot.siteUrl) return absoluteUrl(context.snapshot, incidentPath(incident.id));
  return `urn:vigil:status:incident:${encodeURIComponent(incident.id)}`;
}

export function renderRss(context: SiteContext): string {
  const { snapshot } = context;
  const items = entriesOf(context)
    .map(
      (incident) => `<item>
<title>${escapeText(`${incident.title} (${PHASE_LABEL[incident.phase]})`)}</title>
<link>${escapeText(absoluteUrl(snapshot, incidentPath(incident.id)))}</link>
<guid isPermaLink="false">${escapeText(entryId(context, incident))}</guid>
<pubDate>${new Date(lastUpdateOf(incident)).toUTCString()}</pubDate>
<description>${escapeText(entryText(incident))}</description>
</item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${escapeText(snapshot.title)}</title>
<link>${escapeText(absoluteUrl(snapshot, 'index.html'))}</link>
<description>${escapeText(`Incidents and maintenance of ${snapshot.title}`)}</description>
<language>en</language>
<lastBuildDate>${new Date(snapshot.generatedAt).toUTCString()}</lastBuildDate>
${snapshot.siteUrl ? `<atom:link href="${escapeText(absoluteUrl(snapshot, 'feed.rss'))}" rel="self" type="application/rss+xml"/>\n` : ''}${items}
</channel>
</rss>
`;
}

export function renderAtom(context: SiteContext): string {
  const { snapshot } = context;
  const entries = entriesOf(context);
  const updated = Math.max(snapshot.generatedAt, ...entries.map(lastUpdateOf));
  const feedId = snapshot.siteUrl
    ? absoluteUrl(snapshot, 'feed.atom')
    : `urn:vigil:status:${encodeURIComponent(snapshot.title)}`;
  const body = entries
    .map(
      (incident) => `<entry>
<id>${escapeText(entryId(context, incident))}</id>
<title>${escapeText(`${incident.title} (${PHASE_LABEL[incident.phase]})`)}</title>
<link rel="alternate" type="text/html" href="${escapeText(absoluteUrl(snapshot, incidentPath(incident.id)))}"/>
<published>${isoTime(incident.publishedAt)}</published>
<updated>${isoTime(lastUpdateOf(incident))}</updated>
${incident.components.map((c) => `<category term="${escapeText(c)}"/>`).join('')}
<content type="text">${escapeText(entryText(incident))}</content>
</entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<id>${escapeText(feedId)}</id>
<title>${escapeText(snapshot.title)}</title>
<updated>${isoTime(updated)}</updated>
<author><name>${escapeText(snapshot.title)}</name></author>
<link rel="alternate" type="text/html" href="${escapeText(absoluteUrl(snapshot, 'index.html'))}"/>
${snapshot.siteUrl ? `<link rel="self" type="application/atom+xml" href="${escapeText(absoluteUrl(snapshot, 'feed.atom'))}"/>\n` : ''}${body}
</feed>
`;
}
