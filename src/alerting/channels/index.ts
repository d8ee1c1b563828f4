import type { Channel } from './channel.ts';

/** Every channel kind Vigil can deliver to, by the name used in config (`kind:`). */
export const channelKinds: ReadonlyMap<string, Channel<unknown>> = new Map(
  ([] as Channel<unknown>[]).map((channel) => [channel.kind, channel]),
);
