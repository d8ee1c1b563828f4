import type { Role } from '../../api/access.ts';
import { addUser, changeUser, describeUser, removeUser } from '../../api/auth/accounts.ts';
import { auditCli } from '../../api/auth/audit.ts';
import { isRole, ROLES } from '../../api/auth/roles.ts';
import { openStore } from '../../store/index.ts';
import type { Store } from '../../store/store.ts';
import { CliError, loadModelOrFail } from '../fail.ts';
import { renderTable } from '../table.ts';

// `vigil user ...`: manage the users of the HTTP API and dashboard. Writes the store
// directly, like `vigil ack`; changes apply to the running daemon at the next request.

interface StoreOptions {
  config: string;
}

async function withStore<T>(options: StoreOptions, work: (store: Store) => Promise<T>): Promise<T> {
  const model = await loadModelOrFail(options.config);
  const store = await openStore(model.settings.store);
  try {
    await store.migrate();
    return await work(store);
  } finally {
    await store.close();
  }
}

export function roleArgument(text: string): Role {
  if (!isRole(text)) throw new CliError(`role "${text}" is not one of ${ROLES.join(', ')}`);
  return text;
}

/** A new password from standard input (`--password-stdin`) or typed at a prompt without echo. */
export async function readNewPassword(
  options: { passwordStdin?: boolean },
  username: string,
): Promise<string> {
  if (options.passwordStdin) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  if (!process.stdin.isTTY) throw new CliError('no terminal to ask for a password: use --password-stdin');
  const first = await promptHidden(`new password for ${username}: `);
  const second = await promptHidden('again: ');
  if (first !== second) throw new CliError('the two passwords differ');
  return first;
}

function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const input = process.stdin;
    process.stderr.write(question);
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    let typed = '';
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      input.off('end', onEnd);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    // Standard input closed before Enter: refuse rather than wait forever or take half a password.
    const onEnd = () => done(new CliError('standard input ended before the password was entered'));
    const onData = (text: string) => {
      for (const char of text) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new CliError('cancelled', 130));
        // Ctrl-D: the end of input in raw mode, where the terminal no longer turns it into EOF.
        if (char === '\u0004') return onEnd();
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    input.on('data', onData);
    input.once('end', onEnd);
  });
}

export async function userAddCommand(
  username: string,
  options: StoreOptions & { role: string; passwordStdin?: boolean },
): Promise<void> {
  const role = roleArgument(options.role);
  const password = await readNewPassword(options, username);
  await withStore(options, async (store) => {
    const created = await addUser(store, { username, role, password }, Date.now());
    if (typeof created === 'string') throw new CliError(created);
    await auditCli(store, 'user.add', username, { role });
    process.stdout.write(`user ${username} added as ${role}\n`);
  });
}

export async function userListCommand(options: StoreOptions & { json?: boolean }): Promise<void> {
  await withStore(options, async (store) => {
    const users = (await store.auth.users.list()).map(describeUser);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
      return;
    }
    if (users.length === 0) {
      process.stdout.write(
        'no users: `vigil user add NAME --role admin`, or use the setup link the daemon prints\n',
      );
      return;
    }
    process.stdout.write(
      `${renderTable(
        ['USER', 'ROLE', 'STATUS', 'CREATED'],
        users.map((u) => [
          u.username,
          u.role,
          u.disabled ? 'disabled' : 'active',
          new Date(u.createdAt).toISOString(),
        ]),
      )}\n`,
    );
  });
}

export async function userRemoveCommand(username: string, options: StoreOptions): Promise<void> {
  await withStore(options, async (store) => {
    const removed = await removeUser(store, username);
    if (removed !== true) throw new CliError(removed);
    await auditCli(store, 'user.remove', username);
    process.stdout.write(`user ${username} removed, with their sessions and tokens\n`);
  });
}

export async function userPasswdCommand(
  username: string,
  options: StoreOptions & { passwordStdin?: boolean; revokeTokens?: boolean },
): Promise<void> {
  const password = await readNewPassword(options, username);
  await withStore(options, async (store) => {
    const revokeTokens = options.revokeTokens === true;
    const changed = await changeUser(store, username, { password, revokeTokens });
    if (typeof changed === 'string') throw new CliError(changed);
    await auditCli(store, 'user.change', username, {
      password: 'changed',
      sessionsEnded: changed.sessionsEnded,
      tokensRevoked: changed.tokensRevoked,
    });
    process.stdout.write(
      `password of ${username} changed; ${changed.sessionsEnded} session(s) signed out` +
        (revokeTokens
          ? `, ${changed.tokensRevoked} API token(s) revoked\n`
          : '; their API tokens still work (--revoke-tokens revokes them)\n'),
    );
  });
}

export async function userRoleCommand(
  username: string,
  roleText: string,
  options: StoreOptions,
): Promise<void> {
  const role = roleArgument(roleText);
  await withStore(options, async (store) => {
    const changed = await changeUser(store, username, { role });
    if (typeof changed === 'string') throw new CliError(changed);
    await auditCli(store, 'user.change', username, { role });
    process.stdout.write(`${username} is now ${role}\n`);
  });
}

export async function userDisableCommand(
  username: string,
  options: StoreOptions & { enable?: boolean },
): Promise<void> {
  await withStore(options, async (store) => {
    const disabled = !options.enable;
    const changed = await changeUser(store, username, { disabled });
    if (typeof changed === 'string') throw new CliError(changed);
    await auditCli(store, 'user.change', username, { disabled });
    process.stdout.write(`${username} ${disabled ? 'disabled and signed out' : 'enabled'}\n`);
  });
}
