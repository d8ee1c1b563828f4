import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Access } from '../access.ts';
import type { Daemon } from '../daemon.ts';
import { registerAuditRoutes } from './audit-routes.ts';
import { registerGuard } from './guard.ts';
import { writeLocalToken } from './local-token.ts';
import { LoginThrottle } from './login-throttle.ts';
import { PasswordChecks } from './password-checks.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { SETUP_LINK_VALID_MS, SetupLink } from './setup-link.ts';
import { registerTokenRoutes } from './token-routes.ts';
import { registerUserRoutes } from './user-routes.ts';

// Users, roles, sessions, API tokens and the audit log of the HTTP API (docs/security.md).

export { audit, auditCli, authorOf } from './audit.ts';
export { csrfTokenOf, stillAuthorized } from './guard.ts';
export { trustProxyOption } from './trusted-proxies.ts';

/** A registered route and who may call it. */
export interface RouteAccess {
  method: string;
  url: string;
  access: Access;
  page: boolean;
}

export interface Auth {
  /** Every route registered after the gate, with its declared access (absent: viewer). */
  readonly routes: RouteAccess[];
  /** After the server listens: writes the CLI's token and, with no users yet, prints the setup link. */
  afterListen(address: string): Promise<void>;
}

/** Registers the gate and the auth routes; call before any other route is registered. */
export async function registerAuth(app: FastifyInstance, daemon: Daemon): Promise<Auth> {
  let localToken: string | undefined;
  let setupLink: SetupLink | undefined;
  // The route options themselves, read when the list is asked for: a plugin's own onRoute
  // hook (the assets mark theirs public) runs after this one and may still change them.
  const registered: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    registered.push(route);
  });
  await registerGuard(app, daemon, { localToken: () => localToken });
  registerSessionRoutes(app, daemon, {
    throttle: new LoginThrottle(),
    passwordChecks: new PasswordChecks(),
    setupLink: () => setupLink,
  });
  registerUserRoutes(app, daemon);
  registerTokenRoutes(app, daemon);
  registerAuditRoutes(app, daemon);

  return {
    get routes() {
      return registered.flatMap((route) =>
        [route.method].flat().map((method) => ({
          method,
          url: route.url,
          access: route.config?.access ?? 'viewer',
          page: route.config?.page ?? false,
        })),
      );
    },
    async afterListen(address) {
      const settings = daemon.engine.currentModel.settings;
      const file = settings.api?.cliTokenFile;
      if (file) {
        try {
          localToken = await writeLocalToken(file);
        } catch (error) {
          daemon.log.warn(
            { err: error },
            `cannot write the CLI token ${file}: \`vigil reload\` will not work (send SIGHUP instead)`,
          );
        }
      }
      if ((await daemon.store.auth.users.count()) > 0) return;
      setupLink = new SetupLink(Date.now() + SETUP_LINK_VALID_MS);
      const base = settings.publicUrl ? settings.publicUrl.replace(/\/+$/, '') : `http://${address}`;
      const link = `${base}/setup?token=${setupLink.token}`;
      const message = `no users yet: create the first admin within an hour at ${link}`;
      daemon.log.warn({ setupLink: link }, message);
      process.stderr.write(`vigil: ${message}\n`);
    },
  };
}

/**
 * /metrics is public unless `settings.api.metrics_require_token` says otherwise (a scraper
 * then sends a viewer's API token). Read at each request, so a reload applies at once.
 */
export function metricsGate(daemon: Daemon) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!daemon.engine.currentModel.settings.api?.metricsRequireToken) return;
    if (request.principal) return;
    reply.header('www-authenticate', 'Bearer realm="vigil"');
    return reply.code(401).send({ error: 'metrics need an API token (settings.api.metrics_require_token)' });
  };
}
