// Alerting benchmark: root-cause problem events through the real alert pipeline (routing,
// the durable outbox in SQLite) and the delivery worker to a local webhook receiver.
//
//   npm run bench -- alerting [--events 10000] [--rate 200] [--outage 3]
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { type Alert, alertFromProblem } from '../src/alerting/alert.ts';
import { channelKinds } from '../src/alerting/channels/index.ts';
import { DeliveryWorker } from '../src/alerting/delivery.ts';
import { Escalator } from '../src/alerting/escalation.ts';
import { buildAlertPipeline } from '../src/alerting/index.ts';
import { loadConfig } from '../src/config/load.ts';
import { openStore } from '../src/store/index.ts';
import type { ProblemEvent } from '../src/topology/problem-tracker.ts';

// The receiver appends every delivery id it accepts to a file before it answers, so what it
// saw survives it being killed for the outage phase.
const RECEIVER = `
const http = require('node:http');
const fs = require('node:fs');
const [port, log] = process.argv.slice(2);
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    fs.appendFileSync(log, req.headers['x-vigil-delivery'] + ' ' + Date.now() + '\\n');
    res.end('ok');
  });
}).listen(Number(port), '127.0.0.1', () => process.send('up'));
`;

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string', default: '10000' },
      rate: { type: 'string', default: '200' },
      outage: { type: 'string', default: '3' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write('npm run bench -- alerting [--events N] [--rate PER_S] [--outage S]\n');
    return;
  }
  if (!channelKinds.has('webhook')) throw new Error('the webhook channel is not registered');
  const events = Number(values.events);
  const rate = Number(values.rate);
  const outageS = Number(values.outage);
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-alerting-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const receiverScript = path.join(dir, 'receiver.cjs');
  await writeFile(receiverScript, RECEIVER);
  await writeFile(
    path.join(dir, 'vigil.yml'),
    `settings: { listen: "" }
channels:
  hook: { kind: webhook, url: "http://127.0.0.1:${port}/hook" }
routes:
  - { name: everything, chat: [hook], group_wait: 0s }
hosts:
  - name: h
    services: [{ name: s, check: { kind: dummy } }]
`,
  );
  const loaded = await loadConfig(path.join(dir, 'vigil.yml'));
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  const model = loaded.model;
  const store = await openStore({ ...model.settings.store, path: path.join(dir, 'vigil.db') });
  await store.migrate();
  const log = pino({ level: 'error' });
  const delivery = new DeliveryWorker({
    outbox: store.outbox,
    channels: channelKinds,
    receivers: () => model.receivers,
    log,
  });
  const escalator = new Escalator({
    store: store.escalations,
    model: () => model,
    clock: Date.now,
    isAcknowledged: () => false,
    isInDowntime: () => false,
    emit: (alerts) => alerts,
  });
  const pipeline = buildAlertPipeline(model, store.outbox, Date.now, () => delivery.wake(), escalator);
  const receivedLog = path.join(dir, 'received.log');
  await writeFile(receivedLog, '');
  let receiver = await startReceiver(receiverScript, port, receivedLog);
  delivery.start();

  let sequence = 0;
  const sentAt = new Map<string, number>();
  const alertsFor = (count: number): Alert[] =>
    Array.from({ length: count }, () => {
      sequence += 1;
      const at = Date.now() * 1000 + sequence; // unique per alert
      const event: ProblemEvent = {
        kind: 'opened',
        objectId: 'h/s',
        at,
        state: 2,
        flapping: false,
        affected: [],
        degraded: [],
      };
      const alert = alertFromProblem(model, event, undefined);
      sentAt.set(`h/s@${at}:problem:hook`, Date.now());
      return alert;
    });

  // Phase 1: throughput of the pipeline (route + durable enqueue), in batches as the engine commits them.
  const started = performance.now();
  for (let done = 0; done < events; done += 500) await pipeline(alertsFor(Math.min(500, events - done)));
  const pipelineS = (performance.now() - started) / 1000;
  progress(`${events} events through the pipeline in ${pipelineS.toFixed(2)} s`);
  await waitDelivered(store, 120_000);
  const drainS = (performance.now() - started) / 1000;
  progress(
    `all delivered after ${drainS.toFixed(1)} s (${Math.round(events / drainS)}/s to one receiver, in order)`,
  );

  // Phase 2: latency from problem event to webhook received, at a steady rate.
  const latencyIds: string[] = [];
  const phaseStart = Date.now();
  while (Date.now() - phaseStart < 5_000) {
    const [alert] = alertsFor(1);
    latencyIds.push(`h/s@${(alert as Alert).at}:problem:hook`);
    await pipeline([alert as Alert]);
    await sleep(1000 / rate);
  }
  await waitDelivered(store, 30_000);

  // Phase 3: the receiver is down for a while; everything arrives afterwards, once.
  receiver.kill('SIGKILL');
  await new Promise((resolve) => receiver.once('exit', resolve));
  const duringOutage = Math.round(rate * outageS);
  const outageStart = Date.now();
  for (let i = 0; i < duringOutage; i++) {
    await pipeline(alertsFor(1));
    await sleep(Math.max(0, outageStart + ((i + 1) * outageS * 1000) / duringOutage - Date.now()));
  }
  receiver = await startReceiver(receiverScript, port, receivedLog);
  progress(`receiver back after ${outageS} s down; ${duringOutage} notifications waiting`);
  await waitDelivered(store, 120_000);
  await delivery.stop();
  receiver.kill();
  await store.close();
  const received = new Map<string, number>();
  let duplicates = 0;
  for (const line of (await readFile(receivedLog, 'utf8')).split('\n')) {
    const [id, at] = line.split(' ');
    if (!id || !at) continue;
    if (received.has(id)) duplicates += 1;
    else received.set(id, Number(at));
  }
  await rm(dir, { recursive: true, force: true });

  const latencies = latencyIds
    .map((id) => (received.get(id) ?? Number.NaN) - (sentAt.get(id) ?? 0))
    .filter((v) => !Number.isNaN(v))
    .sort((a, b) => a - b);
  const lost = [...sentAt.keys()].filter((id) => !received.has(id)).length;
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? Number.NaN;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'alerting',
      events: sentAt.size,
      events_per_s: Math.round(events / pipelineS),
      deliveries_per_s: Math.round(events / drainS),
      delivery_p50_ms: pct(0.5),
      delivery_p99_ms: pct(0.99),
      outage_s: outageS,
      lost,
      duplicates,
    })}\n`,
  );
}

async function startReceiver(script: string, port: number, log: string): Promise<ChildProcess> {
  const child = fork(script, [String(port), log], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`receiver exited (${code})`)));
  });
  return child;
}

async function waitDelivered(store: Awaited<ReturnType<typeof openStore>>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await store.outbox.pending(1)).length > 0) {
    if (Date.now() > deadline) throw new Error('alerting bench: notifications still pending');
    await sleep(50);
  }
}

function progress(text: string): void {
  process.stderr.write(`[alerting bench] ${text}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
