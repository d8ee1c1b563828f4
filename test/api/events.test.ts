import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { eventually } from '../helpers/model.ts';
import { type ApiHarness, post, startHarness } from './harness.ts';

// The live event stream over a real HTTP connection while checks fail and recover.

const CONFIG = `
templates:
  idle: { interval: 1h, retry_interval: 1h, max_attempts: 2 }
hosts:
  - name: db-1
    use: idle
    services:
      - { name: mysql, use: idle, check: { kind: dummy } }
      - { name: redis, use: idle, check: { kind: dummy } }
`;

let api: ApiHarness;
before(async () => {
  api = await startHarness(CONFIG);
});
after(() => api.stop());

interface Received {
  id: number;
  event: string;
  data: Record<string, unknown>;
}

/** Reads an SSE stream into parsed events until aborted. */
async function openStream(query = '') {
  const controller = new AbortController();
  const response = await api.fetch(`/api/v1/events${query}`, { signal: controller.signal });
  const events: Received[] = [];
  let raw = '';
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        raw += decoder.decode(chunk, { stream: true });
        let end = raw.indexOf('\n\n');
        while (end >= 0) {
          const block = raw.slice(0, end);
          raw = raw.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((line) => !line.startsWith(':'))
              .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
          );
          if (fields.event)
            events.push({
              id: Number(fields.id),
              event: fields.event,
              data: JSON.parse(fields.data ?? '{}'),
            });
          end = raw.indexOf('\n\n');
        }
      }
    } catch {
      // aborted or ended
    }
    return 'ended';
  })();
  return { response, events, reading, close: () => controller.abort() };
}

test('a client sees soft and hard state changes and the problem opening and resolving, in id order', async () => {
  const stream = await openStream();
  assert.equal(stream.response.status, 200);
  assert.match(stream.response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const fail = { object: 'db-1/mysql', status: 'CRITICAL', output: 'replica stopped' };
  assert.equal((await api.json('/api/v1/results', post(fail))).status, 202);
  assert.equal((await api.json('/api/v1/results', post(fail))).status, 202);
  assert.ok(
    await eventually(
      () => stream.events.some((e) => e.event === 'problem' && e.data.kind === 'opened'),
      5_000,
    ),
    JSON.stringify(stream.events),
  );
  assert.equal((await api.json('/api/v1/results', post({ object: 'db-1/mysql', status: 0 }))).status, 202);
  assert.ok(
    await eventually(
      () => stream.events.some((e) => e.event === 'problem' && e.data.kind === 'resolved'),
      5_000,
    ),
  );
  const states = stream.events.filter((e) => e.event === 'state').map((e) => [e.data.kind, e.data.state]);
  assert.deepEqual(states, [
    ['soft-change', 'CRITICAL'],
    ['hard-change', 'CRITICAL'],
    ['recovery', 'OK'],
  ]);
  const opened = stream.events.find((e) => e.event === 'problem');
  assert.equal(opened?.data.object, 'db-1/mysql');
  assert.match(String(opened?.data.title), /db-1\/mysql CRITICAL/);
  const ids = stream.events.map((e) => e.id);
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
  );
  assert.equal(new Set(ids).size, ids.length);
  stream.close();
  await stream.reading;
});

test('?types= filters the stream; an unknown type is refused', async () => {
  const stream = await openStream('?types=problem');
  // Another service: the first test's quick changes may have left db-1/mysql flapping.
  await api.json(
    '/api/v1/results',
    post([
      { object: 'db-1/redis', status: 2 },
      { object: 'db-1/redis', status: 2 },
    ]),
  );
  assert.ok(await eventually(() => stream.events.length > 0, 5_000));
  await api.json('/api/v1/results', post({ object: 'db-1/redis', status: 0 }));
  assert.ok(await eventually(() => stream.events.length >= 2, 5_000));
  assert.deepEqual(
    stream.events.map((e) => e.event),
    ['problem', 'problem'],
  );
  stream.close();
  await stream.reading;
  const refused = await api.json<{ error: string }>('/api/v1/events?types=problem,gossip');
  assert.equal(refused.status, 400);
  assert.match(refused.body.error, /"gossip" is not an event type/);
});

test('a client that stops reading is disconnected instead of buffering without bound', async () => {
  const before = api.daemon.events.subscriberCount;
  const token = await api.token('viewer');
  const socket = net.connect(Number(new URL(api.base).port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
  socket.pause();
  assert.ok(await eventually(() => api.daemon.events.subscriberCount === before + 1, 5_000));
  const rss = process.memoryUsage().rss;
  const output = 'x'.repeat(10_000);
  // About 40 MB of events: far more than the socket buffers and the per-client limit hold.
  for (let i = 0; i < 4000 && api.daemon.events.subscriberCount > before; i++) {
    api.daemon.events.publish('downtime', { action: 'scheduled', id: i, title: output, at: '' });
    if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(
    await eventually(() => api.daemon.events.subscriberCount === before, 5_000),
    'the slow client was dropped',
  );
  assert.ok(process.memoryUsage().rss - rss < 30_000_000, 'memory did not grow with the backlog');
  const metrics = await (await api.fetch('/metrics')).text();
  assert.match(metrics, /^vigil_event_stream_slow_disconnects_total [1-9]/m);
  socket.destroy();
});

test('the stream ends cleanly when the daemon stops', async () => {
  const stream = await openStream();
  assert.equal(stream.response.status, 200);
  await api.stop();
  assert.equal(await stream.reading, 'ended');
});
