import { campfireChannel } from './campfire.ts';
import type { Channel } from './channel.ts';
import { commandChannel } from './command.ts';
import { discordChannel } from './discord.ts';
import { emailChannel } from './email.ts';
import { opsgenieChannel } from './opsgenie.ts';
import { pagerdutyChannel } from './pagerduty.ts';
import { slackChannel } from './slack.ts';
import { teamsChannel } from './teams.ts';
import { telegramChannel } from './telegram.ts';
import { webhookChannel } from './webhook.ts';

/** Every channel kind Vigil can deliver to, by the name used in config (`kind:`). */
export const channelKinds: ReadonlyMap<string, Channel<unknown>> = new Map(
  [
    webhookChannel,
    slackChannel,
    campfireChannel,
    teamsChannel,
    discordChannel,
    telegramChannel,
    pagerdutyChannel,
    opsgenieChannel,
    emailChannel,
    commandChannel,
  ].map((channel) => [channel.kind, channel as Channel<unknown>]),
);
