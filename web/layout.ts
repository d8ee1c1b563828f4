import type { FastifyReply } from 'fastify';
import type { Principal, Role } from '../src/api/access.ts';
import { type AssetName, assetUrl } from './assets.ts';
import { Html, html } from './html.ts';

// The frame around every page: navigation, the signed-in user, the action dialogs and the
// security headers. Pages give their title and main content.

export interface PageContext {
  principal: Principal | null;
  /** The session's CSRF token, read by the client script from a <meta>; '' when signed out. */
  csrfToken: string;
}

export type Section =
  | 'problems'
  | 'hosts'
  | 'topology'
  | 'oncall'
  | 'locate'
  | 'login'
  | 'incidents'
  | 'availability';

export interface PageSpec {
  title: string;
  section: Section;
  main: Html;
  /** Load uPlot (detail pages with performance charts). */
  charts?: boolean;
  /** A page's own script, loaded after the dashboard's (the incidents page). */
  script?: AssetName;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether the visitor holds at least this role. */
export function holds(principal: Principal | null, role: Role): boolean {
  return principal !== null && RANK[principal.role] >= RANK[role];
}

// No inline script or style at all: a string that slips past escaping still cannot run.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HTMX_CONFIG = JSON.stringify({
  selfRequestsOnly: true,
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  historyCacheSize: 0,
});

const NAV: [Section, string, string][] = [
  ['problems', '/', 'Problems'],
  ['hosts', '/hosts', 'Hosts'],
  ['topology', '/topology', 'Topology'],
  ['oncall', '/oncall', 'On call'],
  ['incidents', '/incidents', 'Incidents'],
  ['availability', '/availability', 'Availability'],
  ['locate', '/locate', 'Locate'],
];

export function renderPage(context: PageContext, spec: PageSpec): Html {
  const { principal } = context;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${spec.title} · Vigil</title>
<meta name="csrf-token" content="${context.csrfToken}">
<meta name="vigil-role" content="${principal?.role ?? ''}">
<meta name="vigil-user" content="${principal?.username ?? ''}">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<link rel="stylesheet" href="${assetUrl('dashboard.css')}">
${spec.charts ? html`<link rel="stylesheet" href="${assetUrl('uPlot.min.css')}">` : ''}
<script src="${assetUrl('htmx.min.js')}" defer></script>
${spec.charts ? html`<script src="${assetUrl('uPlot.iife.min.js')}" defer></script>` : ''}
<script src="${assetUrl('dashboard.js')}" defer></script>
${spec.script ? html`<script src="${assetUrl(spec.script)}" defer></script>` : ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Vigil</a>
  ${
    principal
      ? html`<nav aria-label="Sections"><ul>${NAV.map(
          ([section, href, label]) =>
            html`<li><a href="${href}"${spec.section === section ? html` aria-current="page"` : ''}>${label}</a></li>`,
        )}</ul></nav>
  <div class="who"><span title="role: ${principal.role}">${principal.username} <small>(${principal.role})</small></span>
  <button type="button" class="link" data-action="help" title="Keyboard shortcuts (?)">?</button>
  ${principal.via === 'session' ? html`<button type="button" data-action="logout">Log out</button>` : ''}</div>`
      : ''
  }
</header>
<main id="main" tabindex="-1">
${spec.main}
</main>
<div id="toast" role="status" aria-live="polite"></div>
${principal ? dialogs(principal) : ''}
</body>
</html>`;
}

/** The confirmation dialogs of the actions; only operators get the forms. */
function dialogs(principal: Principal): Html {
  const help = html`<dialog id="help-dialog" aria-labelledby="help-title">
<h2 id="help-title">Keyboard shortcuts</h2>
<dl class="keys">
<dt><kbd>j</kbd> / <kbd>k</kbd></dt><dd>next / previous problem</dd>
<dt><kbd>Enter</kbd></dt><dd>open the selected problem</dd>
<dt><kbd>a</kbd></dt><dd>acknowledge the selected problem</dd>
<dt><kbd>d</kbd></dt><dd>schedule downtime for it</dd>
<dt><kbd>r</kbd></dt><dd>re-check it now</dd>
<dt><kbd>/</kbd></dt><dd>search hosts</dd>
<dt><kbd>?</kbd></dt><dd>this help</dd>
<dt><kbd>Esc</kbd></dt><dd>close a dialog</dd>
</dl>
<form method="dialog"><button>Close</button></form>
</dialog>`;
  if (!holds(principal, 'operator')) return help;
  return html`${help}
<dialog id="ack-dialog" aria-labelledby="ack-title">
<form data-form="ack" novalidate>
<h2 id="ack-title">Acknowledge <span data-slot="object"></span></h2>
<p class="hint">Stops escalation and repeated notifications; the on-call team is told who took it.</p>
<input type="hidden" name="object">
<label for="ack-comment">Comment</label>
<textarea id="ack-comment" name="comment" required rows="3" placeholder="What you are doing about it"></textarea>
<label class="check"><input type="checkbox" name="sticky" checked> Sticky: hold until it is OK again, through state changes</label>
<p class="error" data-slot="error" role="alert"></p>
<div class="buttons"><button type="button" data-close>Cancel</button><button type="submit" class="primary">Acknowledge</button></div>
</form>
</dialog>
<dialog id="downtime-dialog" aria-labelledby="downtime-title">
<form data-form="downtime" novalidate>
<h2 id="downtime-title">Schedule downtime for <span data-slot="object"></span></h2>
<p class="hint">Notifications for it are held back while the downtime lasts. It still counts against availability.</p>
<input type="hidden" name="target">
<label for="downtime-for">For</label>
<select id="downtime-for" name="for">
<option value="30m">30 minutes</option><option value="1h" selected>1 hour</option><option value="2h">2 hours</option>
<option value="4h">4 hours</option><option value="12h">12 hours</option><option value="1d">1 day</option><option value="7d">7 days</option>
</select>
<label for="downtime-comment">Comment</label>
<textarea id="downtime-comment" name="comment" required rows="3" placeholder="Why, e.g. kernel update"></textarea>
<label class="check" data-host-only><input type="checkbox" name="services" checked> Its services too</label>
<label class="check" data-host-only><input type="checkbox" name="children"> Hosts behind it too</label>
<p class="error" data-slot="error" role="alert"></p>
<div class="buttons"><button type="button" data-close>Cancel</button><button type="submit" class="primary">Schedule downtime</button></div>
</form>
</dialog>
<dialog id="recheck-dialog" aria-labelledby="recheck-title">
<form data-form="recheck" novalidate>
<h2 id="recheck-title">Re-check <span data-slot="object"></span> now?</h2>
<input type="hidden" name="object">
<p class="error" data-slot="error" role="alert"></p>
<div class="buttons"><button type="button" data-close>Cancel</button><button type="submit" class="primary">Re-check now</button></div>
</form>
</dialog>
<dialog id="confirm-dialog" aria-labelledby="confirm-title">
<form data-form="confirm" novalidate>
<h2 id="confirm-title" data-slot="question"></h2>
<p class="error" data-slot="error" role="alert"></p>
<div class="buttons"><button type="button" data-close>Cancel</button><button type="submit" class="primary danger">Yes</button></div>
</form>
</dialog>`;
}

/** Sends a page with its security headers; pages always show the present, so nothing caches them. */
export function sendPage(reply: FastifyReply, page: Html, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-store')
    .send(page.text);
}

/** Sends an htmx fragment (same headers as a page). */
export function sendFragment(reply: FastifyReply, fragment: Html): FastifyReply {
  return sendPage(reply, fragment);
}

export { Html };
