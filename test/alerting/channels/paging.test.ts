// PagerDuty Events v2 and Opsgenie Alerts API against a recording receiver: trigger, then
// acknowledge and resolve/close the same incident by a key made from the problem's object id.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { opsgenieChannel } from '../../../src/alerting/channels/opsgenie.ts';
import { pagerdutyChannel } from '../../../src/alerting/channels/pagerduty.ts';
import { deliveryError, PROBLEM_SINCE, sampleNotification, sendVia } from '../../helpers/notifications.ts';
import { type RecordingServer, recordingServer } from '../../helpers/recording-server.ts';

const ROUTING_KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const service = {
  objectId: 'db-1/mysql replication',
  host: 'db-1',
  service: 'mysql replication',
  state: 'CRITICAL',
};

describe('pagerduty channel', () => {
  let server: RecordingServer;
  before(async () => {
    server = await recordingServer({ status: 202, body: '{"status":"success","message":"Event processed"}' });
  });
  after(() => server.close());
  const settings = () => ({ routing_key: ROUTING_KEY, url: `${server.origin}/v2/enqueue` });

  it('triggers, acknowledges and resolves one incident under one dedup_key', async () => {
    await sendVia(pagerdutyChannel, settings(), sampleNotification({ problem: service }));
    await sendVia(
      pagerdutyChannel,
      settings(),
      sampleNotification({
        kind: 'acknowledgement',
        problem: service,
        acknowledgement: { author: 'bob', comment: 'on it' },
      }),
    );
    await sendVia(
      pagerdutyChannel,
      settings(),
      sampleNotification({ kind: 'recovery', problem: { ...service, state: 'OK' } }),
    );
    const [trigger, acknowledge, resolve] = server.requests.slice(-3).map((r) => {
      assert.equal(r.path, '/v2/enqueue');
      return JSON.parse(r.body);
    });
    assert.equal(trigger.event_action, 'trigger');
    assert.equal(trigger.routing_key, ROUTING_KEY);
    assert.equal(trigger.dedup_key, 'vigil:db-1/mysql replication');
    assert.equal(trigger.payload.severity, 'critical');
    assert.equal(trigger.payload.source, 'db-1');
    assert.equal(trigger.payload.component, 'mysql replication');
    assert.equal(trigger.payload.timestamp, new Date(PROBLEM_SINCE).toISOString());
    assert.match(trigger.payload.summary, /^tor-a1 DOWN/);
    assert.equal(
      trigger.payload.custom_details.location,
      'site ams1, room 2, cabinet B4, U42, out-of-band 10.9.0.17',
    );
    assert.equal(
      trigger.payload.custom_details.affected,
      '3 hosts unreachable, 12 services affected, 1 losing redundancy',
    );
    assert.deepEqual(trigger.links, [
      { href: 'https://vigil.example.com/hosts/tor-a1', text: 'Open in Vigil' },
    ]);
    assert.deepEqual(acknowledge, {
      routing_key: ROUTING_KEY,
      dedup_key: trigger.dedup_key,
      event_action: 'acknowledge',
    });
    assert.deepEqual(resolve, {
      routing_key: ROUTING_KEY,
      dedup_key: trigger.dedup_key,
      event_action: 'resolve',
    });
  });

  it('maps states to severities, with overrides, and sends nothing for downtime notices', async () => {
    const severity = async (state: string, extra = {}) => {
      await sendVia(
        pagerdutyChannel,
        { ...settings(), ...extra },
        sampleNotification({ problem: { state } }),
      );
      return JSON.parse(server.requests.at(-1)?.body ?? '{}').payload.severity;
    };
    assert.equal(await severity('WARNING'), 'warning');
    assert.equal(await severity('UNKNOWN'), 'error');
    assert.equal(await severity('DOWN'), 'critical');
    assert.equal(await severity('WARNING', { severity: { WARNING: 'info' } }), 'info');
    const before = server.requests.length;
    await sendVia(pagerdutyChannel, settings(), sampleNotification({ kind: 'downtime-start' }));
    assert.equal(server.requests.length, before);
  });

  it('fails permanently on 400 Invalid event, retryably on 429 and 500', async () => {
    server.answerNext(
      {
        status: 400,
        body: '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect"]}',
      },
      { status: 429 },
      { status: 500 },
    );
    const first = await deliveryError(sendVia(pagerdutyChannel, settings(), sampleNotification()));
    assert.equal(first.retryable, false);
    assert.match(first.message, /HTTP 400: .*invalid event/);
    assert.equal(
      (await deliveryError(sendVia(pagerdutyChannel, settings(), sampleNotification()))).retryable,
      true,
    );
    assert.equal(
      (await deliveryError(sendVia(pagerdutyChannel, settings(), sampleNotification()))).retryable,
      true,
    );
  });

  it('wants a 32-character routing key', () => {
    assert.match(
      pagerdutyChannel.settings.safeParse({ routing_key: 'abc' }).error?.issues[0]?.message ?? '',
      /32-character/,
    );
  });
});

describe('opsgenie channel', () => {
  let server: RecordingServer;
  before(async () => {
    server = await recordingServer({
      status: 202,
      body: '{"result":"Request will be processed","took":0.1,"requestId":"x"}',
    });
  });
  after(() => server.close());
  const settings = {
    api_key: 'eb243592-faa2-4ba2-a551q-1afdf565c889',
    tags: ['vigil'],
    responders: [{ type: 'team', name: 'ops' }],
  };

  it('creates an alert with alias = problem id, then acknowledges and closes it by alias', async () => {
    const s = { ...settings, url: server.origin };
    await sendVia(opsgenieChannel, s, sampleNotification({ problem: service }));
    await sendVia(
      opsgenieChannel,
      s,
      sampleNotification({
        kind: 'acknowledgement',
        problem: service,
        acknowledgement: { author: 'bob', comment: 'on it' },
      }),
    );
    await sendVia(
      opsgenieChannel,
      s,
      sampleNotification({ kind: 'recovery', title: 'db-1/mysql replication OK', problem: service }),
    );
    const [create, acknowledge, close] = server.requests.slice(-3);
    assert.ok(create && acknowledge && close);
    for (const r of [create, acknowledge, close])
      assert.equal(r.headers.authorization, `GenieKey ${settings.api_key}`);
    assert.equal(create.path, '/v2/alerts');
    const alert = JSON.parse(create.body);
    assert.equal(alert.alias, 'vigil:db-1/mysql replication');
    assert.equal(alert.priority, 'P1');
    assert.deepEqual(alert.responders, [{ type: 'team', name: 'ops' }]);
    assert.deepEqual(alert.tags, ['network', 'vigil']);
    assert.ok(alert.message.length <= 130);
    assert.match(alert.description, /Location: site ams1, room 2, cabinet B4/);
    assert.equal(alert.details.url, 'https://vigil.example.com/hosts/tor-a1');
    const byAlias = `/v2/alerts/${encodeURIComponent('vigil:db-1/mysql replication')}`;
    assert.equal(acknowledge.path, `${byAlias}/acknowledge?identifierType=alias`);
    assert.deepEqual(JSON.parse(acknowledge.body), { source: 'Vigil', user: 'bob', note: 'on it' });
    assert.equal(close.path, `${byAlias}/close?identifierType=alias`);
    assert.equal(JSON.parse(close.body).note, 'db-1/mysql replication OK');
  });

  it('fails permanently on 401/422, retryably on 429', async () => {
    server.answerNext(
      { status: 422, body: '{"message":"Request body is not processable"}' },
      { status: 429 },
    );
    const s = { ...settings, url: server.origin };
    const error = await deliveryError(sendVia(opsgenieChannel, s, sampleNotification()));
    assert.equal(error.retryable, false);
    assert.match(error.message, /HTTP 422/);
    assert.equal((await deliveryError(sendVia(opsgenieChannel, s, sampleNotification()))).retryable, true);
  });

  it('wants exactly one way to name a responder', () => {
    const result = opsgenieChannel.settings.safeParse({ api_key: 'k', responders: [{ type: 'team' }] });
    assert.match(result.error?.issues[0]?.message ?? '', /exactly one of id, name or username/);
  });
});
