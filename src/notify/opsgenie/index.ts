import { z } from 'zod';
import { httpNotifier, joinUrl, jsonBody, type ServiceRequest } from '../http.js';
import { alertKey } from '../keys.js';
import { severityOf, truncate, type Severity } from '../render.js';
import { httpUrl, requiredText } from '../schema.js';
import type { Notification } from '../types.js';

/** Opsgenie's limits on an alert's message and description, characters. */
const MAX_MESSAGE_CHARS = 130;
const MAX_DESCRIPTION_CHARS = 15000;

/** Alert priorities; an up closes the alert, so `resolved` is never sent. */
const PRIORITY: Record<Severity, string> = {
  critical: 'P1',
  warning: 'P3',
  resolved: 'P5',
  info: 'P5',
};

/**
 * Opsgenie Alert API. A down creates an alert whose alias is the incident id (reminders
 * are deduplicated into it), the up closes it by alias; certificate and test alerts get
 * aliases of their own.
 * - `apiKey` (secret): the key of an API integration.
 * - `apiUrl`: default `https://api.opsgenie.com`; EU accounts use `https://api.eu.opsgenie.com`.
 */
const opsgenieConfig = z
  .object({
    apiKey: requiredText('apiKey'),
    apiUrl: httpUrl('apiUrl').default('https://api.opsgenie.com'),
  })
  .strict();

export type OpsgenieConfig = z.infer<typeof opsgenieConfig>;

export const opsgenie = httpNotifier({
  type: 'opsgenie',
  config: opsgenieConfig,
  secretFields: ['apiKey'],
  request(notification, config): ServiceRequest {
    const headers = { authorization: `GenieKey ${config.apiKey}` };
    const alias = alertKey(notification);
    if (notification.event === 'monitor.up') {
      const path = `/v2/alerts/${encodeURIComponent(alias)}/close?identifierType=alias`;
      const note = { source: 'Tireless', note: notification.title };
      return { url: joinUrl(config.apiUrl, path), headers, body: jsonBody(note) };
    }
    const alert = createAlert(notification, alias);
    return { url: joinUrl(config.apiUrl, '/v2/alerts'), headers, body: jsonBody(alert) };
  },
});

function createAlert(notification: Notification, alias: string) {
  const { monitor } = notification;
  return {
    message: truncate(notification.title, MAX_MESSAGE_CHARS),
    alias,
    description: truncate(notification.text, MAX_DESCRIPTION_CHARS),
    priority: PRIORITY[severityOf(notification)],
    source: 'Tireless',
    entity: monitor.name,
    tags: ['tireless', notification.event],
    details: { monitorId: monitor.id, monitorType: monitor.type, target: monitor.target },
  };
}
