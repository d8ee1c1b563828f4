import type { PauseRequest, ProxyReport, ProxySwitch } from '../proxy-switch.ts';
import type { ProxyStatusReply } from './control-server.ts';

export interface HttpSwitchOptions {
  /** Control endpoints: http://10.0.0.5:8471 */
  controls: string[];
  secret: string;
  timeoutMs?: number;
}

/** Calls one control endpoint; errors name the endpoint and what it said. */
export async function callControl(
  control: string,
  secret: string,
  method: 'GET' | 'POST',
  path: string,
  body?: object,
  timeoutMs = 10_000,
): Promise<ProxyStatusReply> {
  const url = new URL(path, control.endsWith('/') ? control : `${control}/`);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${secret}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    throw new Error(`${control}: ${cause?.message ?? (error as Error).message}`);
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${control}: answered ${response.status} with something that is not JSON`);
  }
  if (!response.ok)
    throw new Error(`${control}: ${response.status} ${(json as { error?: string }).error ?? text}`);
  return json as ProxyStatusReply;
}

/** Pauses and resumes proxies by calling each one's control endpoint, all at once. */
export function httpProxySwitch(options: HttpSwitchOptions): ProxySwitch {
  const toReport = (reply: ProxyStatusReply): ProxyReport => ({
    proxy: reply.proxy,
    paused: reply.paused,
    heldRequests: reply.held_now,
  });
  const everyone = async (path: string, body?: object) => {
    const settled = await Promise.allSettled(
      options.controls.map((control) =>
        callControl(control, options.secret, 'POST', path, body, options.timeoutMs),
      ),
    );
    const failed = settled.flatMap((s) => (s.status === 'rejected' ? [(s.reason as Error).message] : []));
    if (failed.length > 0)
      throw new Error(
        `${path.slice(1)} failed on ${failed.length} of ${settled.length}: ${failed.join('; ')}`,
      );
    return settled.map((s) => toReport((s as PromiseFulfilledResult<ProxyStatusReply>).value));
  };
  return {
    pause: (request: PauseRequest) =>
      everyone('pause', {
        reason: request.reason,
        ...(request.maxHoldMs !== undefined ? { max_hold: `${request.maxHoldMs}ms` } : {}),
        ...(request.maxPauseMs !== undefined ? { max_pause: `${request.maxPauseMs}ms` } : {}),
      }),
    resume: () => everyone('resume'),
    close: async () => {},
  };
}
