import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenOf } from '../src/api/auth/guard.ts';
import type { Daemon } from '../src/api/daemon.ts';
import type { LiveState } from '../src/api/live-state.ts';
import { registerAssets } from './assets.ts';
import { html } from './html.ts';
import { type PageContext, renderPage, sendFragment, sendPage } from './layout.ts';
import { availabilityPage, availabilityView } from './pages/availability.ts';
import { hostsPage } from './pages/hosts.ts';
import { incidentsFragment, incidentsPage, incidentsView } from './pages/incidents.ts';
import { locatePage } from './pages/locate.ts';
import { loginPage, setupPage } from './pages/login.ts';
import { objectPage } from './pages/object.ts';
import { oncallPage } from './pages/oncall.ts';
import { problemsFragment, problemsPage, problemsView } from './pages/problems.ts';
import { topologyPage } from './pages/topology.ts';

// The web dashboard, served by the daemon itself: server-rendered pages, htmx for the
// parts that refresh, and the JSON API for every action. Nothing here writes state; the
// buttons call the same endpoints the CLI and scripts use, under the same roles.

const page = { access: 'viewer', page: true } as const;
const publicPage = { access: 'public', page: true } as const;

type Query = Record<string, string | string[] | undefined>;

/** One query parameter as text ('' when missing or repeated). */
function param(request: FastifyRequest, name: string): string {
  const value = (request.query as Query | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, 500) : '';
}

function contextOf(request: FastifyRequest): PageContext {
  return { principal: request.principal ?? null, csrfToken: csrfTokenOf(request) ?? '' };
}

function notFound(request: FastifyRequest, reply: FastifyReply, what: string): FastifyReply {
  const main = html`<h1>Not found</h1><p>${what}</p><p><a href="/hosts">All hosts</a></p>`;
  return sendPage(reply, renderPage(contextOf(request), { title: 'Not found', section: 'hosts', main }), 404);
}

export function registerDashboard(app: FastifyInstance, daemon: Daemon, problems: LiveState): void {
  void app.register(async (scope) => registerAssets(scope));

  app.get('/login', { config: publicPage }, async (request, reply) =>
    sendPage(reply, loginPage(contextOf(request), param(request, 'next'))),
  );

  app.get('/setup', { config: publicPage }, async (request, reply) =>
    sendPage(reply, setupPage(contextOf(request), param(request, 'token'))),
  );

  app.get('/', { config: page }, async (request, reply) => {
    const view = problemsView(problems, daemon, param(request, 'page'), Date.now());
    return sendPage(reply, problemsPage(contextOf(request), daemon, view));
  });

  app.get('/fragments/problems', { config: { access: 'viewer' } }, async (request, reply) => {
    const view = problemsView(problems, daemon, param(request, 'page'), Date.now());
    return sendFragment(reply, problemsFragment(contextOf(request), daemon, view));
  });

  app.get('/hosts', { config: page }, async (request, reply) =>
    sendPage(reply, hostsPage(contextOf(request), daemon, param(request, 'q'), param(request, 'page'))),
  );

  app.get<{ Params: { name: string } }>('/hosts/:name', { config: page }, async (request, reply) => {
    const name = request.params.name;
    const body = await objectPage(contextOf(request), daemon, name, param(request, 'range'), Date.now());
    return body ? sendPage(reply, body) : notFound(request, reply, `There is no host "${name}".`);
  });

  app.get<{ Params: { host: string; service: string } }>(
    '/services/:host/:service',
    { config: page },
    async (request, reply) => {
      const id = `${request.params.host}/${request.params.service}`;
      const body = await objectPage(contextOf(request), daemon, id, param(request, 'range'), Date.now());
      return body ? sendPage(reply, body) : notFound(request, reply, `There is no service "${id}".`);
    },
  );

  app.get('/topology', { config: page }, async (request, reply) =>
    sendPage(
      reply,
      topologyPage(contextOf(request), daemon, problems, {
        room: param(request, 'room'),
        cabinet: param(request, 'cabinet'),
      }),
    ),
  );

  app.get('/oncall', { config: page }, async (request, reply) =>
    sendPage(reply, await oncallPage(contextOf(request), daemon, Date.now())),
  );

  app.get('/incidents', { config: page }, async (request, reply) =>
    sendPage(reply, incidentsPage(contextOf(request), await incidentsView(daemon, Date.now()))),
  );

  app.get('/fragments/incidents', { config: { access: 'viewer' } }, async (request, reply) =>
    sendFragment(reply, incidentsFragment(contextOf(request), await incidentsView(daemon, Date.now()))),
  );

  app.get('/availability', { config: page }, async (request, reply) =>
    sendPage(
      reply,
      availabilityPage(
        contextOf(request),
        await availabilityView(daemon, param(request, 'period'), param(request, 'component'), Date.now()),
      ),
    ),
  );

  app.get('/locate', { config: page }, async (request, reply) =>
    sendPage(reply, locatePage(contextOf(request), daemon, param(request, 'q'))),
  );
}
