import { z } from 'zod';
import { httpNotifier, joinUrl, jsonBody } from '../http.js';
import { severityOf, type Severity } from '../render.js';
import { httpUrl, priority, requiredText } from '../schema.js';

/** Priorities (0 silent … 10) when the channel sets none: 8 (pops up) for a down. */
const DEFAULT_PRIORITY: Record<Severity, number> = {
  critical: 8,
  warning: 5,
  resolved: 5,
  info: 5,
};

/**
 * Gotify message (POST /message).
 * - `serverUrl`: the Gotify server, e.g. `https://gotify.example.com` (self-hosted, no default).
 * - `appToken` (secret): an application token, sent as `X-Gotify-Key`.
 * - `priority` (optional, 0–10): used for every message; default 8 for a down, 5 otherwise.
 */
const gotifyConfig = z
  .object({
    serverUrl: httpUrl('serverUrl'),
    appToken: requiredText('appToken'),
    priority: priority(0, 10),
  })
  .strict();

export type GotifyConfig = z.infer<typeof gotifyConfig>;

export const gotify = httpNotifier({
  type: 'gotify',
  config: gotifyConfig,
  secretFields: ['appToken'],
  request: (notification, config) => ({
    url: joinUrl(config.serverUrl, '/message'),
    headers: { 'x-gotify-key': config.appToken },
    body: jsonBody({
      title: notification.title,
      message: notification.text,
      priority: config.priority ?? DEFAULT_PRIORITY[severityOf(notification)],
    }),
  }),
});
