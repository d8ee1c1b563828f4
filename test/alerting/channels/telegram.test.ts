import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { telegramChannel } from '../../../src/alerting/channels/telegram.ts';
import { deliveryError, sampleNotification, sendVia } from '../../helpers/notifications.ts';
import { type RecordingServer, recordingServer } from '../../helpers/recording-server.ts';

const TOKEN = '123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-ra';
const OK = {
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: '{"ok":true,"result":{"message_id":1}}',
};

describe('telegram channel', () => {
  let server: RecordingServer;
  before(async () => {
    server = await recordingServer(OK);
  });
  after(() => server.close());
  const settings = (extra: Record<string, unknown> = {}) => ({
    bot_token: TOKEN,
    chat_id: -1001234567890,
    api_url: server.origin,
    ...extra,
  });

  it('calls sendMessage for the chat with HTML, escaping check output', async () => {
    await sendVia(
      telegramChannel,
      settings(),
      sampleNotification({ problem: { output: 'load <b>9</b> & rising' } }),
    );
    const req = server.requests.at(-1);
    assert.ok(req);
    assert.equal(req.path, `/bot${TOKEN}/sendMessage`);
    const body = JSON.parse(req.body);
    assert.equal(body.chat_id, -1001234567890);
    assert.equal(body.parse_mode, 'HTML');
    assert.equal(body.disable_notification, false, 'a page rings');
    assert.deepEqual(body.link_preview_options, { is_disabled: true });
    const lines = body.text.split('\n');
    assert.equal(
      lines[0],
      '<b>🔴 tor-a1 DOWN — 3 hosts unreachable, 12 services affected (room 2, cabinet B4)</b>',
    );
    assert.ok(lines.includes('State: DOWN: load &lt;b&gt;9&lt;/b&gt; &amp; rising'));
    assert.ok(lines.includes('Location: site ams1, room 2, cabinet B4, U42, out-of-band 10.9.0.17'));
    assert.ok(lines.includes('<a href="https://vigil.example.com/hosts/tor-a1">Open in Vigil</a>'));
  });

  it('escapes MarkdownV2, posts silently when not a page, and into a forum topic', async () => {
    await sendVia(
      telegramChannel,
      settings({ parse_mode: 'MarkdownV2', message_thread_id: 42 }),
      sampleNotification({ urgency: 'chat', kind: 'recovery', title: 'web-1.example.com UP' }),
    );
    const body = JSON.parse(server.requests.at(-1)?.body ?? '{}');
    assert.equal(body.parse_mode, 'MarkdownV2');
    assert.equal(body.message_thread_id, 42);
    assert.equal(body.disable_notification, true);
    assert.equal(body.text.split('\n')[0], '*✅ recovered: web\\-1\\.example\\.com UP*');
  });

  it("honours a 429's parameters.retry_after", async () => {
    server.answerNext({
      status: 429,
      body: JSON.stringify({
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 17',
        parameters: { retry_after: 17 },
      }),
    });
    const error = await deliveryError(sendVia(telegramChannel, settings(), sampleNotification()));
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 17_000);
    assert.ok(!error.message.includes(TOKEN), 'the bot token stays out of error messages');
  });

  it('fails permanently on an unknown chat, with the API description', async () => {
    server.answerNext({
      status: 400,
      body: JSON.stringify({ ok: false, error_code: 400, description: 'Bad Request: chat not found' }),
    });
    const error = await deliveryError(sendVia(telegramChannel, settings(), sampleNotification()));
    assert.equal(error.retryable, false);
    assert.match(error.message, /chat not found/);
  });

  it('validates the token and chat id', () => {
    assert.match(
      telegramChannel.settings.safeParse({ bot_token: 'nope', chat_id: 1 }).error?.issues[0]?.message ?? '',
      /bot_token/,
    );
    assert.equal(
      telegramChannel.settings.safeParse({ bot_token: TOKEN, chat_id: '@ops_alerts' }).success,
      true,
    );
    assert.equal(
      telegramChannel.settings.safeParse({ bot_token: TOKEN, chat_id: 'ops alerts' }).success,
      false,
    );
  });
});
