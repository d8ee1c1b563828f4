import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  affectedLine,
  headlineOf,
  locationLine,
  renderTemplate,
  templateSchema,
} from '../../../src/alerting/channels/format.ts';
import { channelKinds } from '../../../src/alerting/channels/index.ts';
import { sampleNotification } from '../../helpers/notifications.ts';

describe('channel message format', () => {
  it('words each notification kind differently', () => {
    const n = sampleNotification({ title: 'tor-a1 DOWN' });
    assert.equal(headlineOf(n), '🔴 tor-a1 DOWN');
    assert.equal(headlineOf({ ...n, problem: { ...n.problem, state: 'WARNING' } }), '🟠 tor-a1 DOWN');
    assert.equal(headlineOf({ ...n, kind: 'recovery' }), '✅ recovered: tor-a1 DOWN');
    assert.equal(
      headlineOf({ ...n, kind: 'acknowledgement', acknowledgement: { author: 'X', comment: 'on it' } }),
      '👀 acknowledged by X: on it — tor-a1 DOWN',
    );
    assert.equal(headlineOf({ ...n, kind: 'downtime-start' }), '🔧 downtime started: tor-a1 DOWN');
  });

  it('builds the affected and location lines, leaving out what is unknown', () => {
    const p = sampleNotification().problem;
    assert.equal(affectedLine(p), '3 hosts unreachable, 12 services affected, 1 losing redundancy');
    assert.equal(
      affectedLine({ ...p, affectedHosts: 1, affectedServices: 0, degraded: [] }),
      '1 host unreachable',
    );
    assert.equal(affectedLine({ ...p, affectedHosts: 0, affectedServices: 0, degraded: [] }), undefined);
    assert.equal(locationLine({ room: '2', rackUnit: 'U7-U8' }), 'room 2, U7-U8');
    assert.equal(locationLine({}), undefined);
  });

  it('substitutes {{placeholders}}, escaping values but not the template', () => {
    const n = sampleNotification({ problem: { output: '<b>' } });
    assert.equal(
      renderTemplate('<i>{{host}}</i> {{ output }}', n, (s) => s.replace(/</g, '&lt;')),
      '<i>tor-a1</i> &lt;b>',
    );
    assert.equal(templateSchema.safeParse('{{host}} {{nope}}').success, false);
  });

  it('registers every channel kind under its own name', () => {
    assert.deepEqual([...channelKinds.keys()].sort(), [
      'campfire',
      'command',
      'discord',
      'email',
      'opsgenie',
      'pagerduty',
      'slack',
      'teams',
      'telegram',
      'webhook',
    ]);
    for (const [kind, channel] of channelKinds) assert.equal(channel.kind, kind);
  });
});
