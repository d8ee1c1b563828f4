import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Notification } from '../notification.ts';

/** What a channel lends its sends: the abort at the delivery timeout, and helpers. */
export interface SendContext {
  signal: AbortSignal;
  timeoutMs: number;
  /** Where HTTP channels connect through; default undici's global one (status-site webhooks check addresses). */
  dispatcher?: Dispatcher;
}

/**
 * A failed send. `retryable` false means retrying cannot help (a 400 for a malformed
 * payload, an unknown recipient): the delivery is marked failed at once for an operator.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** A server's requested wait before the next try (Retry-After, Telegram's retry_after). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * One kind of notification channel. Each lives in its own file under
 * src/alerting/channels/, validates its settings with `settings` when the configuration is
 * loaded, and is registered in src/alerting/channels/index.ts.
 */
export interface Channel<Settings = unknown> {
  readonly kind: string;
  readonly settings: z.ZodType<Settings>;
  /** Delivers one notification; resolves when the receiving end accepted it, throws DeliveryError otherwise. */
  send(notification: Notification, settings: Settings, context: SendContext): Promise<void>;
}
