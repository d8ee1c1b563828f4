import { createHash } from 'node:crypto';
import type { StatusSnapshot } from '../snapshot.ts';
import { renderApiJson } from './api-json.ts';
import { renderAtom, renderRss } from './feeds.ts';
import { renderHistoryPages } from './history-page.ts';
import { renderHomePage } from './home-page.ts';
import { renderIncidentPage } from './incident-view.ts';
import { incidentPath } from './paths.ts';
import { siteContext } from './site-context.ts';
import { STYLESHEET } from './stylesheet.ts';
import { renderUptimePage } from './uptime-page.ts';

// A snapshot becomes the whole site as a map from path to content. Pure: no clock, no files.

/** Every file of the site by its path from the root ("index.html", "incidents/7.html", ...). */
export type SiteFiles = Map<string, string>;

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

export function renderSite(snapshot: StatusSnapshot): SiteFiles {
  // The name changes with the content, so browsers and CDNs may keep it for a year.
  const stylesheetPath = `assets/site.${shortHash(STYLESHEET)}.css`;
  const context = siteContext(snapshot, stylesheetPath);
  const files: SiteFiles = new Map();
  files.set('index.html', renderHomePage(context));
  for (const [path, html] of renderHistoryPages(context)) files.set(path, html);
  files.set('uptime.html', renderUptimePage(context));
  for (const incident of snapshot.incidents)
    files.set(incidentPath(incident.id), renderIncidentPage(context, incident));
  for (const [path, json] of renderApiJson(context)) files.set(path, json);
  files.set('feed.rss', renderRss(context));
  files.set('feed.atom', renderAtom(context));
  files.set(stylesheetPath, STYLESHEET);
  files.set('robots.txt', 'User-agent: *\nAllow: /\n');
  return files;
}

/**
 * What decides whether the site must be generated again: the snapshot without its generation
 * time (which changes every time and alone changes nothing customers need to see).
 */
export function snapshotHash(snapshot: StatusSnapshot): string {
  const { generatedAt: _ignored, ...content } = snapshot;
  return createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 16);
}
