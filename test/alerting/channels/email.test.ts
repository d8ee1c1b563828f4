// The email channel against a real SMTP server (smtp-server) on loopback, every message
// parsed back with mailparser.
import assert from 'node:assert/strict';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { emailChannel } from '../../../src/alerting/channels/email.ts';
import { silentServer } from '../../helpers/local-servers.ts';
import { deliveryError, sampleNotification, sendVia } from '../../helpers/notifications.ts';

interface Received {
  envelopeTo: string[];
  mail: ParsedMail;
}

async function startSmtp(options: ConstructorParameters<typeof SMTPServer>[0] = {}) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('full@'))
        return callback(Object.assign(new Error('mailbox full, try later'), { responseCode: 452 }));
      if (address.address.startsWith('nobody@'))
        return callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          received.push({ envelopeTo: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
        })
        .catch(callback);
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as net.AddressInfo).port;
  return { received, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('email channel', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  before(async () => {
    smtp = await startSmtp();
  });
  after(() => smtp.close());
  const settings = (extra: Record<string, unknown> = {}) => ({
    host: '127.0.0.1',
    port: smtp.port,
    from: 'Vigil <vigil@example.com>',
    to: ['oncall@example.com', 'Ops Team <ops@example.com>'],
    ...extra,
  });

  it('sends a text and an HTML body with the problem, its location and the link', async () => {
    const n = sampleNotification();
    await sendVia(emailChannel, settings(), n);
    const { mail, envelopeTo } = smtp.received.at(-1) as Received;
    assert.deepEqual(envelopeTo, ['oncall@example.com', 'ops@example.com']);
    assert.equal(mail.from?.text, '"Vigil" <vigil@example.com>');
    assert.equal(
      mail.subject,
      '[Vigil] 🔴 tor-a1 DOWN — 3 hosts unreachable, 12 services affected (room 2, cabinet B4)',
    );
    assert.match(
      mail.text ?? '',
      /^Location: site ams1, room 2, cabinet B4, U42, out-of-band 10\.9\.0\.17$/m,
    );
    assert.match(
      mail.text ?? '',
      /^Affected: 3 hosts unreachable, 12 services affected, 1 losing redundancy$/m,
    );
    assert.match(mail.text ?? '', /^https:\/\/vigil\.example\.com\/hosts\/tor-a1$/m);
    assert.ok(typeof mail.html === 'string');
    assert.match(mail.html, /<a href="https:\/\/vigil\.example\.com\/hosts\/tor-a1">Open in Vigil<\/a>/);
    assert.match(mail.html, /out-of-band 10\.9\.0\.17/);
    assert.equal(mail.headers.get('x-vigil-notification'), n.id);
    assert.equal(mail.headers.get('auto-submitted'), 'auto-generated');
    assert.match(mail.messageId ?? '', /^<[0-9a-f]{32}\.notification@example\.com>$/);
  });

  it('threads the acknowledgement and recovery to the problem, and keeps the Message-ID on redelivery', async () => {
    const problem = sampleNotification();
    const ack = sampleNotification({
      id: 'n-ack',
      kind: 'acknowledgement',
      acknowledgement: { author: 'alice', comment: 'on my way' },
    });
    const recovery = sampleNotification({
      id: 'n-rec',
      kind: 'recovery',
      title: 'tor-a1 UP',
      problem: { state: 'UP' },
    });
    const other = sampleNotification({
      id: 'n-other',
      problem: { since: problem.problem.since + 86_400_000 },
    });
    for (const n of [problem, ack, recovery, problem, other]) await sendVia(emailChannel, settings(), n);
    const [p, a, r, again, next] = smtp.received.slice(-5).map((x) => x.mail);
    assert.ok(p && a && r && again && next);
    const root = p.inReplyTo;
    assert.match(root ?? '', /^<[0-9a-f]{32}\.problem@example\.com>$/);
    for (const m of [a, r]) {
      assert.equal(m.inReplyTo, root);
      assert.deepEqual([m.references].flat(), [root]);
    }
    assert.notEqual(a.messageId, p.messageId);
    assert.equal(again.messageId, p.messageId, 'a redelivery is recognisably the same message');
    assert.notEqual(next.inReplyTo, root, 'a later problem of the same host starts its own thread');
    assert.match(a.subject ?? '', /^\[Vigil\] 👀 acknowledged by alice: on my way — /);
    assert.equal(r.subject, '[Vigil] ✅ recovered: tor-a1 UP');
  });

  it('classifies SMTP 4xx as retryable, 5xx as permanent, and a partial rejection as permanent', async () => {
    let error = await deliveryError(
      sendVia(emailChannel, settings({ to: 'full@example.com' }), sampleNotification()),
    );
    assert.equal(error.retryable, true);
    assert.match(error.message, /452/);
    error = await deliveryError(
      sendVia(emailChannel, settings({ to: 'nobody@example.com' }), sampleNotification()),
    );
    assert.equal(error.retryable, false);
    assert.match(error.message, /550/);
    error = await deliveryError(
      sendVia(
        emailChannel,
        settings({ to: ['ops@example.com', 'nobody@example.com'] }),
        sampleNotification(),
      ),
    );
    assert.equal(error.retryable, false);
    assert.match(error.message, /rejected nobody@example\.com/);
  });

  it('authenticates, refuses to send a password without TLS by default, and fails permanently on bad credentials', async () => {
    const authed = await startSmtp({
      authOptional: false,
      allowInsecureAuth: true,
      onAuth(auth, _session, callback) {
        if (auth.username === 'vigil' && auth.password === 'right') return callback(null, { user: 'vigil' });
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
    });
    try {
      const base = { host: '127.0.0.1', port: authed.port, from: 'vigil@example.com', to: 'ops@example.com' };
      let error = await deliveryError(
        sendVia(emailChannel, { ...base, auth: { user: 'vigil', pass: 'right' } }, sampleNotification()),
      );
      assert.equal(error.retryable, false, `no STARTTLS offered: ${error.message}`);
      assert.match(error.message, /STARTTLS/i);
      await sendVia(
        emailChannel,
        { ...base, starttls: 'never', auth: { user: 'vigil', pass: 'right' } },
        sampleNotification(),
      );
      assert.equal(authed.received.length, 1);
      error = await deliveryError(
        sendVia(
          emailChannel,
          { ...base, starttls: 'never', auth: { user: 'vigil', pass: 'wrong' } },
          sampleNotification(),
        ),
      );
      assert.equal(error.retryable, false);
      assert.match(error.message, /535/);
    } finally {
      await authed.close();
    }
  });

  it('gives up on a server that never greets at the timeout, retryably', async () => {
    const silent = await silentServer();
    try {
      const started = performance.now();
      const error = await deliveryError(
        sendVia(
          emailChannel,
          { host: '127.0.0.1', port: silent.port, from: 'vigil@example.com', to: 'ops@example.com' },
          sampleNotification(),
          300,
        ),
      );
      assert.equal(error.retryable, true);
      assert.ok(performance.now() - started < 2000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(await silent.openConnections(), 0, 'the connection is closed');
    } finally {
      silent.close();
    }
  });

  it('validates addresses and TLS settings', () => {
    const parse = (raw: Record<string, unknown>) =>
      emailChannel.settings.safeParse({ host: 'mail', from: 'vigil@example.com', to: 'a@b.c', ...raw });
    assert.match(parse({ to: 'not an address' }).error?.issues[0]?.message ?? '', /e-mail addresses/);
    assert.match(
      parse({ secure: true, starttls: 'required' }).error?.issues[0]?.message ?? '',
      /starttls applies only without secure/,
    );
    assert.equal(parse({}).success, true);
  });
});
