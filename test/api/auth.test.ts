// Users, roles, sessions, API tokens, CSRF, sign-in throttling and the audit log, against
// the real HTTP API of a real daemon (engine, store, suppressions) on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import type { Role } from '../../src/api/access.ts';
import { changeUser, createToken, removeUser } from '../../src/api/auth/accounts.ts';
import { hashPassword } from '../../src/api/auth/passwords.ts';
import type { Daemon } from '../../src/api/daemon.ts';
import { type ApiOptions, type RunningApi, startApi } from '../../src/api/server.ts';
import { startDaemon } from '../../src/cli/daemon.ts';
import { registerDashboard } from '../../web/dashboard.ts';
import { eventually, modelFromYaml, tempDir } from '../helpers/model.ts';
import { adminQuery, POSTGRES_URL } from '../store/backends.ts';

const PASSWORD = 'correct horse battery';

interface Harness {
  daemon: Daemon;
  api: RunningApi;
  url: (path: string) => string;
  /** What the daemon logged at warn and above. */
  logged: () => string;
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function storeYaml(backend: 'sqlite' | 'postgres', dir: string): Promise<string> {
  if (backend === 'sqlite') return `{ path: ${dir}/vigil.db }`;
  const database = `vigil_auth_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await adminQuery(`create database ${database}`);
  cleanups.push(() => adminQuery(`drop database if exists ${database} with (force)`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  return `{ url: "${url}" }`;
}

async function start(backend: 'sqlite' | 'postgres', api = '', options: ApiOptions = {}): Promise<Harness> {
  const dir = await tempDir('vigil-auth-');
  const model = modelFromYaml(
    `
settings:
  listen: ""
  store: ${await storeYaml(backend, dir)}
  api: { cli_token_file: ${dir}/cli-token ${api} }
templates:
  quick: { interval: 100ms, retry_interval: 100ms, max_attempts: 1 }
hosts:
  - name: web
    services:
      - { name: http, use: quick, check: { kind: dummy, state: CRITICAL, output: "down" } }
`,
    dir,
  );
  let log = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      log += chunk;
      done();
    },
  });
  const daemon = await startDaemon({
    configPath: `${dir}/vigil.yml`,
    model,
    log: pino({ level: 'warn' }, sink),
  });
  const running = await startApi(daemon, '127.0.0.1:0', options);
  cleanups.push(async () => {
    await running.close();
    await daemon.stop();
  });
  return { daemon, api: running, url: (path) => `http://${running.address}${path}`, logged: () => log };
}

/** Hashed at a low scrypt cost to keep the tests fast; the cost travels with each hash. */
const CHEAP = { log2N: 10, r: 8, p: 1 };

async function user(h: Harness, username: string, role: Role): Promise<void> {
  const passwordHash = await hashPassword(PASSWORD, CHEAP);
  assert.ok(
    await h.daemon.store.auth.users.add({
      username,
      role,
      passwordHash,
      createdAt: Date.now(),
      disabled: false,
    }),
  );
}

async function token(h: Harness, username: string, role?: Role): Promise<string> {
  const created = await createToken(
    h.daemon.store,
    { username, name: 'test', ...(role ? { role } : {}) },
    Date.now(),
  );
  if (typeof created === 'string') throw new Error(created);
  return created.token;
}

function call(
  h: Harness,
  method: string,
  path: string,
  options: {
    token?: string;
    cookie?: string;
    csrf?: string;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf !== undefined) headers['x-csrf-token'] = options.csrf;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(h.url(path), {
    method,
    headers,
    redirect: 'manual',
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
}

async function signIn(
  h: Harness,
  username: string,
): Promise<{ cookie: string; csrf: string; setCookie: string }> {
  const response = await call(h, 'POST', '/api/v1/session', { body: { username, password: PASSWORD } });
  assert.equal(response.status, 200, await response.clone().text());
  const setCookie = response.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] as string;
  const body = (await response.json()) as { csrfToken: string; role: string };
  return { cookie, csrf: body.csrfToken, setCookie };
}

async function hardProblem(h: Harness): Promise<void> {
  assert.ok(
    await eventually(() => h.daemon.engine.stateOf('web/http')?.stateType === 'HARD', 10_000),
    'web/http never became a hard problem',
  );
}

const ack = { object: 'web/http', comment: 'replacing the disk' };

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`${backend}: API access`, () => {
    it('refuses an anonymous caller on every route that is not public', async () => {
      const h = await start(backend);
      const guarded = h.api.routes.filter((r) => r.access !== 'public');
      assert.ok(guarded.some((r) => r.url === '/api/v1/acknowledgements' && r.access === 'operator'));
      assert.ok(guarded.some((r) => r.url === '/api/v1/reload' && r.access === 'admin'));
      assert.ok(guarded.some((r) => r.url === '/api/v1/audit' && r.access === 'admin'));
      for (const route of guarded) {
        const path = route.url.replace(/:[A-Za-z_]+/g, 'x').replace('*', 'x');
        const response = await call(h, route.method, path);
        const expected = route.page && route.method === 'GET' ? 302 : 401;
        assert.equal(response.status, expected, `${route.method} ${route.url} answered ${response.status}`);
        if (expected === 302) assert.match(response.headers.get('location') ?? '', /^\/login\?next=/);
      }
      // A Vigil-looking token that is not one gets in nowhere either.
      const forged = await call(h, 'GET', '/api/v1/problems', {
        token: `vigil_0123456789ab_${'A'.repeat(43)}`,
      });
      assert.equal(forged.status, 401);
      assert.equal((await call(h, 'GET', '/health')).status, 200);
      assert.equal((await call(h, 'GET', '/metrics')).status, 200, 'metrics are public by default');
    });

    it('a viewer cannot acknowledge, an operator can, and the audit log names who and what', async () => {
      const h = await start(backend);
      await user(h, 'vera', 'viewer');
      await user(h, 'otto', 'operator');
      await user(h, 'ada', 'admin');
      await hardProblem(h);
      const viewer = await token(h, 'vera');
      assert.equal((await call(h, 'GET', '/api/v1/problems', { token: viewer })).status, 200);
      const refused = await call(h, 'POST', '/api/v1/acknowledgements', { token: viewer, body: ack });
      assert.equal(refused.status, 403);
      assert.match(
        ((await refused.json()) as { error: string }).error,
        /needs the operator role; vera has viewer/,
      );

      const operator = await token(h, 'otto');
      // The author is the signed-in user, whatever the body claims.
      const done = await call(h, 'POST', '/api/v1/acknowledgements', {
        token: operator,
        body: { ...ack, author: 'someone-else' },
      });
      assert.equal(done.status, 201, await done.clone().text());
      assert.equal(
        ((await done.json()) as { acknowledgement: { author: string } }).acknowledgement.author,
        'otto',
      );
      assert.equal((await call(h, 'GET', '/api/v1/audit', { token: operator })).status, 403);

      const admin = await token(h, 'ada');
      const audit = await call(h, 'GET', '/api/v1/audit?action=acknowledgement.add', { token: admin });
      assert.equal(audit.status, 200);
      const { entries } = (await audit.json()) as {
        entries: { actor: string; via: string; target: string; detail: { comment: string } }[];
      };
      assert.equal(entries.length, 1);
      assert.deepEqual(
        [entries[0]?.actor, entries[0]?.via, entries[0]?.target, entries[0]?.detail.comment],
        ['otto', 'token', 'web/http', 'replacing the disk'],
      );
    });

    it('a revoked token stops working on the very next request', async () => {
      const h = await start(backend);
      await user(h, 'otto', 'operator');
      const text = await token(h, 'otto');
      assert.equal((await call(h, 'GET', '/api/v1/problems', { token: text })).status, 200);
      const id = text.split('_')[1] as string;
      const revoked = await call(h, 'DELETE', `/api/v1/tokens/${id}`, { token: text });
      assert.equal(revoked.status, 200);
      const after = await call(h, 'GET', '/api/v1/problems', { token: text });
      assert.equal(after.status, 401);
      assert.match(((await after.json()) as { error: string }).error, /revoked/);
    });

    it('a token never exceeds its user: not when made, not when the user is demoted later', async () => {
      const h = await start(backend);
      await user(h, 'ada', 'admin');
      await user(h, 'vera', 'viewer');
      const admin = await token(h, 'ada');
      const tooHigh = await call(h, 'POST', '/api/v1/tokens', {
        token: admin,
        body: { name: 'x', username: 'vera', role: 'operator' },
      });
      assert.equal(tooHigh.status, 400);
      const made = await call(h, 'POST', '/api/v1/tokens', {
        token: admin,
        body: { name: 'ci', role: 'admin' },
      });
      assert.equal(made.status, 201);
      const ci = ((await made.json()) as { token: string }).token;
      assert.match(ci, /^vigil_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      await user(h, 'root2', 'admin');
      const demote = await call(h, 'PATCH', '/api/v1/users/ada', { token: admin, body: { role: 'viewer' } });
      assert.equal(demote.status, 200);
      assert.equal((await call(h, 'GET', '/api/v1/users', { token: ci })).status, 403);
      assert.equal((await call(h, 'GET', '/api/v1/problems', { token: ci })).status, 200);
    });

    it('a token makes no token stronger than itself: a viewer token of an admin mints viewer tokens only', async () => {
      const h = await start(backend);
      await user(h, 'ada', 'admin');
      const grafana = await token(h, 'ada', 'viewer');
      const minted = await call(h, 'POST', '/api/v1/tokens', { token: grafana, body: { name: 'x' } });
      assert.equal(minted.status, 201, await minted.clone().text());
      const made = (await minted.json()) as { token: string; role: string };
      assert.equal(made.role, 'viewer', 'defaults to the lesser of the user and the caller');
      assert.equal((await call(h, 'GET', '/api/v1/users', { token: made.token })).status, 403);
      for (const role of ['operator', 'admin']) {
        const refused = await call(h, 'POST', '/api/v1/tokens', {
          token: grafana,
          body: { name: 'y', role },
        });
        assert.equal(refused.status, 403, role);
        assert.match(
          ((await refused.json()) as { error: string }).error,
          new RegExp(`has the viewer role and cannot make a ${role} token`),
        );
      }
      // The full-strength credential still makes what its user may.
      const { cookie, csrf } = await signIn(h, 'ada');
      const full = await call(h, 'POST', '/api/v1/tokens', { cookie, csrf, body: { name: 'ci' } });
      assert.equal(((await full.json()) as { role: string }).role, 'admin');
      const tokens = await h.daemon.store.auth.tokens.list('ada');
      assert.deepEqual(tokens.map((t) => t.role).sort(), ['admin', 'viewer', 'viewer']);
    });

    it('a token lives at most ten years; a huge expiry is a clear 400', async () => {
      const h = await start(backend);
      await user(h, 'ada', 'admin');
      const admin = await token(h, 'ada');
      for (const expires of ['9999999999999999999999999999999w', '3651d']) {
        const refused = await call(h, 'POST', '/api/v1/tokens', {
          token: admin,
          body: { name: 'forever', expires },
        });
        assert.equal(refused.status, 400, expires);
        assert.match(
          ((await refused.json()) as { error: string }).error,
          /body\.expires ".*" is longer than 10 years/,
        );
      }
      const ok = await call(h, 'POST', '/api/v1/tokens', {
        token: admin,
        body: { name: 'year', expires: '365d' },
      });
      assert.equal(ok.status, 201);
      assert.equal(
        (await h.daemon.store.auth.tokens.list('ada')).length,
        2,
        'nothing stored for the refusals',
      );
    });

    it('the last two admins demoted at the same time: one of them stays admin', async () => {
      const h = await start(backend);
      await user(h, 'ada', 'admin');
      await user(h, 'bob', 'admin');
      const outcomes = await Promise.all([
        changeUser(h.daemon.store, 'ada', { role: 'viewer' }),
        changeUser(h.daemon.store, 'bob', { disabled: true }),
      ]);
      assert.equal(outcomes.filter((o) => typeof o === 'string').length, 1, JSON.stringify(outcomes));
      const admins = (await h.daemon.store.auth.users.list()).filter(
        (u) => u.role === 'admin' && !u.disabled,
      );
      assert.equal(admins.length, 1);
      // Removal too, and directly in the store, where the conditional statement alone must hold.
      await user(h, 'cy', 'admin');
      const last = admins[0]?.username as string;
      const removed = await Promise.all([removeUser(h.daemon.store, last), removeUser(h.daemon.store, 'cy')]);
      assert.equal(removed.filter((r) => r === true).length, 1, JSON.stringify(removed));
      for (let round = 0; round < 5; round++) {
        await user(h, `x${round}`, 'admin');
        const enabled = (await h.daemon.store.auth.users.list()).filter(
          (u) => u.role === 'admin' && !u.disabled,
        );
        assert.equal(enabled.length, 2);
        const raced = await Promise.all(
          enabled.map((u) =>
            h.daemon.store.auth.users.updateKeepingAnAdmin(u.username, { role: 'viewer' }, true),
          ),
        );
        assert.deepEqual([...raced].sort(), ['done', 'last-admin'], `round ${round}`);
      }
    });

    it('a password change ends the other sessions; tokens end only with revoke_tokens', async () => {
      const h = await start(backend);
      await user(h, 'ada', 'admin');
      await user(h, 'otto', 'operator');
      const mine = await signIn(h, 'ada');
      const elsewhere = await signIn(h, 'ada');
      const ottoSession = await signIn(h, 'otto');
      const ottoToken = await token(h, 'otto');
      const change = (username: string, body: unknown) =>
        call(h, 'PATCH', `/api/v1/users/${username}`, { cookie: mine.cookie, csrf: mine.csrf, body });
      const first = await change('otto', { password: `${PASSWORD} 2` });
      assert.equal(first.status, 200, await first.clone().text());
      assert.deepEqual(
        (({ sessionsEnded, tokensRevoked }) => ({ sessionsEnded, tokensRevoked }))(
          (await first.json()) as { sessionsEnded: number; tokensRevoked: number },
        ),
        { sessionsEnded: 1, tokensRevoked: 0 },
      );
      assert.equal((await call(h, 'GET', '/api/v1/problems', { cookie: ottoSession.cookie })).status, 401);
      assert.equal((await call(h, 'GET', '/api/v1/problems', { token: ottoToken })).status, 200);
      const second = await change('otto', { password: `${PASSWORD} 3`, revoke_tokens: true });
      assert.equal(((await second.json()) as { tokensRevoked: number }).tokensRevoked, 1);
      assert.equal((await call(h, 'GET', '/api/v1/problems', { token: ottoToken })).status, 401);
      const alone = await change('otto', { role: 'viewer', revoke_tokens: true });
      assert.equal(alone.status, 400, 'revoke_tokens goes with a new password');
      // Her own password: this session stays, her other one ends.
      assert.equal((await change('ada', { password: `${PASSWORD} 4` })).status, 200);
      assert.equal((await call(h, 'GET', '/api/v1/problems', { cookie: mine.cookie })).status, 200);
      assert.equal((await call(h, 'GET', '/api/v1/problems', { cookie: elsewhere.cookie })).status, 401);
    });

    it('sessions: the cookie is HttpOnly and SameSite=Strict; a forged request without the CSRF token fails', async () => {
      const h = await start(backend);
      await user(h, 'otto', 'operator');
      const { cookie, csrf, setCookie } = await signIn(h, 'otto');
      assert.match(setCookie, /^vigil_session=/);
      assert.match(setCookie, /HttpOnly/i);
      assert.match(setCookie, /SameSite=Strict/i);
      assert.match(setCookie, /Path=\//);
      assert.doesNotMatch(setCookie, /Secure/, 'plain HTTP without secure_cookies');
      const session = (await (await call(h, 'GET', '/api/v1/session', { cookie })).json()) as {
        username: string;
        csrfToken: string;
      };
      assert.deepEqual([session.username, session.csrfToken], ['otto', csrf]);

      const downtime = { target: 'web', for: '1h', comment: 'patching' };
      const missing = await call(h, 'POST', '/api/v1/downtimes', { cookie, body: downtime });
      assert.equal(missing.status, 403);
      assert.match(((await missing.json()) as { error: string }).error, /x-csrf-token/);
      const wrong = await call(h, 'POST', '/api/v1/downtimes', { cookie, csrf: `${csrf}x`, body: downtime });
      assert.equal(wrong.status, 403);
      assert.equal((await h.daemon.store.downtimes.all()).length, 0, 'nothing was scheduled');
      const right = await call(h, 'POST', '/api/v1/downtimes', { cookie, csrf, body: downtime });
      assert.equal(right.status, 201, await right.clone().text());
      assert.equal(((await right.json()) as { downtime: { author: string } }).downtime.author, 'otto');

      const out = await call(h, 'DELETE', '/api/v1/session', { cookie, csrf });
      assert.equal(out.status, 200);
      assert.equal(
        (await call(h, 'GET', '/api/v1/problems', { cookie })).status,
        401,
        'signed out server-side',
      );
    });

    it('sign-in: one answer for unknown users and wrong passwords; the sixth try in a row gets 429', async () => {
      const h = await start(backend);
      await user(h, 'otto', 'operator');
      const tryPassword = (username: string, password: string) =>
        call(h, 'POST', '/api/v1/session', { body: { username, password } });
      const unknown = await tryPassword('nobody', PASSWORD);
      const wrong = await tryPassword('otto', 'not the password');
      assert.deepEqual([unknown.status, wrong.status], [401, 401]);
      assert.deepEqual(await unknown.json(), await wrong.json());
      for (let i = 0; i < 4; i++) assert.equal((await tryPassword('otto', `guess ${i}`)).status, 401);
      const limited = await tryPassword('otto', PASSWORD);
      assert.equal(limited.status, 429, 'even the right password waits');
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      const entries = await h.daemon.store.audit.list({ limit: 10, action: 'session.login_failed' });
      assert.equal(entries.length, 6);
      assert.equal(entries[0]?.actor, 'otto');
    });

    it('setup link: creates the first admin once, then refuses', async () => {
      const h = await start(backend);
      const link = /"setupLink":"([^"]+)"/.exec(h.logged())?.[1];
      assert.ok(link, `no setup link logged:\n${h.logged()}`);
      const setupToken = new URL(link).searchParams.get('token') as string;
      assert.equal(new URL(link).pathname, '/setup');
      const bad = await call(h, 'POST', '/api/v1/setup', {
        body: { token: 'guess', username: 'ada', password: PASSWORD },
      });
      assert.equal(bad.status, 403);
      const short = await call(h, 'POST', '/api/v1/setup', {
        body: { token: setupToken, username: 'ada', password: 'short' },
      });
      assert.equal(short.status, 400);
      assert.match(((await short.json()) as { error: string }).error, /shorter than 12/);
      const first = await call(h, 'POST', '/api/v1/setup', {
        body: { token: setupToken, username: 'ada', password: PASSWORD },
      });
      assert.equal(first.status, 201);
      assert.match(first.headers.get('set-cookie') ?? '', /vigil_session=/);
      assert.equal((await h.daemon.store.auth.users.get('ada'))?.role, 'admin');
      const again = await call(h, 'POST', '/api/v1/setup', {
        body: { token: setupToken, username: 'eve', password: PASSWORD },
      });
      assert.equal(again.status, 409);
      assert.equal(await h.daemon.store.auth.users.get('eve'), undefined);
    });
  });
}

describe('sqlite: API administration', () => {
  it('users: bodies are checked field by field; the last admin cannot be removed', async () => {
    const h = await start('sqlite');
    await user(h, 'ada', 'admin');
    const admin = await token(h, 'ada');
    const extra = await call(h, 'POST', '/api/v1/users', {
      token: admin,
      body: { username: 'bob', password: PASSWORD, role: 'viewer', admin: true },
    });
    assert.equal(extra.status, 400);
    assert.match(((await extra.json()) as { message: string }).message, /unknown field "admin"/);
    const badRole = await call(h, 'POST', '/api/v1/users', {
      token: admin,
      body: { username: 'bob', password: PASSWORD, role: 'root' },
    });
    assert.equal(badRole.status, 400);
    const short = await call(h, 'POST', '/api/v1/users', {
      token: admin,
      body: { username: 'bob', password: 'short', role: 'viewer' },
    });
    assert.match(((await short.json()) as { error: string }).error, /shorter than 12 characters/);
    const made = await call(h, 'POST', '/api/v1/users', {
      token: admin,
      body: { username: 'bob', password: PASSWORD, role: 'viewer' },
    });
    assert.equal(made.status, 201);
    assert.doesNotMatch(JSON.stringify(await made.json()), /scrypt|password/i, 'no hash in answers');
    const last = await call(h, 'DELETE', '/api/v1/users/ada', { token: admin });
    assert.equal(last.status, 409);
    const disabled = await call(h, 'PATCH', '/api/v1/users/bob', { token: admin, body: { disabled: true } });
    assert.equal(disabled.status, 200);
    const signIn = await call(h, 'POST', '/api/v1/session', {
      body: { username: 'bob', password: PASSWORD },
    });
    assert.equal(signIn.status, 401, 'a disabled user cannot sign in');
    const actions = (await h.daemon.store.audit.list({ limit: 10, actor: 'ada' })).map((e) => e.action);
    assert.deepEqual(actions, ['user.change', 'user.add']);
  });

  it('metrics can require a token; reload needs an admin and is audited', async () => {
    const h = await start('sqlite', ', metrics_require_token: true');
    await user(h, 'vera', 'viewer');
    await user(h, 'ada', 'admin');
    assert.equal((await call(h, 'GET', '/metrics')).status, 401);
    const scraper = await token(h, 'vera');
    const metrics = await call(h, 'GET', '/metrics', { token: scraper });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /vigil_checks_completed_total/);
    assert.equal((await call(h, 'POST', '/api/v1/reload', { token: scraper })).status, 403);
  });
});

describe('sqlite: sign-in under load, behind a proxy, and open event streams', () => {
  const signInFrom = (h: Harness, username: string, password: string, forwardedFor?: string) =>
    call(h, 'POST', '/api/v1/session', {
      body: { username, password },
      ...(forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {}),
    });

  it('parallel wrong passwords: only five are checked, the rest wait', async () => {
    const h = await start('sqlite');
    await user(h, 'vic', 'viewer');
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => signInFrom(h, 'vic', 'wrong password!!')),
    );
    const statuses = answers.map((a) => a.status).sort();
    assert.equal(statuses.filter((s) => s === 401).length, 5, statuses.join(' '));
    assert.equal(statuses.filter((s) => s === 429).length, 25);
    assert.equal((await signInFrom(h, 'vic', PASSWORD)).status, 429, 'the right password waits too');
    assert.equal((await h.daemon.store.audit.list({ limit: 50, action: 'session.login_failed' })).length, 5);
  });

  it('a flood of sign-ins runs two password checks at a time and turns the overflow away with 503', async () => {
    // Trusting the loopback proxy gives each try its own address, so no throttle gets in the way.
    const h = await start('sqlite', ', trusted_proxies: [127.0.0.1]');
    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        signInFrom(h, `nobody${i}`, 'wrong password!!', `198.51.100.${i + 1}`),
      ),
    );
    const busy = answers.filter((a) => a.status === 503);
    assert.ok(busy.length >= 1, `statuses: ${answers.map((a) => a.status).join(' ')}`);
    assert.ok(answers.filter((a) => a.status === 401).length >= 2);
    assert.ok(answers.every((a) => a.status === 401 || a.status === 503));
    for (const answer of busy) assert.equal(answer.headers.get('retry-after'), '1');
  });

  it('behind a trusted proxy each client has its own address; the right password from another one gets in', async () => {
    const h = await start('sqlite', ', trusted_proxies: [127.0.0.1]');
    await user(h, 'ada', 'admin');
    for (let i = 0; i < 5; i++)
      assert.equal((await signInFrom(h, 'ada', `guess ${i}`, '203.0.113.9')).status, 401);
    assert.equal((await signInFrom(h, 'ada', PASSWORD, '203.0.113.9')).status, 429, 'the guesser waits');
    const office = await signInFrom(h, 'ada', PASSWORD, '192.0.2.44');
    assert.equal(office.status, 200, 'another address is not locked out');
    const [entry] = await h.daemon.store.audit.list({ limit: 1, action: 'session.login' });
    assert.equal(entry?.remoteAddress, '192.0.2.44');
    const tls = await call(h, 'POST', '/api/v1/session', {
      body: { username: 'ada', password: PASSWORD },
      headers: { 'x-forwarded-for': '192.0.2.44', 'x-forwarded-proto': 'https' },
    });
    assert.match(tls.headers.get('set-cookie') ?? '', /Secure/, 'X-Forwarded-Proto from the proxy counts');
  });

  it('without trusted proxies X-Forwarded-For is ignored: a client cannot pick its own address', async () => {
    const h = await start('sqlite');
    await user(h, 'ada', 'admin');
    for (let i = 0; i < 5; i++)
      assert.equal((await signInFrom(h, 'ada', `guess ${i}`, `203.0.113.${i + 1}`)).status, 401);
    assert.equal((await signInFrom(h, 'ada', PASSWORD, '192.0.2.44')).status, 429);
    const secure = await call(h, 'POST', '/api/v1/session', {
      body: { username: 'ada', password: PASSWORD },
      headers: { 'x-forwarded-proto': 'https' },
    });
    assert.doesNotMatch(secure.headers.get('set-cookie') ?? '', /Secure/);
  });

  /** Opens /api/v1/events and resolves when the server ends it (or rejects after `limitMs`). */
  async function streamEnd(h: Harness, credential: { token?: string; cookie?: string }, limitMs = 15_000) {
    const headers: Record<string, string> = {};
    if (credential.token) headers.authorization = `Bearer ${credential.token}`;
    if (credential.cookie) headers.cookie = credential.cookie;
    const abort = new AbortController();
    const response = await fetch(h.url('/api/v1/events'), { headers, signal: abort.signal });
    assert.equal(response.status, 200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const timer = setTimeout(() => abort.abort(), limitMs);
    return {
      ended: (async () => {
        try {
          while (!(await reader.read()).done);
          return 'ended by the server';
        } catch {
          return 'still open';
        } finally {
          clearTimeout(timer);
        }
      })(),
      close: () => abort.abort(),
    };
  }

  it('an open event stream ends once its token is revoked, its session signed out or its user disabled', async () => {
    const h = await start('sqlite', '', { events: { heartbeatMs: 100 } });
    await user(h, 'ada', 'admin');
    await user(h, 'vera', 'viewer');
    await user(h, 'otto', 'operator');
    const admin = await token(h, 'ada');
    const veraToken = await token(h, 'vera');
    const fromToken = await streamEnd(h, { token: veraToken });
    const otto = await signIn(h, 'otto');
    const fromSession = await streamEnd(h, otto);
    const ottoToken = await token(h, 'otto');
    const fromDisabled = await streamEnd(h, { token: ottoToken });
    const untouched = await streamEnd(h, { token: admin }, 1_500);

    const id = veraToken.split('_')[1] as string;
    assert.equal((await call(h, 'DELETE', `/api/v1/tokens/${id}`, { token: admin })).status, 200);
    assert.equal(await fromToken.ended, 'ended by the server');
    assert.equal((await call(h, 'DELETE', '/api/v1/session', otto)).status, 200);
    assert.equal(await fromSession.ended, 'ended by the server');
    const disable = await call(h, 'PATCH', '/api/v1/users/otto', { token: admin, body: { disabled: true } });
    assert.equal(disable.status, 200);
    assert.equal(await fromDisabled.ended, 'ended by the server');
    assert.equal(await untouched.ended, 'still open', 'a valid credential keeps its stream');
  });

  it('the route list shows the dashboard assets as public, as they are served', async () => {
    const h = await start('sqlite', '', { registrars: [registerDashboard] });
    const assets = h.api.routes.filter((r) => r.url.startsWith('/assets/'));
    assert.ok(assets.length > 0);
    for (const route of assets) assert.equal(route.access, 'public', `${route.method} ${route.url}`);
    assert.equal(h.api.routes.find((r) => r.url === '/api/v1/reload')?.access, 'admin');
  });
});
