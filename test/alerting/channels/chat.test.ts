// Slack, Campfire, Teams and Discord against a recording receiver: the payload each service
// documents, the colour by state, the recovery and acknowledgement wording, error handling.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { campfireChannel } from '../../../src/alerting/channels/campfire.ts';
import { discordChannel } from '../../../src/alerting/channels/discord.ts';
import { slackChannel } from '../../../src/alerting/channels/slack.ts';
import { teamsChannel } from '../../../src/alerting/channels/teams.ts';
import { deliveryError, sampleNotification, sendVia } from '../../helpers/notifications.ts';
import { type RecordingServer, recordingServer } from '../../helpers/recording-server.ts';

const recovery = sampleNotification({
  id: 'n-0002',
  kind: 'recovery',
  title: 'tor-a1 UP',
  problem: {
    state: 'UP',
    output: 'PING OK - rta 0.4 ms',
    affectedHosts: 0,
    affectedServices: 0,
    degraded: [],
  },
});
const ack = sampleNotification({
  id: 'n-0003',
  kind: 'acknowledgement',
  acknowledgement: { author: 'alice', comment: 'power cycling the switch' },
});

describe('chat channels', () => {
  let server: RecordingServer;
  before(async () => {
    server = await recordingServer();
  });
  after(() => server.close());
  const last = () => {
    const req = server.requests.at(-1);
    assert.ok(req, 'the receiver got a request');
    assert.equal(req.method, 'POST');
    return req;
  };

  describe('slack', () => {
    it('posts text plus a coloured attachment with the facts (blocks)', async () => {
      await sendVia(slackChannel, { url: `${server.origin}/services/T0/B0/XYZ` }, sampleNotification());
      const req = last();
      assert.equal(req.path, '/services/T0/B0/XYZ');
      assert.equal(req.headers['content-type'], 'application/json');
      const body = JSON.parse(req.body);
      assert.equal(
        body.text,
        '🔴 tor-a1 DOWN — 3 hosts unreachable, 12 services affected (room 2, cabinet B4)',
      );
      const [attachment] = body.attachments;
      assert.equal(attachment.color, '#d93025');
      const fields = attachment.blocks[0].fields.map((f: { type: string; text: string }) => f.text);
      assert.ok(
        fields.includes('*Affected*\n3 hosts unreachable, 12 services affected, 1 losing redundancy'),
      );
      assert.ok(fields.includes('*Location*\nsite ams1, room 2, cabinet B4, U42, out-of-band 10.9.0.17'));
      assert.match(
        attachment.blocks[1].elements[0].text,
        /<https:\/\/vigil\.example\.com\/hosts\/tor-a1\|Open in Vigil>/,
      );
    });

    it('reads differently on recovery and acknowledgement, and escapes mrkdwn', async () => {
      await sendVia(slackChannel, { url: server.origin }, recovery);
      let body = JSON.parse(last().body);
      assert.equal(body.text, '✅ recovered: tor-a1 UP');
      assert.equal(body.attachments[0].color, '#2e7d32');
      await sendVia(slackChannel, { url: server.origin }, ack);
      body = JSON.parse(last().body);
      assert.match(body.text, /^👀 acknowledged by alice: power cycling the switch — tor-a1 DOWN/);
      await sendVia(
        slackChannel,
        { url: server.origin },
        sampleNotification({ title: 'db <primary> & co DOWN' }),
      );
      assert.match(JSON.parse(last().body).text, /db &lt;primary&gt; &amp; co DOWN/);
    });

    it('uses classic attachment fields and a template when configured', async () => {
      await sendVia(
        slackChannel,
        {
          url: server.origin,
          style: 'attachments',
          username: 'vigil',
          template: '{{emoji}} *{{host}}* is {{state}}',
        },
        sampleNotification({ problem: { state: 'WARNING' } }),
      );
      const body = JSON.parse(last().body);
      assert.equal(body.text, '🟠 *tor-a1* is WARNING');
      assert.equal(body.username, 'vigil');
      assert.equal(body.attachments[0].color, '#f9a825');
      assert.equal(body.attachments[0].title_link, 'https://vigil.example.com/hosts/tor-a1');
      assert.deepEqual(
        body.attachments[0].fields.find((f: { title: string }) => f.title === 'Affected'),
        {
          title: 'Affected',
          value: '3 hosts unreachable, 12 services affected, 1 losing redundancy',
          short: true,
        },
      );
    });

    it("fails permanently on Slack's 404 no_service, retryably on 429", async () => {
      server.answerNext(
        { status: 404, body: 'no_service' },
        { status: 429, headers: { 'retry-after': '7' } },
      );
      let error = await deliveryError(sendVia(slackChannel, { url: server.origin }, sampleNotification()));
      assert.equal(error.retryable, false);
      assert.match(error.message, /HTTP 404: no_service/);
      error = await deliveryError(sendVia(slackChannel, { url: server.origin }, sampleNotification()));
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 7000);
    });

    it('refuses an unknown template placeholder at configuration time', () => {
      const result = slackChannel.settings.safeParse({
        url: 'https://hooks.slack.com/x',
        template: '{{hostname}}',
      });
      assert.match(result.error?.issues[0]?.message ?? '', /unknown placeholder \{\{hostname\}\}/);
    });
  });

  describe('campfire', () => {
    it('posts one content line as JSON (Basecamp chatbot) with location and link', async () => {
      server.answerNext({ status: 201 });
      await sendVia(
        campfireChannel,
        { url: `${server.origin}/123/integrations/KEY/buckets/1/chats/2/lines` },
        sampleNotification({
          title: 'tor-a1 DOWN',
        }),
      );
      const req = last();
      assert.equal(req.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(req.body), {
        content:
          '🔴 tor-a1 DOWN · 3 hosts unreachable, 12 services affected, 1 losing redundancy · site ams1, room 2, cabinet B4, U42, out-of-band 10.9.0.17 · https://vigil.example.com/hosts/tor-a1',
      });
    });

    it('posts the line as a plain-text body (ONCE Campfire) and does not repeat what the title says', async () => {
      await sendVia(
        campfireChannel,
        { url: `${server.origin}/rooms/1/2-abc/messages`, format: 'text' },
        sampleNotification({
          title: 'tor-a1 DOWN — 3 hosts unreachable, 12 services affected, 1 losing redundancy',
          problem: { location: {} },
        }),
      );
      const req = last();
      assert.match(String(req.headers['content-type']), /^text\/plain/);
      assert.equal(
        req.body,
        '🔴 tor-a1 DOWN — 3 hosts unreachable, 12 services affected, 1 losing redundancy · https://vigil.example.com/hosts/tor-a1',
      );
      await sendVia(campfireChannel, { url: server.origin, format: 'text' }, ack);
      assert.match(last().body, /^👀 acknowledged by alice: power cycling the switch — /);
    });
  });

  describe('teams', () => {
    it('posts an Adaptive Card message with a styled heading, facts and an open action', async () => {
      server.answerNext({ status: 202 });
      await sendVia(teamsChannel, { url: `${server.origin}/workflows/abc` }, sampleNotification());
      const body = JSON.parse(last().body);
      assert.equal(body.type, 'message');
      const [attachment] = body.attachments;
      assert.equal(attachment.contentType, 'application/vnd.microsoft.card.adaptive');
      const card = attachment.content;
      assert.equal(card.type, 'AdaptiveCard');
      assert.equal(card.version, '1.4');
      assert.equal(card.body[0].style, 'attention');
      assert.match(card.body[0].items[0].text, /^🔴 tor-a1 DOWN/);
      const facts = Object.fromEntries(
        card.body[1].facts.map((f: { title: string; value: string }) => [f.title, f.value]),
      );
      assert.equal(facts.State, 'DOWN: PING CRITICAL - 100% packet loss');
      assert.equal(facts.Location, 'site ams1, room 2, cabinet B4, U42, out-of-band 10.9.0.17');
      assert.deepEqual(card.actions, [
        { type: 'Action.OpenUrl', title: 'Open in Vigil', url: 'https://vigil.example.com/hosts/tor-a1' },
      ]);
      await sendVia(teamsChannel, { url: server.origin }, recovery);
      assert.equal(JSON.parse(last().body).attachments[0].content.body[0].style, 'good');
    });

    it('posts a MessageCard for legacy connectors and sees the 429 they hide in a 200', async () => {
      await sendVia(teamsChannel, { url: server.origin, format: 'messagecard' }, ack);
      const body = JSON.parse(last().body);
      assert.equal(body['@type'], 'MessageCard');
      assert.equal(body.themeColor, '1a73e8');
      assert.match(body.title, /^👀 acknowledged by alice/);
      assert.equal(body.potentialAction[0].targets[0].uri, 'https://vigil.example.com/hosts/tor-a1');
      server.answerNext({
        status: 200,
        body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId ...',
      });
      const error = await deliveryError(
        sendVia(teamsChannel, { url: server.origin, format: 'messagecard' }, ack),
      );
      assert.equal(error.retryable, true);
    });
  });

  describe('discord', () => {
    it('posts content plus an embed coloured by state, pinging nobody', async () => {
      server.answerNext({ status: 204 });
      await sendVia(
        discordChannel,
        { url: `${server.origin}/api/webhooks/1/tok`, username: 'Vigil' },
        sampleNotification({
          title: '@everyone tor-a1 DOWN',
        }),
      );
      const body = JSON.parse(last().body);
      assert.equal(body.content, '🔴 @everyone tor-a1 DOWN');
      assert.deepEqual(body.allowed_mentions, { parse: [] });
      assert.equal(body.username, 'Vigil');
      const [embed] = body.embeds;
      assert.equal(embed.color, 0xd93025);
      assert.equal(embed.title, 'tor-a1');
      assert.equal(embed.url, 'https://vigil.example.com/hosts/tor-a1');
      assert.ok(
        embed.fields.some(
          (f: { name: string; value: string }) => f.name === 'Location' && f.value.includes('cabinet B4'),
        ),
      );
      assert.ok(!Number.isNaN(Date.parse(embed.timestamp)));
    });

    it("takes the 429 wait from Discord's JSON body", async () => {
      server.answerNext({
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '2' },
        body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 1.337, global: false }),
      });
      const error = await deliveryError(
        sendVia(discordChannel, { url: server.origin }, sampleNotification()),
      );
      assert.equal(error.retryable, true);
      assert.equal(error.retryAfterMs, 1337);
    });
  });
});
