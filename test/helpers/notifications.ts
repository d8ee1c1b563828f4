// Sample notifications for channel tests, and a way to send one through a channel exactly as
// the delivery queue does: settings parsed by the channel's own schema, an AbortSignal that
// fires at the delivery timeout.
import type { Channel } from '../../src/alerting/channels/channel.ts';
import { DeliveryError } from '../../src/alerting/channels/channel.ts';
import type { Notification, ProblemSummary } from '../../src/alerting/notification.ts';

export const PROBLEM_SINCE = Date.UTC(2025, 2, 14, 2, 30, 0);

/** A switch down in room 2, explaining 3 hosts and 12 services, with overrides applied. */
export function sampleNotification(
  overrides: Partial<Omit<Notification, 'problem'>> & { problem?: Partial<ProblemSummary> } = {},
): Notification {
  const { problem, ...rest } = overrides;
  return {
    id: 'n-0001-tor-a1-ops-chat',
    kind: 'problem',
    urgency: 'page',
    route: 'customer-facing',
    receiver: 'ops-chat',
    title: 'tor-a1 DOWN — 3 hosts unreachable, 12 services affected (room 2, cabinet B4)',
    text: 'tor-a1 is the root cause: web-1, web-2 and db-3 are behind it.',
    url: 'https://vigil.example.com/hosts/tor-a1',
    createdAt: PROBLEM_SINCE + 60_000,
    ...rest,
    problem: {
      objectId: 'tor-a1',
      host: 'tor-a1',
      service: null,
      state: 'DOWN',
      output: 'PING CRITICAL - 100% packet loss',
      since: PROBLEM_SINCE,
      affected: ['web-1', 'web-2', 'db-3'],
      affectedHosts: 3,
      affectedServices: 12,
      degraded: ['lb-1'],
      location: { site: 'ams1', room: '2', cabinet: 'B4', rackUnit: '42', oob: '10.9.0.17' },
      flapping: false,
      tags: ['network'],
      ...problem,
    },
  };
}

/** Sends through `channel` with `rawSettings` validated by its schema, giving up after `timeoutMs`. */
export async function sendVia<S>(
  channel: Channel<S>,
  rawSettings: unknown,
  notification: Notification,
  timeoutMs = 2000,
): Promise<void> {
  const settings = channel.settings.parse(rawSettings);
  await channel.send(notification, settings, { signal: AbortSignal.timeout(timeoutMs), timeoutMs });
}

/** The DeliveryError a send fails with; fails the test if it succeeds or throws anything else. */
export async function deliveryError(sending: Promise<void>): Promise<DeliveryError> {
  try {
    await sending;
  } catch (error) {
    if (error instanceof DeliveryError) return error;
    throw new Error(`expected a DeliveryError, got ${(error as Error)?.stack ?? error}`);
  }
  throw new Error('expected the send to fail, it succeeded');
}
