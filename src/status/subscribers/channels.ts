import { Agent } from 'undici';
import { z } from 'zod';
import { type Channel, DeliveryError } from '../../alerting/channels/channel.ts';
import { type EmailSettings, emailChannel, emailIds, sendEmail } from '../../alerting/channels/email.ts';
import { type WebhookSettings, webhookChannel } from '../../alerting/channels/webhook.ts';
import { subscriberMail } from './mail.ts';
import type { SubscriberNotification } from './messages.ts';
import { guardedLookup, refusedWebhookHost } from './webhook-address.ts';

// How subscriber messages leave: two channel kinds used only for status-site subscribers (the
// configuration cannot name them). E-mail goes through the email channel's mail transport
// with the subscriber wording of ./mail.ts; webhooks go through the webhook channel (same
// body, same signature), after the address check and over connections that can only reach
// checked addresses.

export const SUBSCRIBER_EMAIL_KIND = 'status-subscriber-email';
export const SUBSCRIBER_WEBHOOK_KIND = 'status-subscriber-webhook';

export const subscriberEmailChannel: Channel<EmailSettings> = {
  kind: SUBSCRIBER_EMAIL_KIND,
  settings: emailChannel.settings,
  async send(notification, s, context) {
    const n = notification as SubscriberNotification;
    const mail = subscriberMail(n);
    if (!mail) throw new DeliveryError(`${n.id}: not a status-site subscriber message`, false);
    const { messageId, problemId } = emailIds(n, s);
    await sendEmail(
      s,
      {
        ...mail,
        messageId,
        // One thread per incident in the subscriber's mailbox.
        ...(n.incident ? { inReplyTo: problemId, references: [problemId] } : {}),
        date: new Date(n.createdAt),
        headers: {
          'Auto-Submitted': 'auto-generated',
          ...(n.incident
            ? {
                'List-Unsubscribe': `<${n.incident.unsubscribeUrl}>`,
                'X-Vigil-Incident': String(n.incident.id),
              }
            : {}),
        },
      },
      context,
    );
  },
};

export type SubscriberWebhookSettings = WebhookSettings & { allowPrivate: boolean };

const webhookSettings = z.strictObject({
  url: z.string(),
  secret: z.string().optional(),
  headers: z.record(z.string(), z.string()).default({}),
  allowPrivate: z.boolean().default(false),
});

// Shared by every delivery: keeps connections to receivers alive, and resolves names through
// the guarded lookup, so a name that changed to an internal address since the check fails.
let guardedAgent: Agent | undefined;

export const subscriberWebhookChannel: Channel<SubscriberWebhookSettings> = {
  kind: SUBSCRIBER_WEBHOOK_KIND,
  settings: webhookSettings,
  async send(notification, s, context) {
    const { allowPrivate, ...webhook } = s;
    if (allowPrivate) return webhookChannel.send(notification, webhook, context);
    // Literal addresses never reach a lookup; names are checked here for a clear, final refusal.
    const refused = await refusedWebhookHost(webhook.url);
    // An internal address is final; a name that does not resolve now may later.
    if (refused) throw new DeliveryError(refused.reason, !refused.internal);
    guardedAgent ??= new Agent({ connect: { lookup: guardedLookup } });
    return webhookChannel.send(notification, webhook, { ...context, dispatcher: guardedAgent });
  },
};

/** The channel kinds subscribers' receivers use, for the delivery worker. */
export const subscriberChannels: ReadonlyMap<string, Channel<unknown>> = new Map([
  [SUBSCRIBER_EMAIL_KIND, subscriberEmailChannel as Channel<unknown>],
  [SUBSCRIBER_WEBHOOK_KIND, subscriberWebhookChannel as Channel<unknown>],
]);
