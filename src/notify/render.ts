import type { Notification, NotificationEvent } from './types.js';

/** Small pieces every notifier uses to turn a Notification into its service's message. */

/** How serious a notification is; each service maps it to its own priority or colour. */
export type Severity = 'critical' | 'warning' | 'resolved' | 'info';

const SEVERITY_OF_EVENT: Record<NotificationEvent, Severity> = {
  'monitor.down': 'critical',
  'certificate.expiring': 'warning',
  'monitor.up': 'resolved',
  test: 'info',
};

export function severityOf(notification: Notification): Severity {
  return SEVERITY_OF_EVENT[notification.event];
}

/** `text` cut to at most `maxChars` characters, ending in "…" when cut. */
export function truncate(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1)}…`;
}

/** `text` with every run of whitespace, line breaks included, as one space. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Title and text as one plain-text message, for services without a separate title. */
export function fullText(notification: Notification): string {
  return `${notification.title}\n\n${notification.text}`;
}
