// The pure parts of sign-in: password hashing, roles, token texts, the sign-in throttle,
// and the CLI commands that manage users, tokens and read the audit log.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Role } from '../../src/api/access.ts';
import { readLocalToken, writeLocalToken } from '../../src/api/auth/local-token.ts';
import { LoginThrottle } from '../../src/api/auth/login-throttle.ts';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  passwordProblem,
  verifyPassword,
} from '../../src/api/auth/passwords.ts';
import { lesserRole, ROLES, roleAllows } from '../../src/api/auth/roles.ts';
import { formatApiToken, newSecret, newTokenId, parseApiToken } from '../../src/api/auth/secrets.ts';
import { openSqliteStore } from '../../src/store/sqlite/index.ts';
import { type CliRun, VIGIL, vigil } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model.ts';

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

  it('a success clears the count of that username from that address', () => {
    const throttle = new LoginThrottle(limits);
    for (let i = 0; i < 4; i++) throttle.failed('ada', '::1', i);
    throttle.succeeded('ada', '::1');
    for (let i = 0; i < 4; i++) throttle.failed('ada', '::1', 10 + i);
    assert.equal(throttle.waitFor('ada', '::1', 20), 0);
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
});
