import { createHash } from 'node:crypto';
import type { Notification } from './types.js';

/**
 * The key that groups notifications into one alert at incident services (PagerDuty
 * dedup_key, Opsgenie alias): a down and its reminders and the up that resolves it share
 * the incident's id; warnings about one certificate share a key per expiry date; each test
 * stands alone.
 */
export function alertKey(notification: Notification): string {
  const { event, monitor, incident, certificate, at } = notification;
  switch (event) {
    case 'monitor.down':
    case 'monitor.up':
      return incident?.id ?? `tireless-monitor-${monitor.id}`;
    case 'certificate.expiring':
      return `tireless-certificate-${monitor.id}-${certificate?.expiresAt ?? 'unknown'}`;
    case 'test':
      return `tireless-test-${monitor.id}-${at}`;
  }
}

/**
 * A 32-hex-digit id of one notification to one destination (`scope`, e.g. a room or the
 * recipients): the same for every retry of that delivery, so a service that deduplicates
 * by it (Matrix transaction ids, mail Message-IDs) shows the message once.
 */
export function deliveryKey(notification: Notification, ...scope: string[]): string {
  const { event, monitor, incident, reminder, at } = notification;
  const identity = [event, monitor.id, incident?.id ?? '', String(reminder ?? 0), at, ...scope];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
}
