import { z } from 'zod';
import { httpNotifier, joinUrl, jsonBody } from '../http.js';
import { severityOf, truncate, type Severity } from '../render.js';
import { httpUrl, priority, requiredText } from '../schema.js';
import type { Notification } from '../types.js';

/** ntfy's default limit on a message, characters (it counts bytes; ASCII mostly). */
const MAX_MESSAGE_CHARS = 4096;

/** Priorities (1 min … 5 max) when the channel sets none: high for a down. */
const DEFAULT_PRIORITY: Record<Severity, number> = {
  critical: 4,
  warning: 3,
  resolved: 3,
  info: 3,
};

/** Tags ntfy shows as emoji before the title. */
const TAG: Record<Severity, string> = {
  critical: 'rotating_light',
  warning: 'warning',
  resolved: 'white_check_mark',
  info: 'information_source',
};

/**
 * ntfy push notification, published as JSON to the server's root URL.
 * - `serverUrl`: default `https://ntfy.sh`.
 * - `topic`: 1–64 letters, digits, `-` or `_`.
 * - `token` (secret, optional): an access token, sent as `Authorization: Bearer`.
 * - `priority` (optional, 1–5): used for every message; default 4 for a down, 3 otherwise.
 */
const ntfyConfig = z
  .object({
    serverUrl: httpUrl('serverUrl').default('https://ntfy.sh'),
    topic: requiredText('topic').regex(
      /^[\w-]{1,64}$/,
      'topic must be 1 to 64 letters, digits, "-" or "_"',
    ),
    token: requiredText('token').optional(),
    priority: priority(1, 5),
  })
  .strict();

export type NtfyConfig = z.infer<typeof ntfyConfig>;

export const ntfy = httpNotifier({
  type: 'ntfy',
  config: ntfyConfig,
  secretFields: ['token'],
  request: (notification, config) => ({
    url: joinUrl(config.serverUrl, '/'),
    headers: config.token === undefined ? undefined : { authorization: `Bearer ${config.token}` },
    body: jsonBody(ntfyMessage(notification, config)),
  }),
});

function ntfyMessage(notification: Notification, config: NtfyConfig) {
  const severity = severityOf(notification);
  return {
    topic: config.topic,
    title: notification.title,
    message: truncate(notification.text, MAX_MESSAGE_CHARS),
    priority: config.priority ?? DEFAULT_PRIORITY[severity],
    tags: [TAG[severity]],
  };
}
