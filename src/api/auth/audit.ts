import { userInfo } from 'node:os';
import type { FastifyRequest } from 'fastify';
import type { AuditVia } from '../../store/audit.ts';
import type { Store } from '../../store/store.ts';
import type { Daemon } from '../daemon.ts';

// Every change made through Vigil is recorded: who, through which door, what, to what.
// Routes call `audit(...)` after a change succeeds; the CLI calls `auditCli(...)`. A failed
// audit write is logged and does not undo or fail the change it describes: the change is
// already in the store, and the operator must hear that it happened.

/** The header the local CLI sends with its token: the OS user who ran the command. */
export const CLI_USER_HEADER = 'x-vigil-cli-user';

/** Who made the request, as the audit log names them. */
export function actorOf(request: FastifyRequest): { actor: string; via: AuditVia } {
  const principal = request.principal;
  if (!principal) return { actor: 'anonymous', via: 'session' };
  if (principal.tokenId === 'local') {
    const header = request.headers[CLI_USER_HEADER];
    const osUser = (Array.isArray(header) ? header[0] : header)?.slice(0, 64);
    return { actor: osUser || 'local', via: 'cli' };
  }
  return { actor: principal.username, via: principal.via };
}

export async function audit(
  daemon: Daemon,
  request: FastifyRequest,
  action: string,
  target: string,
  detail: Record<string, unknown> = {},
  actor: { actor: string; via: AuditVia } = actorOf(request),
): Promise<void> {
  try {
    await daemon.store.audit.record({
      at: Date.now(),
      actor: actor.actor,
      via: actor.via,
      action,
      target,
      detail,
      remoteAddress: request.ip,
    });
  } catch (error) {
    daemon.log.error({ err: error, action, target, actor: actor.actor }, 'audit log write failed');
  }
}

/** The OS user running the CLI. */
export function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}

/** Records a change made by a CLI command (which writes the store directly). */
export async function auditCli(
  store: Store,
  action: string,
  target: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await store.audit.record({
    at: Date.now(),
    actor: osUser(),
    via: 'cli',
    action,
    target,
    detail,
    remoteAddress: '',
  });
}

/** The username a change is made in the name of: the signed-in user, or what the CLI says. */
export function authorOf(request: FastifyRequest, claimed: string | undefined): string {
  const principal = request.principal;
  if (principal && principal.tokenId !== 'local') return principal.username;
  return claimed ?? actorOf(request).actor;
}
