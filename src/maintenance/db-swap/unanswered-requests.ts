// How many requests the proxies let through before the pause are still at the app, read from
// each proxy's control endpoint, and the wait for them to be answered: a request that was
// already forwarded when the proxies paused would otherwise meet a read-only primary and fail.
import { callControl } from '../proxy/http-switch.ts';
import type { ProxySwitch } from '../proxy-switch.ts';

/**
 * `proxySwitch` (for the same control endpoints) with `unanswered` from their status:
 * `in_flight` counts held requests too, so those are taken off.
 */
export function withUnansweredFromControls(
  proxySwitch: ProxySwitch,
  controls: readonly string[],
  secret: string,
): ProxySwitch {
  if (proxySwitch.unanswered) return proxySwitch;
  return {
    pause: (request) => proxySwitch.pause(request),
    resume: () => proxySwitch.resume(),
    close: () => proxySwitch.close(),
    unanswered: async () => {
      const replies = await Promise.all(
        controls.map((control) => callControl(control, secret, 'GET', '/status', undefined, 5_000)),
      );
      return replies.reduce((sum, reply) => sum + Math.max(0, reply.in_flight - reply.held_now), 0);
    },
  };
}

export interface AnsweredWait {
  /** Unanswered when the wait began, and when it ended (0 unless the time ran out). */
  atStart: number;
  left: number;
  ms: number;
}

/** Polls until no request is left at the app, or `timeoutMs` has passed. */
export async function waitUntilAnswered(
  unanswered: () => Promise<number>,
  timeoutMs: number,
  io: { clock: () => number; sleep: (ms: number) => Promise<void> },
): Promise<AnsweredWait> {
  const startedAt = io.clock();
  const atStart = await unanswered();
  let left = atStart;
  while (left > 0 && io.clock() - startedAt < timeoutMs) {
    await io.sleep(10);
    left = await unanswered();
  }
  return { atStart, left, ms: io.clock() - startedAt };
}
