import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { ProxyConfig } from './config.ts';
import { addCounters, emptyCounters } from './metrics.ts';
import type { PauseOrder } from './pause-gate.ts';
import { type ProxyStatus, RequestPausingProxy } from './proxy-server.ts';
import { type PausableProxy, runProxy, startControlPlane } from './run-proxy.ts';

// `workers: N` runs the proxy in N processes sharing the listening port (node:cluster), the
// way nginx runs worker processes. The primary owns the control endpoint and the group
// follower and hands every pause/resume to all workers; it answers once all have applied it.

type ToWorker =
  | { vigil: 'pause'; id: number; order: PauseOrder & { epoch: number } }
  | { vigil: 'resume'; id: number; epoch: number }
  | { vigil: 'status'; id: number }
  | { vigil: 'shutdown' };
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
type FromWorker = { vigil: 'status'; id: number; status: ProxyStatus } | { vigil: 'ready' };

/** Runs the proxy until SIGTERM/SIGINT, in this process or in `config.workers` processes. */
export async function runProxyWorkers(config: ProxyConfig, log: Logger): Promise<void> {
  if (cluster.isWorker) return runWorker(config, log.child({ worker: cluster.worker?.id }));
  if (config.workers === 1) {
    const running = await runProxy(config, log);
    onShutdownSignal(log, () => running.stop());
    return;
  }
  await runPrimary(config, log);
}

function onShutdownSignal(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.warn({ signal }, 'shutting down: no new connections; finishing in-flight and held requests');
    stop().then(
      () => process.exit(0),
      (error: Error) => {
        log.error({ error: error.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

async function runWorker(config: ProxyConfig, log: Logger): Promise<void> {
  // The held-request limit is the proxy's, shared out among its workers.
  const share = {
    ...config,
    pause: { ...config.pause, maxHeld: Math.ceil(config.pause.maxHeld / config.workers) },
  };
  const proxy = new RequestPausingProxy(share, log);
  const send = (message: FromWorker) => process.send?.(message);
  process.on('message', (message: ToWorker) => {
    if (message.vigil === 'pause') proxy.applyPause(message.order);
    else if (message.vigil === 'resume') proxy.resume(message.epoch);
    else if (message.vigil === 'shutdown') return void proxy.close().then(() => process.exit(0));
    if ('id' in message) send({ vigil: 'status', id: message.id, status: proxy.status() });
  });
  onShutdownSignal(log, () => proxy.close());
  await proxy.listen();
  send({ vigil: 'ready' });
}

async function runPrimary(config: ProxyConfig, log: Logger): Promise<void> {
  const waiting = new Map<
    number,
    { left: number; statuses: ProxyStatus[]; done: (s: ProxyStatus[]) => void }
  >();
  let nextId = 1;
  let stopping = false;
  const workers: Worker[] = [];
  const onMessage = (message: FromWorker) => {
    if (message.vigil !== 'status') return;
    const call = waiting.get(message.id);
    if (!call) return;
    call.statuses.push(message.status);
    if (--call.left === 0) {
      waiting.delete(message.id);
      call.done(call.statuses);
    }
  };
  const ask = (message: WithoutId<Extract<ToWorker, { id: number }>>): Promise<ProxyStatus[]> => {
    const live = workers.filter((w) => w.isConnected());
    if (live.length === 0) return Promise.resolve([]);
    const id = nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const partial = waiting.get(id)?.statuses ?? [];
        waiting.delete(id);
        resolve(partial);
      }, 5_000);
      waiting.set(id, {
        left: live.length,
        statuses: [],
        done: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
      });
      for (const worker of live) worker.send({ ...message, id } as ToWorker);
    });
  };
  // The last order, so a worker that is restarted after a crash joins the current pause.
  let lastOrder: ToWorker | undefined;
  const fork = () =>
    new Promise<void>((resolve, reject) => {
      const worker = cluster.fork();
      workers.push(worker);
      worker.on('message', (message: FromWorker) => {
        if (message.vigil === 'ready') {
          if (lastOrder) worker.send({ ...lastOrder, id: 0 });
          resolve();
        } else onMessage(message);
      });
      worker.once('exit', (code) => {
        workers.splice(workers.indexOf(worker), 1);
        if (stopping) return;
        log.error({ worker: worker.id, code }, 'proxy worker died: starting another');
        reject(new Error(`worker exited with code ${code} before it was ready`));
        void fork().catch(() => {});
      });
    });
  await Promise.all(Array.from({ length: config.workers }, fork));

  const proxy: PausableProxy = {
    applyPause: async (order) => {
      lastOrder = { vigil: 'pause', id: 0, order };
      await ask({ vigil: 'pause', order });
    },
    resume: async (epoch) => {
      lastOrder = { vigil: 'resume', id: 0, epoch };
      await ask({ vigil: 'resume', epoch });
    },
    status: async () => combine(await ask({ vigil: 'status' })),
  };
  const plane = await startControlPlane(config, proxy, log);
  log.info(
    {
      listen: config.listen,
      control: plane.controlAddress,
      upstreams: config.upstreams,
      workers: config.workers,
    },
    'proxy ready',
  );
  onShutdownSignal(log, async () => {
    stopping = true;
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.send({ vigil: 'shutdown' } satisfies ToWorker);
          }),
      ),
    );
    await plane.stop();
  });
}

/** One status for the whole proxy: sums, the longest hold, and the epoch every worker has reached. */
function combine(statuses: ProxyStatus[]): ProxyStatus {
  const first = statuses[0];
  if (!first) throw new Error('no proxy worker is running');
  const counters = statuses.reduce((sum, s) => addCounters(sum, s.counters), emptyCounters());
  return {
    ...first,
    paused: statuses.every((s) => s.paused),
    epoch: Math.min(...statuses.map((s) => s.epoch)),
    heldNow: statuses.reduce((n, s) => n + s.heldNow, 0),
    longestHoldMs: Math.max(...statuses.map((s) => s.longestHoldMs)),
    inFlight: statuses.reduce((n, s) => n + s.inFlight, 0),
    pausesTotal: Math.max(...statuses.map((s) => s.pausesTotal)),
    autoResumesTotal: Math.max(...statuses.map((s) => s.autoResumesTotal)),
    counters,
    upstreams: first.upstreams.map((u, i) => ({
      ...u,
      healthy: statuses.some((s) => s.upstreams[i]?.healthy),
    })),
  };
}
