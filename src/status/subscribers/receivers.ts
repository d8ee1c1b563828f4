import type { Model, Receiver } from '../../model/types.ts';
import type { SubscriberRecord } from '../../store/subscribers.ts';
import { statusSiteOf } from '../incidents/settings.ts';
import { SUBSCRIBER_EMAIL_KIND, SUBSCRIBER_WEBHOOK_KIND } from './channels.ts';

// Subscribers are reached through the same durable delivery queue as operators: each
// subscription is a receiver named `subscriber:<id>`, an e-mail receiver built on the
// configured mail server (status_site.subscribers.email_via) or a webhook receiver with the
// subscription's own signing secret, of the subscriber channel kinds (./channels.ts). The delivery worker looks receivers
// up synchronously, so the reachable subscriptions are kept here and refreshed from the store
// whenever one changes; a subscription that ended is no receiver any more, and whatever was
// still queued for it is not sent.

export const SUBSCRIBER_PREFIX = 'subscriber:';

export function receiverName(subscriber: Pick<SubscriberRecord, 'id'>): string {
  return `${SUBSCRIBER_PREFIX}${subscriber.id}`;
}

/** The receiver a subscription is delivered through; undefined when e-mail is not configured. */
export function receiverOf(model: Model, subscriber: SubscriberRecord): Receiver | undefined {
  const site = statusSiteOf(model.settings);
  const name = receiverName(subscriber);
  if (subscriber.kind === 'webhook')
    return {
      name,
      kind: SUBSCRIBER_WEBHOOK_KIND,
      settings: {
        url: subscriber.target,
        secret: subscriber.secret,
        headers: {},
        allowPrivate: site.subscribers.allowPrivateWebhooks ?? false,
      },
      source: { file: 'subscribers', line: subscriber.id },
    };
  const via = site.subscribers.emailVia ? model.receivers.get(site.subscribers.emailVia) : undefined;
  if (!via || via.kind !== 'email') return undefined;
  const { subject: _subject, ...server } = via.settings as Record<string, unknown>;
  return {
    name,
    kind: SUBSCRIBER_EMAIL_KIND,
    settings: {
      ...server,
      ...(site.subscribers.from ? { from: site.subscribers.from } : {}),
      to: [subscriber.target],
      cc: [],
      subject_prefix: `[${site.title}]`,
    },
    source: { file: 'subscribers', line: subscriber.id },
  };
}

export class SubscriberReceivers {
  private subscribers: SubscriberRecord[] = [];
  private built:
    | { model: Model; base: ReadonlyMap<string, Receiver>; view: ReadonlyMap<string, Receiver> }
    | undefined;

  constructor(private readonly load: () => Promise<SubscriberRecord[]>) {}

  /** Reads the reachable subscriptions again (after a subscribe, confirm or unsubscribe). */
  async refresh(): Promise<void> {
    this.subscribers = await this.load();
    this.built = undefined;
  }

  /** The configured receivers plus one per reachable subscription. */
  view(model: Model): ReadonlyMap<string, Receiver> {
    if (this.built?.model === model && this.built.base === model.receivers) return this.built.view;
    const view = new Map(model.receivers);
    for (const subscriber of this.subscribers) {
      const receiver = receiverOf(model, subscriber);
      if (receiver) view.set(receiver.name, receiver);
    }
    this.built = { model, base: model.receivers, view };
    return view;
  }
}
