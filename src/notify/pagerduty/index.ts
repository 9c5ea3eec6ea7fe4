import { z } from 'zod';
import { httpNotifier, jsonBody } from '../http.js';
import { alertKey } from '../keys.js';
import { severityOf, truncate, type Severity } from '../render.js';
import { httpUrl, requiredText } from '../schema.js';
import type { Notification } from '../types.js';

/** PagerDuty's limit on an event summary, characters. */
const MAX_SUMMARY_CHARS = 1024;

/** Event severities; an up never triggers, so `resolved` is never sent. */
const PAGERDUTY_SEVERITY: Record<Severity, 'critical' | 'warning' | 'info'> = {
  critical: 'critical',
  warning: 'warning',
  resolved: 'info',
  info: 'info',
};

/**
 * PagerDuty Events API v2. A down triggers an alert keyed by the incident id (reminders
 * re-trigger the same alert), the up resolves it; an expiring certificate triggers a
 * warning; a test triggers an info alert of its own.
 * - `routingKey` (secret): the service integration's 32-character key.
 * - `eventsUrl`: default `https://events.pagerduty.com/v2/enqueue`.
 */
const pagerdutyConfig = z
  .object({
    routingKey: requiredText('routingKey').regex(
      /^[A-Za-z0-9]{32}$/,
      'routingKey must be the 32-character integration key of an Events API v2 integration',
    ),
    eventsUrl: httpUrl('eventsUrl').default('https://events.pagerduty.com/v2/enqueue'),
  })
  .strict();

export type PagerdutyConfig = z.infer<typeof pagerdutyConfig>;

export const pagerduty = httpNotifier({
  type: 'pagerduty',
  config: pagerdutyConfig,
  secretFields: ['routingKey'],
  request: (notification, config) => ({
    url: config.eventsUrl,
    body: jsonBody(pagerdutyEvent(notification, config.routingKey)),
  }),
});

function pagerdutyEvent(notification: Notification, routingKey: string) {
  const key = { routing_key: routingKey, dedup_key: alertKey(notification) };
  if (notification.event === 'monitor.up') return { ...key, event_action: 'resolve' };
  const { monitor, incident, result, certificate, reminder } = notification;
  return {
    ...key,
    event_action: 'trigger',
    client: 'Tireless',
    payload: {
      summary: truncate(notification.title, MAX_SUMMARY_CHARS),
      source: monitor.target,
      severity: PAGERDUTY_SEVERITY[severityOf(notification)],
      timestamp: notification.at,
      component: monitor.name,
      class: monitor.type,
      custom_details: { text: notification.text, monitor, incident, result, certificate, reminder },
    },
  };
}
