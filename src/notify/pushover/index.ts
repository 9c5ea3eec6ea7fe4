import { z } from 'zod';
import { formBody, httpNotifier, joinUrl, replyJson } from '../http.js';
import { severityOf, truncate, type Severity } from '../render.js';
import { httpUrl, priority, requiredText } from '../schema.js';
import type { Notification } from '../types.js';

/** Pushover's limits on a title and a message, characters. */
const MAX_TITLE_CHARS = 250;
const MAX_MESSAGE_CHARS = 1024;
/** Pushover application tokens and user/group keys: 30 letters and digits. */
const PUSHOVER_KEY = /^[A-Za-z0-9]{30}$/;

/** Priorities (-2 lowest … 1 high) when the channel sets none: high for a down. */
const DEFAULT_PRIORITY: Record<Severity, number> = {
  critical: 1,
  warning: 0,
  resolved: 0,
  info: 0,
};

/**
 * Pushover message (POST /1/messages.json, form-encoded).
 * - `token` (secret): the application's API token.
 * - `user` (secret): the user or group key.
 * - `priority` (optional, -2 to 1): used for every message; default 1 for a down, 0
 *   otherwise. Emergency (2) is not offered: it needs acknowledgement settings.
 * - `apiUrl`: default `https://api.pushover.net`.
 */
const pushoverConfig = z
  .object({
    token: requiredText('token').regex(PUSHOVER_KEY, 'token must be 30 letters and digits'),
    user: requiredText('user').regex(PUSHOVER_KEY, 'user must be 30 letters and digits'),
    priority: priority(-2, 1),
    apiUrl: httpUrl('apiUrl').default('https://api.pushover.net'),
  })
  .strict();

export type PushoverConfig = z.infer<typeof pushoverConfig>;

export const pushover = httpNotifier({
  type: 'pushover',
  config: pushoverConfig,
  secretFields: ['token', 'user'],
  request: (notification, config) => ({
    url: joinUrl(config.apiUrl, '/1/messages.json'),
    body: formBody(pushoverFields(notification, config)),
  }),
  refusal: (reply) =>
    statusOf(replyJson(reply)) === 1 ? undefined : 'Pushover did not answer status 1',
});

function pushoverFields(notification: Notification, config: PushoverConfig) {
  const seconds = Math.floor(Date.parse(notification.at) / 1000);
  return {
    token: config.token,
    user: config.user,
    title: truncate(notification.title, MAX_TITLE_CHARS),
    message: truncate(notification.text, MAX_MESSAGE_CHARS),
    priority: String(config.priority ?? DEFAULT_PRIORITY[severityOf(notification)]),
    // The time of the event, not of delivery, in case a retry comes late.
    timestamp: Number.isFinite(seconds) ? String(seconds) : undefined,
  };
}

function statusOf(reply: unknown): unknown {
  return typeof reply === 'object' && reply !== null && 'status' in reply
    ? reply.status
    : undefined;
}
