import { formatDateTime, isoTime } from './dates.ts';
import { escapeText } from './escape.ts';
import type { SiteContext } from './site-context.ts';

// The frame of every page: landmarks (banner, navigation, main, contentinfo), a skip link, the
// feeds advertised for readers, and the time the page was generated.

export interface PageFrame {
  /** Page title, plain text. */
  title: string;
  /** "" for pages at the root, "../" for pages one folder down. */
  up: string;
  /** Which navigation entry is this page. */
  current?: 'status' | 'history' | 'uptime';
  body: string;
  /**
   * The time the footer names; default: the snapshot's. An incident page names its own last
   * update instead, so it stays byte-identical across generations and is not uploaded again.
   */
  updatedAt?: number;
}

export function renderPage(context: SiteContext, frame: PageFrame): string {
  const { snapshot } = context;
  const up = frame.up;
  const nav = (key: PageFrame['current'], href: string, label: string) =>
    `<li><a href="${up}${href}"${frame.current === key ? ' aria-current="page"' : ''}>${label}</a></li>`;
  const updatedAt = frame.updatedAt ?? snapshot.generatedAt;
  const fullTitle = frame.title === snapshot.title ? snapshot.title : `${frame.title} · ${snapshot.title}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeText(fullTitle)}</title>
<link rel="stylesheet" href="${up}${context.stylesheetPath}">
<link rel="alternate" type="application/atom+xml" title="${escapeText(snapshot.title)} (Atom)" href="${up}feed.atom">
<link rel="alternate" type="application/rss+xml" title="${escapeText(snapshot.title)} (RSS)" href="${up}feed.rss">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p class="site"><a href="${up}index.html">${escapeText(snapshot.title)}</a></p>
<nav aria-label="Site"><ul>${nav('status', 'index.html', 'Status')}${nav('history', 'history.html', 'History')}${nav('uptime', 'uptime.html', 'Uptime')}</ul></nav>
</header>
<main id="main">
${frame.body}
</main>
<footer>
<p>Updated <time datetime="${isoTime(updatedAt)}">${escapeText(formatDateTime(updatedAt, snapshot.timeZone))}</time>.
Follow: <a href="${up}feed.atom">Atom</a> · <a href="${up}feed.rss">RSS</a> · <a href="${up}api/v2/summary.json">JSON</a></p>
</footer>
</body>
</html>
`;
}
