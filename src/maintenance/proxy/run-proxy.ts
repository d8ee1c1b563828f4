import type { Logger } from 'pino';
import type { ProxyConfig } from './config.ts';
import { ControlServer, type ProxyControl, type ProxyStatusReply } from './control-server.ts';
import { GroupFollower } from './group-follower.ts';
import type { GroupState } from './group-state.ts';
import { renderMetrics } from './metrics.ts';
import type { PauseOrder } from './pause-gate.ts';
import { type PauseAsk, type ProxyStatus, RequestPausingProxy } from './proxy-server.ts';

/** A proxy as control sees it: one process, or all worker processes of one proxy. */
export interface PausableProxy {
  applyPause(order: PauseOrder & { epoch: number }): Promise<void>;
  resume(epoch: number): Promise<void>;
  status(): Promise<ProxyStatus>;
}

export function inProcess(proxy: RequestPausingProxy): PausableProxy {
  return {
    applyPause: async (order) => {
      proxy.applyPause(order);
    },
    resume: async (epoch) => {
      proxy.resume(epoch);
    },
    status: async () => proxy.status(),
  };
}

export function statusReply(proxyId: string, status: ProxyStatus, group?: string): ProxyStatusReply {
  const byClass = status.counters.responsesByClass;
  return {
    proxy: proxyId,
    paused: status.paused,
    reason: status.reason,
    since: status.since ? new Date(status.since).toISOString() : null,
    until: status.paused && status.until ? new Date(status.until).toISOString() : null,
    epoch: status.epoch,
    held_now: status.heldNow,
    longest_hold_ms: status.longestHoldMs,
    in_flight: status.inFlight,
    pauses_total: status.pausesTotal,
    auto_resumes_total: status.autoResumesTotal,
    responses_by_class: {
      '1xx': byClass[1] ?? 0,
      '2xx': byClass[2] ?? 0,
      '3xx': byClass[3] ?? 0,
      '4xx': byClass[4] ?? 0,
      '5xx': byClass[5] ?? 0,
    },
    refused: { ...status.counters.refused },
    upstream_failures: status.counters.upstreamFailures,
    upstreams: status.upstreams,
    ...(group ? { group } : {}),
  };
}

export function metricsText(status: ProxyStatus): string {
  return renderMetrics({
    counters: status.counters,
    paused: status.paused,
    heldNow: status.heldNow,
    longestHoldMs: status.longestHoldMs,
    pausesTotal: status.pausesTotal,
    autoResumesTotal: status.autoResumesTotal,
    upstreams: status.upstreams,
  });
}

const pauseOrder = (ask: PauseAsk, limits: ProxyConfig['pause'], epoch: number) => {
  const maxPauseMs = ask.maxPauseMs ?? limits.maxPauseMs;
  return {
    reason: ask.reason,
    maxHoldMs: ask.maxHoldMs ?? limits.maxHoldMs,
    maxPauseMs,
    until: Date.now() + maxPauseMs,
    epoch,
  };
};

/** Control of a proxy on its own: pause and resume act here only. */
export function localControl(
  proxy: PausableProxy,
  proxyId: string,
  limits: ProxyConfig['pause'],
): ProxyControl {
  const reply = async () => statusReply(proxyId, await proxy.status());
  return {
    pause: async (ask) => {
      const { epoch } = await proxy.status();
      await proxy.applyPause(pauseOrder(ask, limits, epoch + 1));
      return reply();
    },
    resume: async () => {
      const { epoch } = await proxy.status();
      await proxy.resume(epoch + 1);
      return reply();
    },
    status: reply,
    metrics: async () => metricsText(await proxy.status()),
  };
}

/**
 * Control of a proxy in a group: pause and resume change the group's shared state, so
 * every proxy of the group follows, whichever proxy the operator asked.
 */
export function groupControl(
  proxy: PausableProxy,
  follower: GroupFollower,
  limits: ProxyConfig['pause'],
  group: NonNullable<ProxyConfig['group']>,
): ProxyControl {
  const reply = async () => statusReply(group.proxyId, await proxy.status(), group.name);
  const publish = async (next: (epoch: number) => GroupState) => {
    const state = await follower.publish((current) => next((current?.epoch ?? 0) + 1));
    // Answer once this proxy has applied it, so the reply shows the new state.
    const deadline = Date.now() + 5_000;
    while ((await proxy.status()).epoch < state.epoch && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    return reply();
  };
  return {
    pause: (ask: PauseAsk) =>
      publish((epoch) => {
        const order = pauseOrder(ask, limits, epoch);
        return {
          paused: true,
          reason: order.reason,
          max_hold_ms: order.maxHoldMs,
          max_pause_ms: order.maxPauseMs,
          until: order.until,
          epoch,
        };
      }),
    resume: () =>
      publish((epoch) => ({ paused: false, reason: '', max_hold_ms: 0, max_pause_ms: 0, until: 0, epoch })),
    status: reply,
    metrics: async () => metricsText(await proxy.status()),
  };
}

export interface ProxyControlPlane {
  controlAddress: { host: string; port: number };
  stop(): Promise<void>;
}

/** Starts the control endpoint and (with a group) the NATS follower for a proxy. */
export async function startControlPlane(
  config: ProxyConfig,
  proxy: PausableProxy,
  log: Logger,
): Promise<ProxyControlPlane> {
  let follower: GroupFollower | undefined;
  let control: ProxyControl;
  if (config.group) {
    follower = new GroupFollower(
      config.group,
      {
        applyPause: (order) => proxy.applyPause(order),
        resume: (epoch) => proxy.resume(epoch),
        report: async () => {
          const s = await proxy.status();
          return { paused: s.paused, epoch: s.epoch, held: s.heldNow, unanswered: s.inFlight - s.heldNow };
        },
      },
      log,
    );
    await follower.start();
    control = groupControl(proxy, follower, config.pause, config.group);
  } else {
    control = localControl(proxy, `${config.listen.host}:${config.listen.port}`, config.pause);
  }
  if (!config.control.secret)
    log.warn(
      'no control secret: the control endpoint refuses every call (set control.secret or VIGIL_PROXY_SECRET)',
    );
  const controlServer = new ControlServer(control, config.control.secret, (error) =>
    log.error({ error: error.message }, 'control request failed'),
  );
  const controlAddress = await controlServer.listen(config.control.host, config.control.port);
  return {
    controlAddress,
    stop: async () => {
      await controlServer.close();
      await follower?.stop();
    },
  };
}

export interface RunningProxy {
  proxy: RequestPausingProxy;
  address: { host: string; port: number };
  controlAddress: { host: string; port: number };
  stop(): Promise<void>;
}

/** One proxy in this process: the proxy, its control endpoint, its group follower. */
export async function runProxy(config: ProxyConfig, log: Logger): Promise<RunningProxy> {
  const proxy = new RequestPausingProxy(config, log);
  const address = await proxy.listen();
  let plane: ProxyControlPlane;
  try {
    // The bound address names this proxy in its status (`--listen 127.0.0.1:0` included).
    plane = await startControlPlane({ ...config, listen: address }, inProcess(proxy), log);
  } catch (error) {
    await proxy.close();
    throw error;
  }
  log.info({ listen: address, control: plane.controlAddress, upstreams: config.upstreams }, 'proxy ready');
  return {
    proxy,
    address,
    controlAddress: plane.controlAddress,
    stop: async () => {
      await proxy.close();
      await plane.stop();
    },
  };
}
