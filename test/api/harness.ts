// A real daemon (store, engine, API) in this process for the API tests, and the one place
// that knows how a test authenticates: an admin user and an API token made through the store.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import type { Role } from '../../src/api/access.ts';
import { createToken } from '../../src/api/auth/accounts.ts';
import type { Daemon } from '../../src/api/daemon.ts';
import { startDaemon } from '../../src/cli/daemon.ts';
import { loadConfig } from '../../src/config/load.ts';
import { freePort } from '../helpers/cli.ts';
import { tempDir } from '../helpers/model.ts';

export interface ApiHarness {
  daemon: Daemon;
  base: string;
  /** An API token of the given role (default admin) for the Authorization header. */
  token(role?: Role): Promise<string>;
  /** fetch() against the daemon, as an admin unless `as` says otherwise (null: anonymous). */
  fetch(urlPath: string, init?: RequestInit & { as?: Role | null }): Promise<Response>;
  /** JSON helper: status and parsed body. */
  json<T = Record<string, unknown>>(
    urlPath: string,
    init?: RequestInit & { as?: Role | null },
  ): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

/** Starts a daemon on `yaml` (hosts, services, ... without `settings`); call `stop()` in the file's `after`. */
export async function startHarness(yaml: string, settings = ''): Promise<ApiHarness> {
  const dir = await tempDir('vigil-api-');
  const port = await freePort();
  const file = path.join(dir, 'vigil.yml');
  await writeFile(file, `settings:\n  listen: 127.0.0.1:${port}\n${settings}${yaml}`);
  const loaded = await loadConfig(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  const daemon = await startDaemon({ configPath: file, model: loaded.model, log: pino({ level: 'silent' }) });
  const base = `http://127.0.0.1:${port}`;
  const tokens = new Map<Role, string>();
  const token = async (role: Role = 'admin') => {
    const known = tokens.get(role);
    if (known) return known;
    const username = `test-${role}`;
    await daemon.store.auth.users.add({
      username,
      role,
      passwordHash: 'not-used',
      createdAt: Date.now(),
      disabled: false,
    });
    const made = await createToken(daemon.store, { username, name: 'api tests' }, Date.now());
    if (typeof made === 'string') throw new Error(made);
    tokens.set(role, made.token);
    return made.token;
  };
  const request = async (urlPath: string, init: RequestInit & { as?: Role | null } = {}) => {
    const { as = 'admin', ...rest } = init;
    const headers = new Headers(rest.headers);
    if (as !== null) headers.set('authorization', `Bearer ${await token(as)}`);
    return fetch(`${base}${urlPath}`, { ...rest, headers });
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await daemon.stop();
  };
  return {
    daemon,
    base,
    token,
    fetch: request,
    async json<T>(urlPath: string, init?: RequestInit & { as?: Role | null }) {
      const response = await request(urlPath, init);
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
    },
    stop,
  };
}

/** JSON POST init. */
export function post(body: unknown, as: Role | null = 'admin'): RequestInit & { as: Role | null } {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    as,
  };
}
