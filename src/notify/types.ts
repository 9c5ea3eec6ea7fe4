import type { z } from 'zod';
import type { AddressGuard } from '../net-guard/index.js';

export type NotificationEvent = 'monitor.down' | 'monitor.up' | 'certificate.expiring' | 'test';

/**
 * The message every channel renders. The webhook channel sends it as is (its JSON body);
 * the others turn it into their service's payload, using `title` and `text`.
 */
export interface Notification {
  event: NotificationEvent;
  /** ISO 8601 time of the transition (or of the test). */
  at: string;
  monitor: { id: string; name: string; type: string; target: string };
  incident?: { id: string; started: string; ended?: string };
  /** The result that decided the transition. */
  result?: {
    slot: string;
    checkedAt: string;
    status: 'up' | 'down';
    latencyMs: number;
    error?: string;
    node: string;
    region: string;
  };
  /** certificate.expiring: days left and when it expires. */
  certificate?: { daysLeft: number; expiresAt: string };
  /** Re-notification number while still down (absent on the first alert). */
  reminder?: number;
  /** One-line human summary, e.g. "DOWN: shop (https://shop.example) — timeout after 10 s". */
  title: string;
  /** Longer human text with the details. */
  text: string;
}

export interface SendContext {
  /** Hard limit for one delivery attempt, ms. */
  timeoutMs: number;
  signal: AbortSignal;
  /** When the attempt is made, ms since the epoch (a webhook signs it with the body). */
  now: number;
  /**
   * When set, every connection refuses the addresses it rejects, whatever name resolved to
   * them (SSRF guard for shared deployments); such a send fails for good.
   */
  addressGuard?: AddressGuard;
}

/**
 * A notification channel type, registered in notify/index.ts. `config` validates a
 * channel's settings (every provider's base URL is one of them, so tests point it at a
 * local server); `secretFields` are the config keys encrypted at rest and masked in the API.
 * `send` resolves when the service accepted the message and throws a TirelessError with
 * code TIRELESS_DELIVERY otherwise (`retryable: false` when trying again cannot help,
 * e.g. a 4xx other than 408/429).
 */
export interface Notifier<Config = unknown> {
  type: string;
  config: z.ZodType<Config>;
  secretFields: readonly string[];
  send(notification: Notification, config: Config, ctx: SendContext): Promise<void>;
}
