import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createToken } from '../../src/api/auth/accounts.ts';
import { eventually } from '../helpers/model.ts';
import { type DashboardDaemon, HOSTILE_OUTPUT, startDashboardDaemon } from './dashboard-daemon.ts';

// The pages as HTTP answers (no browser): who may see what, headers, escaping, caching.

let vigil: DashboardDaemon;
const tokens: Record<string, string> = {};

before(async () => {
  vigil = await startDashboardDaemon();
  for (const [username, role] of [
    ['olivia', 'operator'],
    ['victor', 'viewer'],
  ] as const) {
    await vigil.addUser(username, role, 'correct horse battery staple');
    const made = await createToken(vigil.daemon.store, { username, name: 'pages test' }, Date.now());
    if (typeof made === 'string') throw new Error(made);
    tokens[username] = made.token;
  }
  assert.ok(
    await eventually(
      async () => (await get('/fragments/problems', 'victor')).text.includes('web-1/evil'),
      15_000,
    ),
    'the failing dummy check becomes a problem',
  );
});

after(() => vigil.stop());

async function get(path: string, user?: string): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(`${vigil.baseUrl}${path}`, {
    redirect: 'manual',
    headers: user ? { authorization: `Bearer ${tokens[user]}` } : {},
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

test('pages: anonymous visitors go to the login page; the login page and assets are public', async () => {
  for (const path of ['/', '/hosts', '/hosts/web-1', '/topology', '/oncall', '/locate?q=web']) {
    const answer = await get(path);
    assert.equal(answer.status, 302, path);
    assert.equal(answer.headers.get('location'), `/login?next=${encodeURIComponent(path)}`);
  }
  assert.equal((await get('/fragments/problems')).status, 401, 'a fragment is not a page: 401, no redirect');
  const login = await get('/login?next=/hosts');
  assert.equal(login.status, 200);
  assert.match(login.text, /data-next="\/hosts"/);
  assert.match((await get('/login?next=//evil.example/')).text, /data-next="\/"/, 'no redirect off the site');
  const css = await get(/href="(\/assets\/dashboard\.css\?v=\w+)"/.exec(login.text)?.[1] ?? '');
  assert.equal(css.status, 200);
  assert.match(css.headers.get('cache-control') ?? '', /max-age=31536000.*immutable/);
  assert.ok(css.headers.get('etag'));
  assert.notEqual((await get('/assets/../package.json')).status, 200);
  assert.notEqual((await get('/assets/%2e%2e/package.json')).status, 200);
  assert.equal((await get('/assets/htmx.js')).status, 404, 'only the listed assets are served');
});

test('pages: strict Content-Security-Policy, hostile output escaped everywhere', async () => {
  for (const path of ['/', '/fragments/problems', '/services/web-1/evil', '/hosts/web-1']) {
    const answer = await get(path, 'victor');
    assert.equal(answer.status, 200, path);
    const csp = answer.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.ok(!answer.text.includes(HOSTILE_OUTPUT), `${path} contains the raw output`);
    assert.doesNotMatch(answer.text, /<script>window|<img/);
    assert.doesNotMatch(
      answer.text,
      /<script(?![^>]*\bsrc=|[^>]*type="application\/json")/,
      'no inline script',
    );
    assert.doesNotMatch(answer.text, /\sstyle="/, 'no inline style');
  }
});

test('pages: operators get action buttons and their dialogs; viewers get neither', async () => {
  const operator = await get('/', 'olivia');
  assert.match(operator.text, /data-action="ack" data-object="web-1\/evil"/);
  assert.match(operator.text, /<dialog id="ack-dialog"/);
  const viewer = await get('/', 'victor');
  assert.doesNotMatch(viewer.text, /data-action="ack"/);
  assert.doesNotMatch(viewer.text, /<dialog id="ack-dialog"/);
  assert.match(viewer.text, /<dialog id="help-dialog"/);
});

test('pages: unknown hosts are a 404 page; searches and filters answer', async () => {
  const missing = await get('/hosts/no-such-host', 'victor');
  assert.equal(missing.status, 404);
  assert.match(missing.text, /There is no host &quot;no-such-host&quot;/);
  assert.equal((await get('/services/web-1/nope', 'victor')).status, 404);
  const hosts = await get('/hosts?q=dc1-b', 'victor');
  assert.match(hosts.text, /1 host matching/);
  assert.match(hosts.text, />db-1</);
  const locate = await get('/locate?q=tor-a1', 'victor');
  assert.match(locate.text, /10\.9\.0\.12/);
  const topology = await get('/topology?room=DC1-B', 'victor');
  assert.match(topology.text, /data-object="db-1"/);
  assert.match(topology.text, /data-object="core-1"/, 'the path up to the core is drawn');
  assert.doesNotMatch(topology.text, /data-object="web-1"/);
  const oncall = await get('/oncall', 'victor');
  assert.match(oncall.text, /<th scope="row">primary<\/th>/);
});
