// Subscribers against a real daemon: double opt-in mail through a real SMTP server, the
// unsubscribe link, a signed webhook to a real HTTP endpoint, escaping of incident text, and
// the incident API (operator changes, unknown fields refused).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { ProblemEvent } from '../../src/topology/problem-tracker.ts';
import { type ApiHarness, startHarness } from '../api/harness.ts';
import { eventually } from '../helpers/model.ts';
import { type RecordingServer, recordingServer } from '../helpers/recording-server.ts';

async function startSmtp() {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push(mail);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const problem = (kind: 'opened' | 'resolved', objectId: string): ProblemEvent => ({
  kind,
  objectId,
  at: Date.now(),
  state: kind === 'opened' ? 1 : 0,
  flapping: false,
  affected: [],
  degraded: [],
});

describe('status subscribers', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hook: RecordingServer;
  let api: ApiHarness;
  before(async () => {
    smtp = await startSmtp();
    hook = await recordingServer();
    api = await startHarness(
      `
channels:
  mail:
    kind: email
    host: 127.0.0.1
    port: ${smtp.port}
    starttls: never
    from: "Vigil <vigil@example.com>"
    to: oncall@example.com
hosts:
  - { name: web1, address: 127.0.0.1 }
  - { name: db1, address: 127.0.0.1 }
components:
  Shop:
    match: { hosts: [web1] }
  Search:
    match: { hosts: [db1] }
`,
      `  status_site:
    title: Example Status
    site_url: https://status.example.com
    publish_delay: 0s
    subscribers:
      email_via: mail
      from: "Example Status <status@example.com>"
      # The webhook receiver of these tests listens on loopback.
      public_webhooks: true
      allow_private_webhooks: true
`,
    );
  });
  after(async () => {
    await api?.stop();
    await hook?.close();
    await smtp?.close();
  });

  const mailTo = (address: string) =>
    smtp.received.filter((m) => m.to && JSON.stringify(m.to).toLowerCase().includes(address));

  it('double opt-in: one confirmation mail, nothing else until confirmed; updates carry an unsubscribe link that works', async () => {
    const subscribe = (email: string) =>
      api.json('/api/v1/status/subscribe', {
        as: null,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, components: ['Shop'] }),
      });
    const first = await subscribe('Carol@Example.com');
    assert.equal(first.status, 202);
    assert.ok(await eventually(() => mailTo('carol@example.com').length === 1, 10_000), 'confirmation mail');
    const confirmation = mailTo('carol@example.com')[0] as ParsedMail;
    assert.equal(confirmation.subject, 'Confirm your subscription to Example Status');
    assert.doesNotMatch(confirmation.text ?? '', /State: /, "not the operators' alert format");
    assert.equal(confirmation.from?.value[0]?.address, 'status@example.com');
    const link = /http:\/\/\S+\/status\/confirm\?token=\S+/.exec(confirmation.text ?? '')?.[0];
    assert.ok(link, confirmation.text);

    // Unconfirmed: an incident reaches no one.
    await api.daemon.incidents?.noteProblems([problem('opened', 'web1')]);
    await api.daemon.incidents?.tick();
    const [incident] = await api.daemon.store.incidents.open();
    assert.equal(incident?.status, 'published');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(mailTo('carol@example.com').length, 1);

    const confirmed = await fetch(link);
    assert.equal(confirmed.status, 200);
    assert.match(await confirmed.text(), /Subscription confirmed/);
    assert.equal((await fetch(link)).status, 404, 'a confirmation link works once');
    // The same address again: the same answer, and no second subscription or mail.
    assert.equal((await subscribe('carol@example.com')).status, 202);

    const update = await api.json(`/api/v1/incidents/${incident?.id}/updates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phase: 'identified', message: 'Fixed <script>alert("x")</script> & more' }),
    });
    assert.equal(update.status, 201);
    assert.ok(await eventually(() => mailTo('carol@example.com').length === 2, 10_000), 'update mail');
    const mail = mailTo('carol@example.com')[1] as ParsedMail;
    assert.equal(mail.subject, `[Example Status] ${incident?.title} — Identified`);
    assert.match(mail.text ?? '', /^Identified — \d{4}-\d\d-\d\d \d\d:\d\d UTC$/m);
    assert.match(mail.text ?? '', /^Affected: Shop$/m);
    assert.doesNotMatch(mail.text ?? '', /State:|web1/, 'customers read no alert fields or host names');
    assert.match(JSON.stringify(mail.headers.get('list') ?? ''), /\/status\/unsubscribe\?token=/);
    assert.ok(typeof mail.html === 'string');
    assert.doesNotMatch(mail.html, /<script>/);
    assert.match(mail.html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; more/);
    const leave = /http:\/\/\S+\/status\/unsubscribe\?token=[A-Za-z0-9_-]+/.exec(mail.text ?? '')?.[0];
    assert.ok(leave, mail.text);

    const unsubscribed = await fetch(leave);
    assert.equal(unsubscribed.status, 200);
    await api.json(`/api/v1/incidents/${incident?.id}/updates`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phase: 'monitoring', message: 'Watching it.' }),
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(mailTo('carol@example.com').length, 2, 'nothing after unsubscribing');
    await api.json(`/api/v1/incidents/${incident?.id}/resolve`, { method: 'POST' });
  });

  it('a webhook subscriber receives signed POSTs for its components only', async () => {
    const created = await api.json<{ secret: string; id: number }>('/api/v1/status/subscribe', {
      as: null,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ webhook: `${hook.origin}/status-hook`, components: ['Search'] }),
    });
    assert.equal(created.status, 201);
    const { secret } = created.body;
    assert.ok(secret.length >= 16);

    await api.daemon.incidents?.noteProblems([problem('opened', 'db1')]);
    await api.daemon.incidents?.tick();
    assert.ok(await eventually(() => hook.requests.length >= 1, 10_000), 'webhook delivery');
    const request = hook.requests[0];
    assert.ok(request);
    assert.equal(request.path, '/status-hook');
    const expected = `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`;
    assert.equal(request.headers['x-vigil-signature'], expected);
    const body = JSON.parse(request.body) as {
      incident: { components: string[]; phase: string; unsubscribeUrl: string };
    };
    assert.deepEqual(body.incident.components, ['Search']);
    assert.equal(body.incident.phase, 'investigating');
    assert.match(body.incident.unsubscribeUrl, /\/status\/unsubscribe\?token=/);
  });

  it('refuses bad subscriptions with a clear error and never says who subscribes', async () => {
    const post = (body: unknown) =>
      api.json<{ error?: string }>('/api/v1/status/subscribe', {
        as: null,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.match(
      (await post({ email: 'not-an-address' })).body.error ?? '',
      /email is not an e-mail address/,
    );
    assert.match((await post({ webhook: 'ftp://example.com/x' })).body.error ?? '', /http/);
    assert.match(
      (await post({ email: 'a@example.com', color: 'red' })).body.error ?? '',
      /unknown field "color"/,
    );
    assert.match(
      (await post({ email: 'a@example.com', components: ['Nope'] })).body.error ?? '',
      /"Nope" is not a configured component/,
    );
    assert.equal((await fetch(`${api.base}/status/unsubscribe?token=nothing`)).status, 404);
  });

  it('incident API: viewers read, operators change, unknown fields are named, the report counts first posts', async () => {
    const viewerWrite = await api.json('/api/v1/incidents', {
      as: 'viewer',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ components: ['Shop'] }),
    });
    assert.equal(viewerWrite.status, 403);
    const opened = await api.json<{ incident: { id: number; status: string } }>('/api/v1/incidents', {
      as: 'operator',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ components: ['Shop'], title: 'Payments slow', draft: true }),
    });
    assert.equal(opened.status, 201);
    assert.equal(opened.body.incident.status, 'draft');
    const id = opened.body.incident.id;
    const bad = await api.json<{ error: string }>(`/api/v1/incidents/${id}`, {
      as: 'operator',
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ titel: 'typo' }),
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /unknown field "titel"/);
    const badPhase = await api.json<{ error: string }>(`/api/v1/incidents/${id}/updates`, {
      as: 'operator',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phase: 'panicking', message: 'x' }),
    });
    assert.equal(badPhase.status, 400);
    assert.match(badPhase.body.error, /phase "panicking"/);
    const published = await api.json<{ incident: { status: string } }>(`/api/v1/incidents/${id}/publish`, {
      as: 'operator',
      method: 'POST',
    });
    assert.equal(published.body.incident.status, 'published');
    const again = await api.json(`/api/v1/incidents/${id}/hold`, { as: 'operator', method: 'POST' });
    assert.equal(again.status, 409);
    const read = await api.json<{ incident: { title: string } }>(`/api/v1/incidents/${id}`, { as: 'viewer' });
    assert.equal(read.body.incident.title, 'Payments slow');
    const report = await api.json<{ report: { incidents: number; medianMs: number } }>(
      '/api/v1/incidents/report',
      {
        as: 'viewer',
      },
    );
    assert.ok(report.body.report.incidents >= 1);
    const maintenance = await api.json<{ maintenance: { state: string; downtimeId: number | null } }>(
      '/api/v1/maintenance-announcements',
      {
        as: 'operator',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          title: 'Database upgrade',
          components: ['Search'],
          from: new Date(Date.now() + 3_600_000).toISOString(),
          until: new Date(Date.now() + 7_200_000).toISOString(),
          downtime: true,
        }),
      },
    );
    assert.equal(maintenance.status, 201);
    assert.equal(maintenance.body.maintenance.state, 'upcoming');
    assert.ok(maintenance.body.maintenance.downtimeId !== null);
  });
});
