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
  'x-tireless-timestamp',
]);
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SINGLE_LINE = /^[^\r\n\0]*$/;

/**
 * Webhook: POSTs the whole Notification as JSON to `url`, with header
 * `X-Tireless-Event: <event>`.
 * - `url` (secret): where to POST (http or https); secret because such URLs often carry a
 *   token in their path or query.
 * - `secret` (secret, optional): when set, the request carries `X-Tireless-Timestamp: <t>`
 *   (unix seconds) and `X-Tireless-Signature: t=<t>,v1=<hex>`, the HMAC-SHA256 under this key
 *   of `<t>.` followed by the exact body bytes; a receiver recomputes it and refuses a stale
 *   `t` (a replayed request), see docs/API.md.
 * - `authorization` (secret, optional): the Authorization header, e.g. `Bearer abc…`.
 * - `headers` (secret values, optional): other request headers, e.g. `X-Api-Key: …`.
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
  secretFields: ['url', 'secret', 'authorization', 'headers'],
  request(notification, config, now) {
    const body = jsonBody(notification);
    const authorization = config.authorization && { authorization: config.authorization };
    return {
      url: config.url,
      headers: {
        ...config.headers,
        ...authorization,
        ...tirelessHeaders(notification, body.text, config.secret, now),
      },
      body,
    };
  },
});

function tirelessHeaders(
  notification: Notification,
  body: string,
  secret: string | undefined,
  now: number,
): Record<string, string> {
  const event = { 'x-tireless-event': notification.event };
  if (secret === undefined) return event;
  const timestamp = String(Math.floor(now / 1000));
  return {
    ...event,
    'x-tireless-timestamp': timestamp,
    'x-tireless-signature': sign(timestamp, body, secret),
  };
}

/**
 * `t=<timestamp>,v1=<hex>`: the HMAC-SHA256 of `<timestamp>.<UTF-8 body>`, what a receiver
 * recomputes to trust us; the signed timestamp lets it refuse a replay.
 */
function sign(timestamp: string, body: string, secret: string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body, 'utf8');
  return `t=${timestamp},v1=${mac.digest('hex')}`;
}
