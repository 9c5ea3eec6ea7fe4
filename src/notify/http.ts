import type { OutgoingHttpHeaders } from 'node:http';
import type { z } from 'zod';
import { Deadline } from '../deadline/index.js';
import { describeError } from '../errors/index.js';
import { exchange } from '../http-client/index.js';
import { deliveryError, interruptionText, refusedError, secretValues } from './send-errors.js';
import { oneLine, truncate } from './render.js';
import type { Notification, Notifier, SendContext } from './types.js';

/** Sending over HTTP with the shared HTTP client, for every notifier except email. */

/** Most of a reply body read, bytes; enough for any service's error JSON. */
const MAX_REPLY_BYTES = 64 * 1024;
/** Most of a reply body quoted in an error message, characters. */
const MAX_SNIPPET_CHARS = 200;
const USER_AGENT = 'Tireless';

/** A request body with its content type. */
export interface RequestBody {
  contentType: string;
  /** The exact text sent (a signature can be computed over it). */
  text: string;
}

/** One HTTP request that delivers a notification. */
export interface ServiceRequest {
  /** @defaultValue 'POST' */
  method?: 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body: RequestBody;
}

/** What the service answered. */
export interface ServiceReply {
  status: number;
  /** The body as text, at most 64 KiB of it. */
  text: string;
}

/** `value` as JSON text, application/json. */
export function jsonBody(value: unknown): RequestBody {
  return { contentType: 'application/json', text: JSON.stringify(value) };
}

/** Form fields, application/x-www-form-urlencoded; undefined fields are left out. */
export function formBody(fields: Record<string, string | undefined>): RequestBody {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) form.set(name, value);
  }
  return { contentType: 'application/x-www-form-urlencoded', text: form.toString() };
}

/** `base` (which may end in a slash or carry a path prefix) followed by `path` ("/…"). */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** The JSON in a reply, or undefined when it is not JSON. */
export function replyJson(reply: ServiceReply): unknown {
  try {
    return JSON.parse(reply.text) as unknown;
  } catch {
    return undefined;
  }
}

/** Whether trying again can help after an HTTP error status. */
function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 425 || status === 429;
}

/** Describes a notifier that delivers each notification with one HTTP request. */
export interface HttpNotifierSpec<Config extends object> {
  type: string;
  config: z.ZodType<Config>;
  secretFields: readonly (keyof Config & string)[];
  /** The request for `notification`, sent at `now` (ms since the epoch). */
  request(notification: Notification, config: Config, now: number): ServiceRequest;
  /**
   * Why a 2xx reply still means the service refused the message (e.g. Telegram's
   * `{ok: false}`), or undefined when it accepted it. Such refusals count as retryable.
   */
  refusal?(reply: ServiceReply): string | undefined;
}

/** A Notifier that delivers with the one request `spec.request` builds. */
export function httpNotifier<Config extends object>(
  spec: HttpNotifierSpec<Config>,
): Notifier<Config> {
  const { type, config, secretFields } = spec;
  return {
    type,
    config,
    secretFields,
    async send(notification, channelConfig, ctx) {
      const secrets = secretValues(channelConfig, secretFields);
      const reply = await sendHttp(
        type,
        spec.request(notification, channelConfig, ctx.now),
        ctx,
        secrets,
      );
      const refusal = spec.refusal?.(reply);
      if (refusal !== undefined) {
        throw deliveryError(type, refusal + quoted(reply.text, ctx), {
          retryable: true,
          secrets,
        });
      }
    },
  };
}

/**
 * Sends `request` within the attempt's deadline and resolves with a 2xx reply; throws a
 * TIRELESS_DELIVERY error for any other status (redirects are not followed), a refused
 * address (permanent), a timeout or a network failure, with `secrets` redacted from its
 * message.
 */
async function sendHttp(
  type: string,
  request: ServiceRequest,
  ctx: SendContext,
  secrets: readonly string[],
): Promise<ServiceReply> {
  const attempt = new Deadline(ctx.timeoutMs, ctx.signal);
  let reply: ServiceReply;
  try {
    const body = Buffer.from(request.body.text, 'utf8');
    const answer = await exchange({
      url: new URL(request.url),
      method: request.method ?? 'POST',
      headers: requestHeaders(request, body.length),
      body,
      keepBody: true,
      maxBodyBytes: MAX_REPLY_BYTES,
      stopAtRedirect: false,
      addressGuard: ctx.addressGuard,
      signal: attempt.signal,
    });
    reply = { status: answer.statusCode, text: answer.body?.toString('utf8') ?? '' };
  } catch (error) {
    const reason =
      interruptionText(attempt) ?? `could not reach the service: ${describeError(error)}`;
    throw (
      refusedError(type, error, secrets) ??
      deliveryError(type, reason, { retryable: true, secrets, cause: error })
    );
  } finally {
    attempt.end();
  }
  if (reply.status < 200 || reply.status > 299) {
    const redirect =
      reply.status >= 300 && reply.status < 400 ? ' (redirects are not followed)' : '';
    const reason = `HTTP ${reply.status}${redirect}${quoted(reply.text, ctx)}`;
    throw deliveryError(type, reason, { retryable: isRetryableStatus(reply.status), secrets });
  }
  return reply;
}

/** The request's own headers over a default User-Agent; the body's type and length always win. */
function requestHeaders(request: ServiceRequest, length: number): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  headers['content-type'] = request.body.contentType;
  // A known length rather than chunked encoding, which some services refuse.
  headers['content-length'] = length;
  return headers;
}

/**
 * ": <the start of a reply body on one line>", for error messages; nothing under the SSRF
 * guard, where a shared service relays no part of what a server answered.
 */
function quoted(text: string, ctx: SendContext): string {
  if (ctx.addressGuard !== undefined) return '';
  const line = oneLine(text);
  return `: ${line === '' ? '(empty reply)' : truncate(line, MAX_SNIPPET_CHARS)}`;
}
