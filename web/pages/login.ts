import { type Html, html } from '../html.ts';
import { type PageContext, renderPage } from '../layout.ts';

// Signing in and creating the first administrator. The forms post JSON to the session and
// setup endpoints from the client script (no inline script under the page's policy); without
// script nothing is sent.

/** Any origin serves: only whether `next` stays on it matters. */
const SITE = 'http://vigil.invalid';

/**
 * Where to go after signing in: only a path on this site, never another origin. Resolved
 * the way a browser resolves it (which drops tabs and newlines, so `/\t/evil.example` means
 * `//evil.example`), then only its path, query and fragment are kept. Control characters
 * and backslashes, which browsers read in surprising ways, are refused outright. The
 * client script (assets/dashboard.js) checks again before it navigates.
 */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || /[\u0000-\u001f\u007f-\u009f\\]/.test(next)) return '/';
  let url: URL;
  try {
    url = new URL(next, SITE);
  } catch {
    return '/';
  }
  if (url.origin !== SITE) return '/';
  // `/.//evil.example` resolves to the path `//evil.example`, which a browser would read as
  // another host: leading slashes are collapsed into one.
  return `${url.pathname.replace(/^\/+/, '/')}${url.search}${url.hash}`;
}

export function loginPage(context: PageContext, next: string | undefined): Html {
  const main = html`<div class="card narrow">
<h1>Sign in to Vigil</h1>
<form data-form="login" data-next="${safeNext(next)}" novalidate>
<label for="login-username">Username</label>
<input id="login-username" name="username" autocomplete="username" required autofocus>
<label for="login-password">Password</label>
<input id="login-password" name="password" type="password" autocomplete="current-password" required>
<p class="error" data-slot="error" role="alert"></p>
<div class="buttons"><button type="submit" class="primary">Sign in</button></div>
</form>
</div>`;
  return renderPage(context, { title: 'Sign in', section: 'login', main });
}

export function setupPage(context: PageContext, token: string): Html {
  const main = html`<div class="card narrow">
<h1>Create the first administrator</h1>
<p class="hint">This link works once. The account you create here can add everyone else.</p>
<form data-form="setup" novalidate>
<input type="hidden" name="token" value="${token}">
<label for="setup-username">Username</label>
<input id="setup-username" name="username" autocomplete="username" required autofocus>
<label for="setup-password">Password</label>
<input id="setup-password" name="password" type="password" autocomplete="new-password" required minlength="12">
<label for="setup-confirm">Password again</label>
<input id="setup-confirm" name="confirm" type="password" autocomplete="new-password" required>
<p class="error" data-slot="error" role="alert"></p>
<div class="buttons"><button type="submit" class="primary">Create administrator</button></div>
</form>
</div>`;
  return renderPage(context, { title: 'Set up', section: 'login', main });
}
