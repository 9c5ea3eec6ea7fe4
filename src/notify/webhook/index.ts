import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { RESERVED_REQUEST_HEADERS } from '../../http-client/index.js';
import { httpNotifier, jsonBody } from '../http.js';
import { httpUrl, requiredText } from '../schema.js';
import type { Notification } from '../types.js';

/** Headers Tireless sets itself, which a channel must not override. */
const RESERVED_HEADERS = new Set([
  ...RESERVED_REQUEST_HEADERS,
  'content-type',
  'x-tireless-event',
  'x-tireless-signature',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SINGLE_LINE = /^[^\r\n\0]*$/;

/**
 * Webhook: POSTs the whole Notification as JSON to `url`, with header
 * `X-Tireless-Event: <event>`.
 * - `url`: where to POST (http or https).
 * - `secret` (secret, optional): when set, `X-Tireless-Signature: sha256=<hex>` carries the
 *   HMAC-SHA256 of the exact body bytes under this key.
 * - `authorization` (secret, optional): the Authorization header, e.g. `Bearer abc…`.
 * - `headers` (optional, not secret): other request headers, e.g. `X-Team: ops`.
 */
const webhookConfig = z
  .object({
    url: httpUrl('url'),
    secret: requiredText('secret').optional(),
    authorization: requiredText('authorization')
      .regex(SINGLE_LINE, 'authorization must be a single line')
      .optional(),
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
  const lowerName = name.toLowerCase();
  if (lowerName === 'authorization') return 'put credentials in authorization, which is secret';
  if (RESERVED_HEADERS.has(lowerName)) return `header "${name}" is set by Tireless`;
  if (!SINGLE_LINE.test(value)) return `header "${name}" must be a single line`;
  return undefined;
}

export const webhook = httpNotifier({
  type: 'webhook',
  config: webhookConfig,
  secretFields: ['secret', 'authorization'],
  request(notification, config) {
    const body = jsonBody(notification);
    const authorization = config.authorization && { authorization: config.authorization };
    return {
      url: config.url,
      headers: {
        ...config.headers,
        ...authorization,
        ...tirelessHeaders(notification, body.text, config.secret),
      },
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
