import type { Logger } from 'pino';
import type { Model } from '../../model/types.ts';
import type { IncidentRecord, IncidentUpdateRecord } from '../../store/incidents.ts';
import type { NewOutboxEntry, Outbox } from '../../store/outbox.ts';
import type { SubscriberRecord, SubscriberRecords } from '../../store/subscribers.ts';
import type { UpdateNotifier } from '../incidents/manager.ts';
import { checkComponents, IncidentRequestError } from '../incidents/operator-changes.ts';
import { statusSiteOf } from '../incidents/settings.ts';
import { checkEmail, checkWebhookUrl } from './addresses.ts';
import {
  confirmationNotification,
  incidentNotification,
  type SubscriberLinks,
  unsubscribeUrl,
} from './messages.ts';
import type { SubscriberReceivers } from './receivers.ts';
import { newToken, tokenHash } from './tokens.ts';
import { type Lookup, refusedWebhookHost } from './webhook-address.ts';

// Subscribing, confirming, unsubscribing, and sending public incident updates to subscribers.
// E-mail needs double opt-in: the address gets one confirmation mail and nothing else until
// its link is opened. The answer to a subscribe request is the same whether or not the address
// was already subscribed, so the endpoint cannot be used to learn who subscribes.

export class SubscribeError extends Error {
  constructor(
    message: string,
    /** The HTTP status the API answers with. */
    readonly status: 400 | 403 = 400,
  ) {
    super(message);
  }
}

/** Who asks: the public (the subscribe form, a customer's script) or a signed-in operator. */
export interface SubscribeAsker {
  operator: boolean;
}

export interface SubscribeRequest {
  email?: string;
  webhook?: string;
  /** A webhook's signing secret; generated when not given. */
  secret?: string;
  components?: string[];
}

export type SubscribeOutcome =
  | { kind: 'email' }
  | { kind: 'webhook'; id: number; secret: string; unsubscribeUrl: string };

export interface SubscriptionOptions {
  store: { subscribers: SubscriberRecords; outbox: Pick<Outbox, 'enqueue'> };
  model: () => Model;
  clock: () => number;
  receivers: SubscriberReceivers;
  /** Where the daemon's API answers when neither link_base nor public_url is configured. */
  fallbackBase: () => string;
  /** New notifications were queued. */
  wake?: () => void;
  log: Pick<Logger, 'info' | 'error'>;
  /** Name resolution for the webhook address check; default the system's (tests give their own). */
  lookup?: Lookup;
}

export class Subscriptions implements UpdateNotifier {
  constructor(private readonly options: SubscriptionOptions) {}

  links(): SubscriberLinks {
    const model = this.options.model();
    const base =
      statusSiteOf(model.settings).subscribers.linkBase ||
      model.settings.publicUrl ||
      this.options.fallbackBase();
    return { base: base.replace(/\/+$/, '') };
  }

  async subscribe(request: SubscribeRequest, asker: SubscribeAsker): Promise<SubscribeOutcome> {
    const model = this.options.model();
    const site = statusSiteOf(model.settings);
    if ((request.email === undefined) === (request.webhook === undefined))
      throw new SubscribeError('give either email or webhook');
    let components: string[] = [];
    if (request.components && request.components.length > 0) {
      try {
        components = checkComponents(model, request.components);
      } catch (error) {
        throw new SubscribeError(error instanceof IncidentRequestError ? error.message : String(error));
      }
    }
    const now = this.options.clock();
    const { subscribers } = this.options.store;
    if (request.webhook !== undefined) {
      // The daemon POSTs to whatever URL is given: by default only an operator may choose one.
      if (!site.subscribers.publicWebhooks && !asker.operator)
        throw new SubscribeError(
          'webhook subscriptions are made by an operator on this site (status_site.subscribers.public_webhooks is off)',
          403,
        );
      const checked = checkWebhookUrl(request.webhook);
      if ('error' in checked) throw new SubscribeError(checked.error);
      if (!site.subscribers.allowPrivateWebhooks) {
        const refused = await refusedWebhookHost(checked.url, this.options.lookup);
        if (refused) throw new SubscribeError(refused.reason);
      }
      if (request.secret !== undefined && (request.secret.length < 16 || request.secret.length > 200))
        throw new SubscribeError('secret must be 16 to 200 characters');
      const subscriber = await subscribers.add({
        kind: 'webhook',
        target: checked.url,
        secret: request.secret ?? newToken(),
        components,
        confirmTokenHash: '',
        unsubscribeToken: newToken(),
        createdAt: now,
        confirmedAt: now,
        expiresAt: null,
      });
      await this.options.receivers.refresh();
      this.options.log.info({ subscriber: subscriber.id }, 'webhook subscriber added');
      return {
        kind: 'webhook',
        id: subscriber.id,
        secret: subscriber.secret,
        unsubscribeUrl: unsubscribeUrl(this.links(), subscriber),
      };
    }
    if (!site.subscribers.emailVia)
      throw new SubscribeError('e-mail subscriptions are not offered by this site');
    const checked = checkEmail(request.email as string);
    if ('error' in checked) throw new SubscribeError(checked.error);
    const existing = await subscribers.ofTarget('email', checked.address);
    // Already confirmed: nothing to do, and nothing to tell the requester either.
    if (existing.some((s) => s.confirmedAt !== null)) return { kind: 'email' };
    const token = newToken();
    const expiresAt = now + site.subscribers.confirmWithinMs;
    let subscriber: SubscriberRecord;
    const pending = existing[0];
    if (pending) {
      await subscribers.renewConfirmation(pending.id, tokenHash(token), expiresAt, components);
      subscriber = { ...pending, components };
    } else {
      subscriber = await subscribers.add({
        kind: 'email',
        target: checked.address,
        secret: '',
        components,
        confirmTokenHash: tokenHash(token),
        unsubscribeToken: newToken(),
        createdAt: now,
        confirmedAt: null,
        expiresAt,
      });
    }
    await this.options.receivers.refresh();
    const notification = confirmationNotification(site, this.links(), subscriber, token, now);
    await this.options.store.outbox.enqueue([
      { id: notification.id, receiver: notification.receiver, payload: notification, createdAt: now },
    ]);
    this.options.wake?.();
    return { kind: 'email' };
  }

  async confirm(token: string): Promise<SubscriberRecord | undefined> {
    const confirmed = await this.options.store.subscribers.confirm(tokenHash(token), this.options.clock());
    if (confirmed) await this.options.receivers.refresh();
    return confirmed;
  }

  async unsubscribe(token: string): Promise<SubscriberRecord | undefined> {
    const ended = await this.options.store.subscribers.unsubscribe(token, this.options.clock());
    if (ended) await this.options.receivers.refresh();
    return ended;
  }

  /** Reads the subscriptions again, after another process changed them in the store. */
  reload(): Promise<void> {
    return this.options.receivers.refresh();
  }

  /** Forgets unconfirmed subscriptions past their time. */
  async expire(): Promise<void> {
    if ((await this.options.store.subscribers.expire(this.options.clock())) > 0)
      await this.options.receivers.refresh();
  }

  /** Queues each new public update for every active subscriber of its components. */
  async notify(pending: { incident: IncidentRecord; update: IncidentUpdateRecord }[]): Promise<number[]> {
    const model = this.options.model();
    const site = statusSiteOf(model.settings);
    const links = this.links();
    const active = (await this.options.store.subscribers.active()).filter(
      (s) => s.kind === 'webhook' || site.subscribers.emailVia !== undefined,
    );
    const entries: NewOutboxEntry[] = [];
    for (const { incident, update } of pending) {
      for (const subscriber of active) {
        if (
          subscriber.components.length > 0 &&
          !subscriber.components.some((c) => incident.components.includes(c))
        )
          continue;
        const notification = incidentNotification(site, links, incident, update, subscriber);
        entries.push({
          id: notification.id,
          receiver: notification.receiver,
          payload: notification,
          createdAt: this.options.clock(),
        });
      }
    }
    // Idempotent by id: a crash before the updates are marked queues nothing twice.
    await this.options.store.outbox.enqueue(entries);
    if (entries.length > 0) this.options.wake?.();
    return pending.map((p) => p.update.id);
  }
}
