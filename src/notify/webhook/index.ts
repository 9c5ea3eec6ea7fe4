import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { httpNotifier, jsonBody } from '../http.js';
import { httpUrl, requiredText } from '../schema.js';
import type { Notification } from '../types.js';

/** Headers Tireless sets itself, which a channel must not override. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
  'x-tireless-event',
  'x-tireless-signature',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Webhook: POSTs the whole Notification as JSON to `url`, with header
 * `X-Tireless-Event: <event>`.
 * - `url`: where to POST (http or https).
 * - `secret` (secret, optional): when set, `X-Tireless-Signature: sha256=<hex>` carries the
 *   HMAC-SHA256 of the exact body bytes under this key.
 * - `headers` (secret, optional): extra request headers, e.g. an Authorization header.
 */
export const webhookConfig = z
  .object({
    url: httpUrl('url'),
    secret: requiredText('secret').optional(),
    headers: z
      .record(z.string(), z.string({ error: 'header values must be strings' }))
      .superRefine((headers, ctx) => {
        for (const [name, value] of Object.entries(headers)) {
          const problem = headerProblem(name, value);
          if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
        }
      })
      .optional(),
  })
  .strict();

export type WebhookConfig = z.infer<typeof webhookConfig>;

function headerProblem(name: string, value: string): string | undefined {
  if (!HEADER_NAME.test(name)) return `"${name}" is not a valid header name`;
  if (RESERVED_HEADERS.has(name.toLowerCase())) return `header "${name}" is set by Tireless`;
  if (/[\r\n\0]/.test(value)) return `header "${name}" must be a single line`;
  return undefined;
}

export const webhook = httpNotifier({
  type: 'webhook',
  config: webhookConfig,
  secretFields: ['secret', 'headers'],
  request(notification, config) {
    const body = jsonBody(notification);
    return {
      url: config.url,
      headers: { ...config.headers, ...tirelessHeaders(notification, body.text, config.secret) },
      body,
    };
  },
});

function tirelessHeaders(
  notification: Notification,
  body: string,
  secret: string | undefined,
): Record<string, string> {
  const event = { 'x-tireless-event': notification.event };
  return secret === undefined ? event : { ...event, 'x-tireless-signature': sign(body, secret) };
}

/** `sha256=<hex HMAC-SHA256 of the UTF-8 body>`, what a receiver recomputes to trust us. */
function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}
