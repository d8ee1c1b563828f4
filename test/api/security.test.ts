// The pure parts of sign-in: password hashing, roles, token texts, the sign-in throttle,
// and the CLI commands that manage users, tokens and read the audit log.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Role } from '../../src/api/access.ts';
import { MAX_TOKEN_LIFETIME_MS, tokenExpiry } from '../../src/api/auth/accounts.ts';
import { readLocalToken, writeLocalToken } from '../../src/api/auth/local-token.ts';
import { LoginThrottle } from '../../src/api/auth/login-throttle.ts';
import { PasswordChecks } from '../../src/api/auth/password-checks.ts';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from '../../src/api/auth/passwords.ts';
import { lesserRole, ROLES, roleAllows } from '../../src/api/auth/roles.ts';
import { formatApiToken, newSecret, newTokenId, parseApiToken } from '../../src/api/auth/secrets.ts';
import { trustProxyOption } from '../../src/api/auth/trusted-proxies.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { safeNext } from '../../web/pages/login.ts';
import { type CliRun, VIGIL, vigil } from '../helpers/cli.ts';
import { modelFromYaml, tempDir } from '../helpers/model.ts';

const CHEAP = { log2N: 4, r: 8, p: 1 };

describe('passwords', () => {
  it('a stored hash is not the password, carries its cost, and verifies only the password', async () => {
    const password = 'correct horse battery';
    const hash = await hashPassword(password);
    assert.ok(!hash.includes(password));
    assert.match(hash, /^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.equal(await verifyPassword(password, hash), true);
    assert.equal(await verifyPassword(`${password} `, hash), false);
    assert.notEqual(await hashPassword(password), hash, 'a fresh salt every time');
    assert.ok(DEFAULT_SCRYPT.log2N >= 15);
  });

  it('round trip: every password verifies against its own hash and not against another', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 80 }),
        fc.string({ maxLength: 80 }),
        async (a, b) => {
          const hash = await hashPassword(a, CHEAP);
          assert.equal(await verifyPassword(a, hash), true);
          if (a.normalize('NFC') !== b.normalize('NFC')) assert.equal(await verifyPassword(b, hash), false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('malformed hashes verify nothing; short and huge passwords are refused', async () => {
    for (const bad of ['', 'plain', 'scrypt$15$8$1$$', 'scrypt$99$8$1$c2FsdA$aGFzaA'])
      assert.equal(await verifyPassword('anything at all', bad), false);
    assert.match(passwordProblem('elevenchars') ?? '', /shorter than 12/);
    assert.equal(passwordProblem('twelve chars'), undefined);
    assert.match(passwordProblem('x'.repeat(2000)) ?? '', /longer than/);
  });
});

describe('roles', () => {
  const role = fc.constantFrom<Role>(...ROLES);
  it('are ordered: a role allows exactly what it and the roles below it need', () => {
    fc.assert(
      fc.property(role, role, (held, needed) => {
        assert.equal(roleAllows(held, needed), ROLES.indexOf(held) >= ROLES.indexOf(needed));
        assert.equal(roleAllows(held, 'public'), true);
        assert.equal(roleAllows(null, needed), false);
        // Transitive: allowing a higher need implies allowing every lower one.
        for (const lower of ROLES.slice(0, ROLES.indexOf(needed)))
          if (roleAllows(held, needed)) assert.ok(roleAllows(held, lower));
        const lesser = lesserRole(held, needed);
        assert.ok(roleAllows(held, lesser) && roleAllows(needed, lesser));
      }),
    );
  });
});

describe('roles: unknown values fail closed', () => {
  it('an access or role text that is not a known one allows nothing', () => {
    fc.assert(
      fc.property(
        fc.string().filter((text) => !(ROLES as readonly string[]).includes(text) && text !== 'public'),
        fc.constantFrom<Role>(...ROLES),
        (unknown, role) => {
          assert.equal(roleAllows(role, unknown as Role), false, `access "${unknown}" must deny`);
          assert.equal(roleAllows(unknown as Role, role), false, `role "${unknown}" must deny`);
        },
      ),
    );
    assert.equal(roleAllows('admin', 'Admin' as Role), false);
  });
});

describe('token lifetimes', () => {
  it('a token expires within ten years, at a whole millisecond; anything else is a clear error', () => {
    const now = 1_700_000_000_000;
    assert.equal(tokenExpiry('90d', now, 'body.expires'), now + 90 * 86_400_000);
    assert.equal(tokenExpiry('3650d', now, 'body.expires'), now + MAX_TOKEN_LIFETIME_MS);
    assert.match(
      String(tokenExpiry('3651d', now, 'body.expires')),
      /body\.expires "3651d" is longer than 10 years/,
    );
    assert.match(
      String(tokenExpiry('9999999999999999999999999999999w', now, '--expires')),
      /^--expires "9{31}w" is longer than 10 years/,
    );
    assert.match(String(tokenExpiry('0s', now, 'body.expires')), /not a duration such as 90d/);
    assert.match(String(tokenExpiry('soon', now, 'body.expires')), /not a duration such as 90d/);
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        const expiry = tokenExpiry(text, now, 'x');
        if (typeof expiry === 'number') {
          assert.ok(Number.isSafeInteger(expiry));
          assert.ok(expiry > now && expiry <= now + MAX_TOKEN_LIFETIME_MS);
        }
      }),
    );
  });
});

describe('redirect after sign-in', () => {
  const origin = 'https://vigil.example.net';
  it('stays on the site however the browser reads it', () => {
    for (const bad of [
      '/\t/evil.example',
      '/\n/evil.example',
      '//evil.example',
      '/\\evil.example',
      '/\\/evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      ' /hosts',
    ])
      assert.equal(safeNext(bad), '/', JSON.stringify(bad));
    // Dot segments can make a path that starts with two slashes: kept on this site.
    assert.equal(safeNext('/.//evil.example/x'), '/evil.example/x');
    assert.equal(safeNext('/a/..//evil.example'), '/evil.example');
    assert.equal(safeNext('/hosts/web-1?range=7d#history'), '/hosts/web-1?range=7d#history');
    assert.equal(safeNext(undefined), '/');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((t) => `/${t}`),
          fc.webPath(),
        ),
        (next) => {
          const kept = safeNext(next);
          assert.ok(kept.startsWith('/') && !kept.startsWith('//'), `${JSON.stringify(next)} -> ${kept}`);
          assert.doesNotMatch(kept, /[\u0000-\u001f\\]/);
          assert.equal(new URL(kept, origin).origin, origin, `${JSON.stringify(next)} -> ${kept}`);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the client script checks the same way before it navigates', async () => {
    const script = await readFile(new URL('../../web/assets/dashboard.js', import.meta.url), 'utf8');
    assert.match(script, /location\.assign\(sameSitePath\(form\.dataset\.next\)\)/);
    const body = /function sameSitePath\(next\) \{([\s\S]*?)\n {2}\}\n/.exec(script)?.[1];
    assert.ok(body, 'sameSitePath is in dashboard.js');
    const sameSitePath = new Function('location', 'next', body) as (
      l: { origin: string },
      n: string,
    ) => string;
    const here = { origin };
    assert.equal(sameSitePath(here, '/\t/evil.example'), '/');
    assert.equal(sameSitePath(here, '/\\evil.example'), '/');
    assert.equal(sameSitePath(here, '//evil.example'), '/');
    assert.equal(sameSitePath(here, '/hosts?x=1#y'), '/hosts?x=1#y');
    assert.equal(sameSitePath(here, '/.//evil.example/x'), '/evil.example/x');
  });
});

describe('trusted proxies', () => {
  const settings = (yaml: string) =>
    modelFromYaml(`settings:\n  listen: ""\n  api: { trusted_proxies: ${yaml} }\nhosts: [{ name: h }]\n`)
      .settings.api;
  it("a list of addresses and ranges, or a count of proxies, becomes Fastify's trustProxy", () => {
    assert.deepEqual(trustProxyOption(settings('[127.0.0.1, "10.0.0.0/8", "::1", loopback]')), [
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'loopback',
    ]);
    const hops = trustProxyOption(settings('2'));
    assert.equal(typeof hops, 'function');
    if (typeof hops === 'function')
      assert.deepEqual([hops('x', 0), hops('x', 1), hops('x', 2)], [true, true, false]);
    assert.equal(trustProxyOption(settings('[]')), false);
    assert.equal(trustProxyOption(undefined), false, 'no proxy is trusted unless configured');
  });
  it('a bad entry is a config error naming the field', () => {
    for (const bad of ['["10.0.0.0/33"]', '["proxy.example"]', '["1.2.3.4/8/9"]', '0', '1.5']) {
      assert.throws(() => settings(bad), /trusted_proxies/, bad);
    }
  });
});

describe('token texts', () => {
  it('parse back to their id and secret, and nothing else parses', () => {
    for (let i = 0; i < 200; i++) {
      const id = newTokenId();
      const secret = newSecret();
      assert.deepEqual(parseApiToken(formatApiToken(id, secret)), { id, secret });
    }
    fc.assert(
      fc.property(fc.string(), (text) => {
        const parsed = parseApiToken(text);
        if (parsed) assert.equal(formatApiToken(parsed.id, parsed.secret), text.trim());
      }),
    );
    assert.equal(parseApiToken('vigil_short_secret'), undefined);
  });

  it('the local CLI token file is readable by its owner only', async () => {
    const file = path.join(await tempDir(), 'cli-token');
    const token = await writeLocalToken(file);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal(await readLocalToken(file), token);
    assert.notEqual(await writeLocalToken(file), token, 'a new token at every start');
    const missing = await readLocalToken(`${file}-missing`);
    assert.ok(missing instanceof Error && /does not exist/.test(missing.message));
  });
});

describe('sign-in throttle', () => {
  const limits = { perUserAndAddress: 5, perAddress: 12, windowMs: 15 * 60_000 };
  it('blocks a username from an address after five failures until the window slides', () => {
    const throttle = new LoginThrottle(limits);
    const t0 = 1_000_000;
    for (let i = 0; i < 5; i++) {
      assert.equal(throttle.waitFor('Otto', '10.0.0.1', t0 + i), 0);
      throttle.failed('Otto', '10.0.0.1', t0 + i);
    }
    assert.equal(throttle.waitFor('otto', '10.0.0.1', t0 + 10), limits.windowMs - 10, 'names ignore case');
    assert.equal(throttle.waitFor('otto', '10.0.0.2', t0 + 10), 0, 'another address is not blocked');
    assert.equal(throttle.waitFor('otto', '10.0.0.1', t0 + limits.windowMs + 1), 0);
  });

  it('blocks an address spraying many usernames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 12, maxLength: 40 }),
        (names) => {
          const throttle = new LoginThrottle(limits);
          names.forEach((name, i) => throttle.failed(name, '10.0.0.9', i));
          assert.ok(throttle.waitFor('someone-new', '10.0.0.9', names.length) > 0);
        },
      ),
    );
  });

  it('tries are counted when they start: a burst of parallel tries gets only the limit through', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 10_000 }), (burst, t0) => {
        const throttle = new LoginThrottle(limits);
        const allowed = Array.from({ length: burst }, () => throttle.begin('vic', '10.0.0.1', t0)).filter(
          (wait) => wait === 0,
        ).length;
        assert.equal(allowed, Math.min(burst, limits.perUserAndAddress));
      }),
    );
  });

  it('a success takes back its own try; a try turned away as busy is not counted', () => {
    const throttle = new LoginThrottle(limits);
    for (let i = 0; i < 40; i++) {
      assert.equal(throttle.begin(`user${i}`, '10.0.0.3', i), 0, `try ${i}`);
      throttle.succeeded(`user${i}`, '10.0.0.3', i);
    }
    assert.equal(throttle.waitFor('someone', '10.0.0.3', 50), 0, 'successes do not fill the address count');
    for (let i = 0; i < 20; i++) {
      assert.equal(throttle.begin('otto', '10.0.0.4', 100 + i), 0);
      throttle.withdraw('otto', '10.0.0.4', 100 + i);
    }
    assert.equal(throttle.waitFor('otto', '10.0.0.4', 200), 0);
  });

  it('only the throttled address waits: any other address gets its tries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('ada', 'otto', 'vic'), fc.constantFrom('10.0.0.1', '10.0.0.2')), {
          maxLength: 60,
        }),
        fc.constantFrom('ada', 'otto', 'vic'),
        (failures, username) => {
          const throttle = new LoginThrottle(limits);
          failures.forEach(([name, address], i) => throttle.failed(name, address, i));
          assert.equal(throttle.waitFor(username, '10.0.0.3', failures.length), 0);
        },
      ),
    );
  });

  it('a success clears the count of that username from that address', () => {
    const throttle = new LoginThrottle(limits);
    for (let i = 0; i < 4; i++) throttle.failed('ada', '::1', i);
    throttle.succeeded('ada', '::1');
    for (let i = 0; i < 4; i++) throttle.failed('ada', '::1', 10 + i);
    assert.equal(throttle.waitFor('ada', '::1', 20), 0);
  });
});

describe('password checks', () => {
  it('run two at a time, queue a few, and turn the rest away at once', async () => {
    const checks = new PasswordChecks({ concurrent: 2, queued: 3 });
    const releases: (() => void)[] = [];
    let peak = 0;
    let running = 0;
    const check = () =>
      new Promise<string>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        releases.push(() => {
          running -= 1;
          resolve('checked');
        });
      });
    const outcomes = Array.from({ length: 8 }, () => checks.run(check));
    const busy = await Promise.all(outcomes.slice(5));
    assert.deepEqual(busy, ['busy', 'busy', 'busy'], 'beyond 2 running and 3 waiting');
    assert.deepEqual(checks.load, { running: 2, waiting: 3 });
    while (releases.length > 0 || checks.load.running > 0) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(await Promise.all(outcomes.slice(0, 5)), Array(5).fill({ done: 'checked' }));
    assert.equal(peak, 2);
    assert.deepEqual(checks.load, { running: 0, waiting: 0 });
  });

  it('a failing check frees its turn', async () => {
    const checks = new PasswordChecks({ concurrent: 1, queued: 1 });
    await assert.rejects(
      checks.run(() => Promise.reject(new Error('scrypt failed'))),
      /scrypt failed/,
    );
    assert.deepEqual(await checks.run(async () => 1), { done: 1 });
  });
});

/** `vigil ARGS` with text on standard input. */
function vigilWithInput(args: string[], input: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VIGIL, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('CLI', () => {
  it('vigil user, token and audit manage the store directly and are audited as the OS user', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'vigil.yml');
    await writeFile(file, 'settings: { listen: "" }\nhosts: [{ name: h }]\n');
    const short = await vigilWithInput(
      ['user', 'add', 'ada', '--role', 'admin', '--password-stdin', '-c', file],
      'short\n',
    );
    assert.equal(short.code, 1);
    assert.match(short.stderr, /shorter than 12 characters/);
    const badRole = await vigil(['user', 'add', 'ada', '--role', 'root', '-c', file]);
    assert.match(badRole.stderr, /role "root" is not one of viewer, operator, admin/);
    const added = await vigilWithInput(
      ['user', 'add', 'ada', '--role', 'admin', '--password-stdin', '-c', file],
      'correct horse battery\n',
    );
    assert.equal(added.code, 0, added.stderr);

    const store = await openSqliteStore(path.join(dir, 'vigil.db'));
    try {
      const ada = await store.auth.users.get('ada');
      assert.ok(ada && (await verifyPassword('correct horse battery', ada.passwordHash)));

      const created = await vigil([
        'token',
        'create',
        '--user',
        'ada',
        '--name',
        'grafana',
        '--role',
        'viewer',
        '--expires',
        '90d',
        '-c',
        file,
      ]);
      assert.equal(created.code, 0, created.stderr);
      const text = created.stdout.trim();
      const parsed = parseApiToken(text);
      assert.ok(parsed, `not a token: ${text}`);
      const record = await store.auth.tokens.get(parsed.id);
      assert.equal(record?.role, 'viewer');
      assert.ok(record && record.secretHash !== parsed.secret && !record.secretHash.includes(parsed.secret));
      assert.match(
        (await vigil(['token', 'list', '-c', file])).stdout,
        new RegExp(`${parsed.id}\\s+grafana\\s+ada\\s+viewer\\s+active`),
      );
      assert.equal((await vigil(['token', 'revoke', parsed.id, '-c', file])).code, 0);
      assert.ok((await store.auth.tokens.get(parsed.id))?.revokedAt);

      const last = await vigil(['user', 'role', 'ada', 'viewer', '-c', file]);
      assert.match(last.stderr, /last enabled admin/);

      const audit = JSON.parse((await vigil(['audit', '--json', '-c', file])).stdout) as {
        actor: string;
        via: string;
        action: string;
      }[];
      assert.deepEqual(
        audit.map((e) => e.action),
        ['token.revoke', 'token.create', 'user.add'],
      );
      assert.ok(audit.every((e) => e.via === 'cli' && e.actor !== ''));
      assert.match(
        (await vigil(['audit', '--since', 'yesterday-ish', '-c', file])).stderr,
        /--since "yesterday-ish"/,
      );
    } finally {
      await store.close();
    }
    const help = await vigil(['user', '--help']);
    assert.match(help.stdout, /add \[options\] <name>/);
  });

  it('vigil user passwd revokes tokens only with --revoke-tokens; vigil token create caps --expires', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'vigil.yml');
    await writeFile(file, 'settings: { listen: "" }\nhosts: [{ name: h }]\n');
    const password = 'correct horse battery';
    assert.equal(
      (
        await vigilWithInput(
          ['user', 'add', 'ada', '--role', 'admin', '--password-stdin', '-c', file],
          password,
        )
      ).code,
      0,
    );
    const huge = await vigil([
      'token',
      'create',
      '--user',
      'ada',
      '--name',
      'x',
      '--expires',
      '99999999w',
      '-c',
      file,
    ]);
    assert.equal(huge.code, 1);
    assert.match(huge.stderr, /--expires "99999999w" is longer than 10 years/);
    const made = await vigil(['token', 'create', '--user', 'ada', '--name', 'ci', '-c', file]);
    assert.equal(made.code, 0, made.stderr);
    const id = parseApiToken(made.stdout.trim())?.id as string;

    const plain = await vigilWithInput(
      ['user', 'passwd', 'ada', '--password-stdin', '-c', file],
      `${password} 2`,
    );
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /API tokens still work \(--revoke-tokens revokes them\)/);
    const store = await openSqliteStore(path.join(dir, 'vigil.db'));
    try {
      assert.equal((await store.auth.tokens.get(id))?.revokedAt, null);
      const revoking = await vigilWithInput(
        ['user', 'passwd', 'ada', '--password-stdin', '--revoke-tokens', '-c', file],
        `${password} 3`,
      );
      assert.equal(revoking.code, 0, revoking.stderr);
      assert.match(revoking.stdout, /1 API token\(s\) revoked/);
      assert.ok((await store.auth.tokens.get(id))?.revokedAt);
    } finally {
      await store.close();
    }
    assert.match((await vigil(['user', 'passwd', '--help'])).stdout, /--revoke-tokens/);
  });

  it('the password prompt gives up with a clear error when the terminal ends the input', async (t) => {
    // The prompt reads a terminal in raw mode; Python's pty module provides one.
    const python = spawnSync('python3', ['-c', 'import pty'], { stdio: 'ignore' });
    if (python.status !== 0) return t.skip('python3 with pty is not installed');
    const dir = await tempDir();
    const file = path.join(dir, 'vigil.yml');
    await writeFile(file, 'settings: { listen: "" }\nhosts: [{ name: h }]\n');
    const driver = `
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
out, sent, deadline = b'', False, time.time() + 60
while time.time() < deadline:
    if select.select([fd], [], [], 0.1)[0]:
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        out += data
    if b'password for' in out and not sent:
        time.sleep(0.2)
        os.write(fd, b'\x04')
        sent = True
else:
    os.kill(pid, 9)
sys.stdout.write(out.decode(errors='replace'))
sys.exit(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
`;
    const run = spawnSync(
      'python3',
      ['-c', driver, process.execPath, VIGIL, 'user', 'add', 'ada', '--role', 'admin', '-c', file],
      { encoding: 'utf8', timeout: 90_000 },
    );
    assert.match(run.stdout, /new password for ada/);
    assert.match(run.stdout, /standard input ended before the password was entered/);
    assert.equal(run.status, 1);
  });
});
