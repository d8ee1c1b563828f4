import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { webhookChannel } from '../../../src/alerting/channels/webhook.ts';
import { freePort, waitFor } from '../../helpers/local-servers.ts';
import { deliveryError, sampleNotification, sendVia } from '../../helpers/notifications.ts';
import { type RecordingServer, recordingServer } from '../../helpers/recording-server.ts';

const SECRET = 'a-shared-secret-of-some-length';

describe('webhook channel', () => {
  let server: RecordingServer;
  before(async () => {
    server = await recordingServer({ status: 204 });
  });
  after(() => server.close());

  it('POSTs the whole notification as JSON, signed over the raw body, with the delivery id', async () => {
    const n = sampleNotification();
    await sendVia(
      webhookChannel,
      { url: `${server.origin}/hooks/vigil`, secret: SECRET, headers: { 'X-Team': 'ops' } },
      n,
    );
    const req = server.requests.at(-1);
    assert.ok(req);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/hooks/vigil');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['x-team'], 'ops');
    assert.equal(req.headers['x-vigil-delivery'], n.id);
    assert.equal(req.headers['x-vigil-event'], 'problem');
    assert.deepEqual(JSON.parse(req.body), n);
    const expected = `sha256=${createHmac('sha256', SECRET).update(req.body).digest('hex')}`;
    assert.equal(req.headers['x-vigil-signature'], expected);
    // A receiver holding another secret must not verify it.
    const forged = `sha256=${createHmac('sha256', 'another-secret-entirely').update(req.body).digest('hex')}`;
    assert.notEqual(req.headers['x-vigil-signature'], forged);
  });

  it('sends the same delivery id and signature again on a redelivery, and no signature without a secret', async () => {
    const n = sampleNotification({ kind: 'recovery', problem: { state: 'UP' } });
    await sendVia(webhookChannel, { url: server.origin, secret: SECRET }, n);
    await sendVia(webhookChannel, { url: server.origin, secret: SECRET }, n);
    const [first, second] = server.requests.slice(-2);
    assert.equal(first?.headers['x-vigil-delivery'], second?.headers['x-vigil-delivery']);
    assert.equal(first?.headers['x-vigil-signature'], second?.headers['x-vigil-signature']);
    await sendVia(webhookChannel, { url: server.origin }, n);
    assert.equal(server.requests.at(-1)?.headers['x-vigil-signature'], undefined);
  });

  it('classifies 500 and 408 as retryable', async () => {
    server.answerNext({ status: 500, body: 'database exploded' }, { status: 408 });
    let error = await deliveryError(sendVia(webhookChannel, { url: server.origin }, sampleNotification()));
    assert.equal(error.retryable, true);
    assert.match(error.message, /HTTP 500: database exploded/);
    error = await deliveryError(sendVia(webhookChannel, { url: server.origin }, sampleNotification()));
    assert.equal(error.retryable, true);
  });

  it('takes the wait from a 429 Retry-After, in seconds or as a date', async () => {
    server.answerNext(
      { status: 429, headers: { 'retry-after': '30' }, body: 'slow down' },
      { status: 503, headers: { 'retry-after': new Date(Date.now() + 120_000).toUTCString() } },
    );
    let error = await deliveryError(sendVia(webhookChannel, { url: server.origin }, sampleNotification()));
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 30_000);
    error = await deliveryError(sendVia(webhookChannel, { url: server.origin }, sampleNotification()));
    assert.ok(
      error.retryAfterMs !== undefined && error.retryAfterMs > 100_000 && error.retryAfterMs <= 120_000,
    );
  });

  it('classifies other 4xx as permanent, naming the status and the start of the body', async () => {
    server.answerNext({ status: 400, body: `invalid payload: ${'x'.repeat(500)}` });
    const error = await deliveryError(sendVia(webhookChannel, { url: server.origin }, sampleNotification()));
    assert.equal(error.retryable, false);
    assert.match(error.message, /^127\.0\.0\.1:\d+ answered HTTP 400: invalid payload: x+$/);
    assert.ok(error.message.length < 260, 'body is cut to 200 characters');
  });

  it('gives up on a receiver that hangs at the timeout, retryably, and closes its connection', async () => {
    const hung = await recordingServer('hang');
    try {
      const started = performance.now();
      const error = await deliveryError(
        sendVia(webhookChannel, { url: hung.origin }, sampleNotification(), 300),
      );
      const elapsed = performance.now() - started;
      assert.equal(error.retryable, true);
      assert.match(error.message, /no answer within 0\.3s/);
      assert.ok(elapsed >= 280 && elapsed < 2000, `gave up after ${elapsed} ms`);
      assert.equal(hung.requests.length, 1);
      await waitFor(
        async () => (await hung.openConnections()) === 0,
        'the aborted request to close its socket',
        20,
      );
    } finally {
      await hung.close();
    }
  });

  it('classifies a reset connection and a refused one as retryable', async () => {
    server.answerNext('reset');
    let error = await deliveryError(sendVia(webhookChannel, { url: server.origin }, sampleNotification()));
    assert.equal(error.retryable, true);
    const port = await freePort();
    error = await deliveryError(
      sendVia(webhookChannel, { url: `http://127.0.0.1:${port}/` }, sampleNotification()),
    );
    assert.equal(error.retryable, true);
    assert.match(error.message, /ECONNREFUSED/);
  });

  it('treats a redirect as a configuration error', async () => {
    server.answerNext({ status: 301, headers: { location: 'https://elsewhere.example/' } });
    const error = await deliveryError(sendVia(webhookChannel, { url: server.origin }, sampleNotification()));
    assert.equal(error.retryable, false);
    assert.match(error.message, /HTTP 301.*configure the final URL/);
  });

  it('rejects bad settings with clear messages', () => {
    const parse = (raw: unknown) => webhookChannel.settings.safeParse(raw);
    assert.match(
      parse({ url: 'ftp://x' }).error?.issues[0]?.message ?? '',
      /full http:\/\/ or https:\/\/ URL/,
    );
    assert.match(parse({ url: 'http://x', secret: 'short' }).error?.issues[0]?.message ?? '', /at least 16/);
    assert.match(
      parse({ url: 'http://x', headers: { 'X-Vigil-Signature': 'x' } }).error?.issues[0]?.message ?? '',
      /may not set/,
    );
    assert.equal(parse({ url: 'http://x', colour: 'red' }).success, false, 'unknown keys are refused');
  });
});
