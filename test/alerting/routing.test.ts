import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Alert, alertFromProblem } from '../../src/alerting/alert.ts';
import { routeAlerts } from '../../src/alerting/routing.ts';
import { parseTimePeriod } from '../../src/model/time-period.ts';
import type { Model, Route } from '../../src/model/types.ts';
import type { ProblemEvent } from '../../src/topology/problem-tracker.ts';
import { modelFromYaml } from '../helpers/model.ts';

const HOSTS = `
host_groups:
  db: {}
hosts:
  - name: tor-a
    location: { room: "2", cabinet: B4, oob: 10.9.0.2 }
  - name: web-1
    parents: [tor-a]
    tags: [customer-facing]
    services: [{ name: http, check: { kind: dummy } }]
  - name: db-1
    groups: [db]
    services: [{ name: mysql, check: { kind: dummy }, tags: [database] }]
`;

function route(
  name: string,
  fields: Partial<Omit<Route, 'match'>> & { match?: Partial<Route['match']> },
): Route {
  return {
    name,
    page: [],
    chat: [],
    email: [],
    resolved: true,
    continue: false,
    groupWaitMs: 0,
    groupIntervalMs: 0,
    source: { file: 'test', line: 0 },
    ...fields,
    match: { tags: [], affectsTags: [], hostGroups: [], states: [], objectType: 'any', ...fields.match },
  };
}

function withRoutes(routes: Route[]): Model {
  return { ...modelFromYaml(HOSTS), routes };
}

function alert(model: Model, objectId: string, state: number, extra: Partial<ProblemEvent> = {}): Alert {
  return alertFromProblem(
    model,
    { kind: 'opened', objectId, at: 1, state, flapping: false, affected: [], degraded: [], ...extra },
    undefined,
  );
}

const receivers = (alerts: Alert[]) =>
  alerts.map((a) => a.deliveries.map((d) => `${d.urgency}:${d.receiver}`).sort());

test('customer-facing root causes page; everything else goes to chat', async () => {
  const model = withRoutes([
    route('customer-facing', {
      match: { affectsTags: ['customer-facing'] },
      page: ['pager'],
      chat: ['ops-chat'],
    }),
    route('everything else', { chat: ['ops-chat'] }),
  ]);
  const routed = await routeAlerts(model)([
    // The switch carries no tag, but it takes down a customer-facing host: it pages.
    alert(model, 'tor-a', 1, { affected: ['web-1', 'web-1/http'] }),
    alert(model, 'db-1/mysql', 2),
  ]);
  assert.deepEqual(receivers(routed), [['chat:ops-chat', 'page:pager'], ['chat:ops-chat']]);
});

test('match by host group, state and object type; continue collects more routes', async () => {
  const model = withRoutes([
    route('db critical', {
      match: { hostGroups: ['db'], states: ['CRITICAL'] },
      page: ['dba-pager'],
      continue: true,
    }),
    route('hosts', { match: { objectType: 'host' }, email: ['mail'] }),
    route('all', { chat: ['ops-chat'] }),
  ]);
  const routed = await routeAlerts(model)([
    alert(model, 'db-1/mysql', 2),
    alert(model, 'db-1/mysql', 1),
    alert(model, 'web-1', 1),
  ]);
  assert.deepEqual(receivers(routed), [
    ['chat:ops-chat', 'page:dba-pager'],
    ['chat:ops-chat'],
    ['email:mail'],
  ]);
});

test('a route without receivers means nothing is sent; recoveries follow `resolved`', async () => {
  const model = withRoutes([
    route('quiet warnings', { match: { states: ['WARNING'] } }),
    route('no recoveries', { match: { tags: ['database'] }, chat: ['ops-chat'], resolved: false }),
    route('all', { chat: ['ops-chat'] }),
  ]);
  const recovered = alertFromProblem(
    model,
    {
      kind: 'resolved',
      objectId: 'db-1/mysql',
      at: 2,
      state: 0,
      flapping: false,
      affected: [],
      degraded: [],
    },
    undefined,
  );
  const routed = await routeAlerts(model)([
    alert(model, 'web-1/http', 1),
    alert(model, 'db-1/mysql', 2),
    recovered,
  ]);
  // The recovery goes on without receivers: escalation may add the people it paged.
  assert.deepEqual(receivers(routed), [['chat:ops-chat'], []]);
  assert.deepEqual(
    routed.map((a) => a.kind),
    ['problem', 'recovery'],
  );
});

test('the same receiver on several matching routes gets one delivery, at the most urgent level', async () => {
  const model = withRoutes([route('a', { chat: ['ops'], continue: true }), route('b', { page: ['ops'] })]);
  const [routed] = await routeAlerts(model)([alert(model, 'web-1', 1)]);
  assert.deepEqual(
    routed?.deliveries.map((d) => `${d.urgency}:${d.receiver}`),
    ['page:ops'],
  );
});

test('alerts carry the facts a notification needs: title, counts, location', () => {
  const model = withRoutes([]);
  const a = alert(model, 'tor-a', 1, { affected: ['web-1', 'web-1/http'], degraded: [] });
  assert.equal(a.title, 'tor-a DOWN — 1 host unreachable, 1 service affected (room 2, cabinet B4)');
  assert.equal(a.problem.affectedHosts, 1);
  assert.equal(a.problem.affectedServices, 1);
  assert.equal(a.problem.location.oob, '10.9.0.2');
});

test('business hours page the on-call person; nights and weekends go to chat', async () => {
  const parsed = parseTimePeriod({ time_zone: 'Europe/Berlin', ranges: ['mon-fri 09:00-17:30'] });
  assert.ok(parsed.ok);
  const office = parsed.period;
  const model = withRoutes([
    route('office hours', { match: { during: office }, page: ['pager'] }),
    route('out of hours', { match: { outside: office }, chat: ['ops-chat'] }),
  ]);
  const at = (iso: string) => ({ ...alert(model, 'web-1', 1), at: Date.parse(iso) });
  const routed = await routeAlerts(model)([
    at('2026-11-30T10:00:00+01:00'), // Monday 10:00 in Berlin
    at('2026-11-30T18:00:00+01:00'), // Monday evening
    at('2026-11-28T11:00:00+01:00'), // Saturday
  ]);
  assert.deepEqual(receivers(routed), [['page:pager'], ['chat:ops-chat'], ['chat:ops-chat']]);
});
