import { createToken, describeToken, tokenExpiry } from '../../api/auth/accounts.ts';
import { auditCli } from '../../api/auth/audit.ts';
import { openStore } from '../../store/index.ts';
import type { Store } from '../../store/store.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';
import { roleArgument } from './user.ts';

// `vigil token ...`: API tokens for scripts and scrapers. The token text is printed once;
// the store keeps only its hash.

async function withStore<T>(config: string, work: (store: Store) => Promise<T>): Promise<T> {
  const model = await loadModelOrFail(config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    return await work(store);
  } finally {
    await store.close();
  }
}

export async function tokenCreateCommand(options: {
  config: string;
  user: string;
  name: string;
  role?: string;
  expires?: string;
}): Promise<void> {
  const role = options.role === undefined ? undefined : roleArgument(options.role);
  const now = Date.now();
  let expiresAt: number | null = null;
  if (options.expires !== undefined) {
    const expiry = tokenExpiry(options.expires, now, '--expires');
    if (typeof expiry === 'string') throw new CliError(expiry);
    expiresAt = expiry;
  }
  await withStore(options.config, async (store) => {
    const created = await createToken(
      store,
      { username: options.user, name: options.name, ...(role ? { role } : {}), expiresAt },
      now,
    );
    if (typeof created === 'string') throw new CliError(created);
    const { record } = created;
    await auditCli(store, 'token.create', record.id, {
      name: record.name,
      username: record.username,
      role: record.role,
      expiresAt,
    });
    process.stderr.write(
      `token ${record.id} for ${record.username} (${record.role}${expiresAt ? `, expires ${new Date(expiresAt).toISOString()}` : ''}); ` +
        'it is shown only now:\n',
    );
    process.stdout.write(`${created.token}\n`);
  });
}

export async function tokenListCommand(options: {
  config: string;
  user?: string;
  json?: boolean;
}): Promise<void> {
  await withStore(options.config, async (store) => {
    const tokens = (await store.auth.tokens.list(options.user)).map(describeToken);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
      return;
    }
    const time = (at: number | null) =>
      at === null ? '-' : new Date(at).toISOString().slice(0, 16).replace('T', ' ');
    const now = Date.now();
    process.stdout.write(
      `${renderTable(
        ['ID', 'NAME', 'USER', 'ROLE', 'STATUS', 'LAST USED', 'EXPIRES'],
        tokens.map((t) => [
          t.id,
          t.name,
          t.username,
          t.role,
          t.revokedAt !== null
            ? 'revoked'
            : t.expiresAt !== null && t.expiresAt <= now
              ? 'expired'
              : 'active',
          time(t.lastUsedAt),
          time(t.expiresAt),
        ]),
      )}\n`,
    );
  });
}

export async function tokenRevokeCommand(id: string, options: { config: string }): Promise<void> {
  await withStore(options.config, async (store) => {
    const token = await store.auth.tokens.get(id);
    if (!token) throw new CliError(`no token ${id}`);
    if (!(await store.auth.tokens.revoke(id, Date.now())))
      throw new CliError(`token ${id} was already revoked`);
    await auditCli(store, 'token.revoke', id, { name: token.name, username: token.username });
    process.stdout.write(`token ${id} (${token.name}, ${token.username}) revoked\n`);
  });
}
