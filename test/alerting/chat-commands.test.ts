import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { withBadges } from '../../src/alerting/badges.ts';
import {
  answerChatCommand,
  type ChatContext,
  chatCommandLine,
  nearestName,
  parseChatCommand,
  STATUS_MAX_LINES,
} from '../../src/alerting/chat-commands.ts';
import type { ObjectState } from '../../src/model/types.ts';
import type { NewAcknowledgement, NewDowntime } from '../../src/store/suppressions.ts';
import { problemGroups } from '../../src/topology/problem-groups.ts';
import { modelFromYaml } from '../helpers/model.ts';

const T0 = Date.parse('2026-03-16T10:00:00Z');

const model = modelFromYaml(`
settings: { public_url: "https://vigil.example.net" }
host_groups: { db: {} }
hosts:
  - name: tor-a1
    location: { site: fra1, room: B2, cabinet: 14, rack_unit: 42, oob: 10.9.0.1 }
  - { name: web-1, address: 10.0.1.1, parents: [tor-a1], services: [{ name: http, check: { kind: dummy } }] }
  - { name: web-2, address: 10.0.1.2, parents: [tor-a1], services: [{ name: http, check: { kind: dummy } }] }
  - { name: db-1, groups: [db], location: { room: B3, notes: "left of the door" }, services: [{ name: mysql, check: { kind: dummy } }] }
  - { name: bare }
schedules:
  primary:
    time_zone: UTC
    layers:
      - { participants: [alice, bob], rotation: daily, hand_off: "09:00", start: 2026-03-01 }
`);

function state(objectId: string, value: number, output = 'CRITICAL - down'): ObjectState {
  return {
    objectId,
    state: value,
    stateType: 'HARD',
    attempt: 1,
    lastHardState: value,
    lastStateChange: T0,
    lastHardStateChange: T0,
    lastCheck: T0,
    output,
    longOutput: '',
    recentStates: [],
    percentStateChange: 0,
    flapping: false,
  };
}

function context(states: ObjectState[], user = 'alice') {
  const acks: NewAcknowledgement[] = [];
  const downtimes: NewDowntime[] = [];
  const byId = new Map(states.map((s) => [s.objectId, s]));
  const ctx: ChatContext = {
    user,
    now: T0,
    model,
    stateOf: (id) => byId.get(id),
    problems: () =>
      withBadges(
        problemGroups(model, states),
        {
          acknowledgementOf: (id) => {
            const ack = acks.find((a) => a.objectId === id);
            return ack && { ...ack, id: 1, removedAt: null, removedReason: '' };
          },
          downtimesOf: () => [],
        },
        T0,
      ),
    checkedCount: () => states.length,
    acknowledge: async (ack) => {
      acks.push(ack);
    },
    unacknowledge: async (id) => {
      const index = acks.findIndex((a) => a.objectId === id);
      if (index >= 0) acks.splice(index, 1);
      return index >= 0;
    },
    scheduleDowntime: async (downtime) => {
      downtimes.push(downtime);
      return { id: downtimes.length };
    },
  };
  return { ctx, acks, downtimes };
}

const ask = (line: string, ctx: ChatContext) => answerChatCommand(parseChatCommand(line), ctx);

test('parse: the commands and their words', () => {
  assert.deepEqual(parseChatCommand('ack web-1/http  on it, restarting'), {
    kind: 'ack',
    object: 'web-1/http',
    comment: 'on it, restarting',
  });
  assert.deepEqual(parseChatCommand('  ACK web-1 '), { kind: 'ack', object: 'web-1', comment: '' });
  assert.deepEqual(parseChatCommand('!unack web-1'), { kind: 'unack', object: 'web-1' });
  assert.deepEqual(parseChatCommand('downtime web-1 2h kernel update'), {
    kind: 'downtime',
    target: 'web-1',
    durationMs: 7_200_000,
    duration: '2h',
    comment: 'kernel update',
  });
  assert.equal((parseChatCommand('downtime web-1 1H30m') as { durationMs: number }).durationMs, 5_400_000);
  assert.deepEqual(parseChatCommand('status'), { kind: 'status' });
  assert.deepEqual(parseChatCommand('locate db-1'), { kind: 'locate', host: 'db-1' });
  assert.deepEqual(parseChatCommand('oncall'), { kind: 'oncall' });
  assert.deepEqual(parseChatCommand('oncall primary'), { kind: 'oncall', schedule: 'primary' });
  assert.deepEqual(parseChatCommand(''), { kind: 'help' });
  assert.deepEqual(parseChatCommand('help'), { kind: 'help' });
});

test('parse: malformed commands get one line with the usage', () => {
  const malformed = (line: string) => {
    const command = parseChatCommand(line);
    assert.equal(command.kind, 'malformed', line);
    const text = (command as { text: string }).text;
    assert.ok(!text.includes('\n'), text);
    return text;
  };
  assert.match(malformed('ack'), /^ack what\? — usage: ack <host\|host\/service> \[comment\]$/);
  assert.match(malformed('downtime web-1 soon'), /"soon" is not a duration .* usage: downtime <host/);
  assert.match(malformed('downtime web-1 2 kernel'), /"2" is not a duration/, 'a unit is required');
  assert.match(malformed('downtime web-1 0m'), /"0m" is not a duration/);
  assert.match(malformed('downtime web-1'), /downtime web-1 for how long\?/);
  assert.match(malformed('downtime'), /downtime for what\?/);
  assert.match(malformed('locate'), /locate which host\?/);
  assert.match(malformed('locate a b'), /locate takes one host/);
  assert.match(malformed('unack a b'), /unack takes one object/);
  assert.match(malformed('reboot web-1'), /unknown command "reboot" — try: ack, unack, downtime/);
  assert.match(malformed('constructor'), /unknown command "constructor"/);
  assert.match(malformed('__proto__ x'), /unknown command/);
});

test('parse never throws and always yields a known kind', () => {
  const kinds = new Set(['help', 'ack', 'unack', 'downtime', 'status', 'locate', 'oncall', 'malformed']);
  const verbs = fc.constantFrom('ack', 'unack', 'downtime', 'locate', 'oncall', 'status', 'help', 'x');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme' }),
        fc.tuple(verbs, fc.string()).map((p) => p.join(' ')),
      ),
      (line) => {
        const command = parseChatCommand(line);
        assert.ok(kinds.has(command.kind));
        if (command.kind === 'ack') assert.ok(command.object.length > 0 && !/\s/.test(command.object));
        if (command.kind === 'downtime') assert.ok(command.durationMs > 0);
      },
    ),
    { numRuns: 2000 },
  );
});

test('a slash command named after a verb carries the rest of the line', () => {
  assert.equal(chatCommandLine('/vigil', 'ack web-1 on it'), 'ack web-1 on it');
  assert.equal(chatCommandLine('/ack', 'web-1 on it'), 'ack web-1 on it');
  assert.equal(chatCommandLine('/ops', 'status'), 'status');
});

test('nearest name: case, containment, then few edits; nothing when nothing is close', () => {
  const names = ['web-1', 'web-1/http', 'web-2/http', 'db-1/mysql', 'tor-a1'];
  assert.equal(nearestName('WEB-1', names), 'web-1');
  assert.equal(nearestName('web1/http', names), 'web-1/http');
  assert.equal(nearestName('db-1/mysq', names), 'db-1/mysql');
  assert.equal(nearestName('mail-7', names), undefined);
  assert.equal(nearestName('', names), undefined);
});

test('ack: author is the chat user; unknown objects get a near match; OK objects are refused', async () => {
  const { ctx, acks } = context([state('web-1/http', 2), state('db-1/mysql', 0, 'OK')], 'carol');
  const done = await ask('ack web-1/http restarting it', ctx);
  assert.deepEqual(done, { text: 'web-1/http acknowledged by carol: restarting it', ok: true, toRoom: true });
  assert.equal(acks[0]?.author, 'carol');
  assert.equal(acks[0]?.comment, 'restarting it');
  assert.equal(acks[0]?.createdAt, T0, 'the injected clock');

  const unknown = await ask('ack web1/http', ctx);
  assert.equal(unknown.text, 'no host or service "web1/http" (did you mean web-1/http?)');
  assert.equal(unknown.ok, false);
  assert.equal(unknown.toRoom, false);
  assert.match(
    (await ask('ack db-1/mysql', ctx)).text,
    /db-1\/mysql is OK: there is no problem to acknowledge/,
  );
  assert.match((await ask('ack web-2/http', ctx)).text, /not checked yet/);
  assert.equal(acks.length, 1);

  assert.equal((await ask('unack web-1/http', ctx)).text, 'acknowledgement of web-1/http removed by carol');
  assert.equal((await ask('unack web-1/http', ctx)).text, 'web-1/http is not acknowledged');
  const nobody = context([state('web-1/http', 2)], '  ');
  assert.match((await ask('ack web-1/http', nobody.ctx)).text, /cannot tell who you are/);
  assert.equal(nobody.acks.length, 0);
});

test('downtime: a window from now for the duration, by the chat user', async () => {
  const { ctx, downtimes } = context([]);
  const reply = await ask('downtime web-1 2h kernel update', ctx);
  assert.equal(reply.ok, true, reply.text);
  assert.match(
    reply.text,
    /^downtime 1: web-1 \(and its services\) for 2h, until .*2026-03-16 12:00.*, by alice: kernel update$/,
  );
  assert.deepEqual(
    [downtimes[0]?.target, downtimes[0]?.startAt, downtimes[0]?.endAt, downtimes[0]?.author],
    [{ kind: 'host', name: 'web-1' }, T0, T0 + 7_200_000, 'alice'],
  );
  assert.match(
    (await ask('downtime web-9 1h', ctx)).text,
    /^no host or service "web-9" \(did you mean web-\d\?\)$/,
  );
  assert.match((await ask('downtime hostgroup:nope 1h', ctx)).text, /no host group "nope"/);
  assert.equal(downtimes.length, 1);
  assert.match(
    (await ask('downtime hostgroup:db 30m', ctx)).text,
    /^downtime 2: hostgroup:db for 30m, until /,
  );
  assert.deepEqual(downtimes[1]?.target, { kind: 'hostgroup', name: 'db' });
});

test('status: root causes one a line, what they explain counted, at most 15 lines', async () => {
  const states = [
    state('tor-a1', 1, 'PING CRITICAL - 100% packet loss'),
    state('web-1', 2),
    state('web-2', 2),
    state('web-1/http', 2),
    state('db-1/mysql', 1, 'slow queries'),
  ];
  const { ctx } = context(states);
  await ask('ack db-1/mysql looking', ctx);
  const reply = await ask('status', ctx);
  assert.equal(reply.toRoom, true);
  const lines = reply.text.split('\n');
  assert.match(
    lines[0] ?? '',
    /^tor-a1 DOWN — 2 hosts unreachable, 1 service affected — PING CRITICAL - 100% packet loss$/,
  );
  assert.equal(lines[1], 'db-1/mysql WARNING — slow queries [acked by alice]');
  assert.equal(lines.length, 2);

  assert.equal(
    (await ask('status', context([state('web-1', 0, 'OK')]).ctx)).text,
    'no problems (1 objects checked)',
  );

  const many = modelFromYaml(
    `hosts:\n${Array.from({ length: 30 }, (_, i) => `  - { name: h${String(i).padStart(2, '0')} }`).join('\n')}\n`,
  );
  const manyStates = [...many.hosts.keys()].map((id) => state(id, 1));
  const big = await answerChatCommand(
    { kind: 'status' },
    { ...ctx, model: many, problems: () => problemGroups(many, manyStates) },
  );
  const bigLines = big.text.split('\n');
  assert.equal(bigLines.length, STATUS_MAX_LINES);
  assert.equal(bigLines.at(-1), '(+16 more; vigil status lists all)');
});

test('locate: room, cabinet, rack unit, out-of-band; a service by its host; near matches', async () => {
  const { ctx } = context([]);
  assert.equal(
    (await ask('locate tor-a1', ctx)).text,
    'tor-a1: site fra1, room B2, cabinet 14, rack unit 42, out-of-band 10.9.0.1',
  );
  assert.equal((await ask('locate db-1/mysql', ctx)).text, 'db-1: room B3\nnotes: left of the door');
  assert.match((await ask('locate web-1', ctx)).text, /^web-1 \(10\.0\.1\.1\): location not recorded/);
  const unknown = await ask('locate tor-a2', ctx);
  assert.equal(unknown.text, 'no host "tor-a2" (did you mean tor-a1?)');
  assert.equal(unknown.ok, false);
});

test('oncall: now and next, from the injected clock', async () => {
  const { ctx } = context([]);
  // 2026-03-16 is the 16th day from the start: the 15th hand-off (09:00) went to bob.
  assert.equal(
    (await ask('oncall', ctx)).text,
    'primary: bob now (layer 1, until Tue 2026-03-17 09:00 UTC), then alice',
  );
  assert.match(
    (await ask('oncall primray', ctx)).text,
    /^no schedule "primray" \(did you mean primary\?\) — known: primary$/,
  );
  const none = { ...ctx, model: modelFromYaml('hosts: [{ name: a }]\n') };
  assert.match((await ask('oncall', none)).text, /no on-call schedules configured/);
});

test('help lists every command, to the asker only', async () => {
  const reply = await ask('help', context([]).ctx);
  assert.equal(reply.toRoom, false);
  for (const verb of ['ack', 'unack', 'downtime', 'status', 'locate', 'oncall'])
    assert.match(reply.text, new RegExp(`\\n  ${verb}\\b`));
});

test('config: settings.chatbot needs a secret of 16 characters or a secret_file, not both', () => {
  assert.throws(() => modelFromYaml('settings: { chatbot: { secret: short } }\n'), /at least 16 characters/);
  assert.throws(
    () => modelFromYaml('settings: { chatbot: { secret: "0123456789abcdef", secret_file: s } }\n'),
    /give secret or secret_file/,
  );
  assert.throws(() => modelFromYaml('settings: { chatbot: {} }\n'), /give secret or secret_file/);
  assert.deepEqual(
    modelFromYaml('settings: { chatbot: { secret: "0123456789abcdef" } }\n').settings.chatbot,
    {
      secret: '0123456789abcdef',
    },
  );
  assert.deepEqual(
    modelFromYaml('settings: { chatbot: { secret_file: s.txt } }\n', '/etc/vigil').settings.chatbot,
    {
      secretFile: '/etc/vigil/s.txt',
    },
  );
  assert.equal(model.settings.chatbot, undefined, 'off unless configured');
});
