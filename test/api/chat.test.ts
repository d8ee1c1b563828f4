import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { adminHeaders } from '../helpers/api-auth.ts';
import { freePort, startVigil, vigil } from '../helpers/cli.ts';
import { eventually, tempDir } from '../helpers/model.ts';

// The chat bot against a real daemon: Slack-signed slash commands and the generic JSON form.

const SECRET = 'chat-bot-secret-0123456789';

function config(port: number, chatbot: string): string {
  return `
settings:
  listen: 127.0.0.1:${port}
${chatbot ? `  chatbot: ${chatbot}` : ''}
templates:
  quick: { interval: 100ms, retry_interval: 100ms, max_attempts: 1 }
hosts:
  - name: tor-a1
    use: quick
    check: { kind: dummy, state: CRITICAL, output: "switch dead" }
    location: { room: B2, cabinet: 14, rack_unit: 42, oob: 10.9.0.1 }
  - name: web-1
    use: quick
    parents: [tor-a1]
    check: { kind: dummy, state: CRITICAL }
    services: [{ name: http, use: quick, check: { kind: dummy, state: CRITICAL } }]
  - name: db-1
    use: quick
    services: [{ name: mysql, use: quick, check: { kind: dummy, state: CRITICAL, output: "replica stopped" } }]
schedules:
  primary:
    time_zone: UTC
    layers:
      - { participants: [alice, bob], rotation: daily, hand_off: "09:00", start: 2026-03-01 }
`;
}

let port = 0;
let file = '';
let daemon: ReturnType<typeof startVigil> | undefined;
/** The daemon's local CLI token (an admin): the API's own routes need a signed-in caller. */
let headers: Record<string, string> = {};
const url = (p: string) => `http://127.0.0.1:${port}${p}`;

before(async () => {
  const dir = await tempDir();
  file = path.join(dir, 'vigil.yml');
  port = await freePort();
  await writeFile(file, config(port, ''));
  daemon = startVigil(['run', '-c', file]);
  const started = daemon;
  headers = await adminHeaders(dir);
  const ready = await eventually(async () => {
    const response = await fetch(url('/api/v1/problems'), { headers }).catch(() => undefined);
    const body = (await response?.json()) as { problems?: { affected: unknown[] }[] } | undefined;
    return body?.problems?.length === 2 && body.problems[0]?.affected.length === 2;
  }, 15_000);
  assert.ok(ready, started.output());
});

after(async () => {
  if (!daemon) return;
  daemon.child.kill('SIGTERM');
  await new Promise((resolve) => daemon?.child.once('close', resolve));
});

function slackBody(text: string, user = 'alice', command = '/vigil'): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: 'T0001',
    channel_name: 'ops',
    user_id: 'U2147483697',
    user_name: user,
    command,
    text,
    response_url: 'https://hooks.slack.invalid/commands/1234/5678',
    // Unique per invocation, as Slack's: two commands alike in one second are not a replay.
    trigger_id: randomUUID(),
  }).toString();
}

function sign(body: string, timestamp: number, secret = SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

function slack(body: string, headers: Record<string, string>) {
  return fetch(url('/api/v1/chat/slack'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
}

function signedSlack(text: string, user = 'alice', command = '/vigil') {
  const body = slackBody(text, user, command);
  const timestamp = Math.floor(Date.now() / 1000);
  return slack(body, {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': sign(body, timestamp),
  });
}

function chat(body: unknown, token: string | null = SECRET) {
  return fetch(url('/api/v1/chat'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function say(text: string, user = 'bob'): Promise<{ text: string; ok: boolean }> {
  const response = await chat({ user, text });
  assert.equal(response.status, 200);
  return (await response.json()) as { text: string; ok: boolean };
}

async function acknowledged(): Promise<string[]> {
  const body = (await (await fetch(url('/api/v1/problems'), { headers })).json()) as {
    problems: { cause: { object: string; acknowledged?: { author: string } } }[];
  };
  return body.problems
    .filter((p) => p.cause.acknowledged)
    .map((p) => `${p.cause.object} ${p.cause.acknowledged?.author}`);
}

async function downtimes(): Promise<unknown[]> {
  return (
    (await (await fetch(url('/api/v1/downtimes?all=true'), { headers })).json()) as { downtimes: unknown[] }
  ).downtimes;
}

test('without settings.chatbot the endpoints are off; a reload that adds a secret_file turns them on', async () => {
  const off = await signedSlack('status');
  assert.equal(off.status, 404);
  assert.match(((await off.json()) as { error: string }).error, /chat bot is off/);
  assert.equal((await chat({ user: 'bob', text: 'status' })).status, 404);

  // The secret from a file beside the config (its trailing newline is not part of it).
  await writeFile(path.join(path.dirname(file), 'chat-secret'), `${SECRET}\n`);
  await writeFile(file, config(port, '{ secret_file: chat-secret }'));
  const reload = await fetch(url('/api/v1/reload'), { method: 'POST', headers });
  assert.equal(reload.status, 200, await reload.text());
  assert.equal((await chat({ user: 'bob', text: 'status' })).status, 200);
});

test('Slack: forged, stale and replayed requests are refused and change nothing', async () => {
  const body = slackBody('ack db-1/mysql forged');
  const now = Math.floor(Date.now() / 1000);
  const refused = async (headers: Record<string, string>, what: string) => {
    const response = await slack(body, headers);
    assert.equal(response.status, 401, what);
    return ((await response.json()) as { error: string }).error;
  };
  assert.match(
    await refused(
      {
        'x-slack-request-timestamp': String(now),
        'x-slack-signature': sign(body, now, 'another-secret-0123456'),
      },
      'wrong secret',
    ),
    /X-Slack-Signature does not match/,
  );
  assert.match(await refused({ 'x-slack-request-timestamp': String(now) }, 'no signature'), /does not match/);
  // Signed for another body: the signature covers every byte.
  assert.match(
    await refused(
      { 'x-slack-request-timestamp': String(now), 'x-slack-signature': sign(slackBody('status'), now) },
      'other body',
    ),
    /does not match/,
  );
  const stale = now - 6 * 60;
  assert.match(
    await refused(
      { 'x-slack-request-timestamp': String(stale), 'x-slack-signature': sign(body, stale) },
      'stale',
    ),
    /more than 5 minutes off/,
  );
  assert.match(
    await refused({ 'x-slack-signature': sign(body, now) }, 'no timestamp'),
    /X-Slack-Request-Timestamp/,
  );
  assert.deepEqual(await acknowledged(), [], 'nothing was acknowledged');

  // A correctly signed request works once; the same request again is a replay.
  const status = slackBody('status');
  const headers = { 'x-slack-request-timestamp': String(now), 'x-slack-signature': sign(status, now) };
  assert.equal((await slack(status, headers)).status, 200);
  const replayed = await slack(status, headers);
  assert.equal(replayed.status, 401);
  assert.match(await replayed.text(), /already received/);
});

test('Slack: a signed ack acknowledges the problem at once, visible in the API and vigil status', async () => {
  const response = await signedSlack('ack db-1/mysql replica rebuild under way', 'alice');
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {
    response_type: 'in_channel',
    text: 'db-1/mysql acknowledged by alice: replica rebuild under way',
  });
  // Read back by the daemon before the answer: no waiting for the 5-second refresh.
  assert.deepEqual(await acknowledged(), ['db-1/mysql alice']);
  const status = await vigil(['status', '-c', file]);
  assert.match(status.stdout, /db-1\/mysql\s+CRITICAL \[acked by alice\]/);

  // A slash command named after the verb; errors go to the asker only.
  const unknown = (await (await signedSlack('web1/http', 'alice', '/ack')).json()) as Record<string, string>;
  assert.deepEqual(unknown, {
    response_type: 'ephemeral',
    text: 'no host or service "web1/http" (did you mean web-1/http?)',
  });
  const unack = (await (await signedSlack('unack db-1/mysql', 'alice')).json()) as Record<string, string>;
  assert.equal(unack.text, 'acknowledgement of db-1/mysql removed by alice');
  assert.deepEqual(await acknowledged(), []);
});

test('generic JSON: bearer token required; ack, downtime, status, locate, oncall, help', async () => {
  for (const token of [null, 'wrong-token-wrong-token', `${SECRET}x`]) {
    const response = await chat({ user: 'mallory', text: 'ack tor-a1 pwned' }, token);
    assert.equal(response.status, 401, String(token));
    assert.equal(response.headers.get('www-authenticate'), 'Bearer');
  }
  const basic = await fetch(url('/api/v1/chat'), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`x:${SECRET}`).toString('base64')}`,
    },
    body: JSON.stringify({ user: 'mallory', text: 'ack tor-a1' }),
  });
  assert.equal(basic.status, 401);
  assert.deepEqual(await acknowledged(), []);

  assert.deepEqual(await say('ack tor-a1 power supply swap'), {
    text: 'tor-a1 acknowledged by bob: power supply swap',
    ok: true,
  });
  assert.deepEqual(await acknowledged(), ['tor-a1 bob']);

  const downtime = await say('downtime web-1 2h kernel update');
  assert.equal(downtime.ok, true, downtime.text);
  assert.match(
    downtime.text,
    /^downtime 1: web-1 \(and its services\) for 2h, until .+, by bob: kernel update$/,
  );
  const windows = (await downtimes()) as { target: { name: string }; author: string; inForce: unknown }[];
  assert.equal(windows.length, 1);
  assert.equal(windows[0]?.target.name, 'web-1');
  assert.equal(windows[0]?.author, 'bob');
  assert.ok(windows[0]?.inForce, 'in force now');

  const status = await say('status');
  const lines = status.text.split('\n');
  assert.match(
    lines[0] ?? '',
    /^tor-a1 DOWN — 1 host unreachable, 1 service affected — switch dead \[acked by bob\]$/,
  );
  assert.match(lines[1] ?? '', /^db-1\/mysql CRITICAL — replica stopped$/);

  assert.equal(
    (await say('locate tor-a1')).text,
    'tor-a1: room B2, cabinet 14, rack unit 42, out-of-band 10.9.0.1',
  );
  assert.match(
    (await say('oncall')).text,
    /^primary: (alice|bob) now \(layer 1, until \w{3} \d{4}-\d\d-\d\d 09:00 UTC\), then (alice|bob)$/,
  );
  assert.match((await say('help')).text, /^vigil commands:\n {2}ack <host\|host\/service> \[comment\]/);
});

test('malformed input gets a usage line, 400 or 413; the daemon stays healthy', async () => {
  assert.deepEqual(await say('ack'), {
    text: 'ack what? — usage: ack <host|host/service> [comment]',
    ok: false,
  });
  const soon = await say('downtime web-1 soon');
  assert.equal(soon.ok, false);
  assert.match(soon.text, /"soon" is not a duration \(e\.g\. 30m, 2h, 1d\) — usage: downtime/);
  assert.match((await say('')).text, /^vigil commands:/);
  assert.match((await say('reboot everything')).text, /^unknown command "reboot"/);
  assert.equal((await downtimes()).length, 1, 'no window from the bad commands');

  const missingUser = await chat({ text: 'status' });
  assert.equal(missingUser.status, 400);
  assert.match(((await missingUser.json()) as { message: string }).message, /required property 'user'/);
  assert.equal((await chat('{"user": "bob", "text": ')).status, 400);

  const huge = 'x'.repeat(1024 * 1024);
  assert.equal((await chat({ user: 'bob', text: huge })).status, 413);
  assert.equal((await chat({ user: 'bob', text: huge }, 'wrong-token-wrong-token')).status, 401);
  const hugeForm = slackBody(huge);
  const now = Math.floor(Date.now() / 1000);
  const tooLarge = await slack(hugeForm, {
    'x-slack-request-timestamp': String(now),
    'x-slack-signature': sign(hugeForm, now),
  });
  assert.equal(tooLarge.status, 413);
  const json = await fetch(url('/api/v1/chat/slack'), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(now),
      'x-slack-signature': 'v0=00',
    },
    body: '{"text": "status"}',
  });
  assert.equal(json.status, 415);

  assert.equal((await fetch(url('/health'))).status, 200);
  assert.equal((await say('status')).ok, true);
});
