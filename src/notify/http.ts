import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import type { z } from 'zod';
import { describeError } from '../errors/index.js';
import { lookupFor, type AddressGuard } from '../net-guard/index.js';
import { deliveryError, refusedError, secretValues, startAttempt } from './delivery.js';
import { oneLine, truncate } from './render.js';
import type { Notification, Notifier, SendContext } from './types.js';

/**
 * Sending over HTTP with node:http(s), shared by every notifier except email. Not fetch:
 * Node's fetch takes no socket `lookup`, which the address guard needs.
 */

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
export interface HttpRequest {
  /** @defaultValue 'POST' */
  method?: 'POST' | 'PUT';
  url: string;
  headers?: Record<string, string>;
  body: RequestBody;
}

/** What the service answered. */
export interface HttpReply {
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
export function replyJson(reply: HttpReply): unknown {
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
  request(notification: Notification, config: Config): HttpRequest;
  /**
   * Why a 2xx reply still means the service refused the message (e.g. Telegram's
   * `{ok: false}`), or undefined when it accepted it. Such refusals count as retryable.
   */
  refusal?(reply: HttpReply): string | undefined;
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
      const reply = await sendHttp(type, spec.request(notification, channelConfig), ctx, secrets);
      const refusal = spec.refusal?.(reply);
      if (refusal !== undefined) {
        throw deliveryError(type, `${refusal}: ${snippet(reply.text)}`, {
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
  request: HttpRequest,
  ctx: SendContext,
  secrets: readonly string[],
): Promise<HttpReply> {
  const attempt = startAttempt(ctx);
  let reply: HttpReply;
  try {
    reply = await exchange(request, attempt.signal, ctx.addressGuard);
  } catch (error) {
    const reason = attempt.interruption() ?? `could not reach the service: ${describeError(error)}`;
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
    const reason = `HTTP ${reply.status}${redirect}: ${snippet(reply.text)}`;
    throw deliveryError(type, reason, { retryable: isRetryableStatus(reply.status), secrets });
  }
  return reply;
}

/**
 * One request on a fresh connection to an address `guard` allows, resolving with the status
 * and the start of the body. Throws AddressRefusedError at once for a refused IP literal
 * (sockets look up only names).
 */
function exchange(
  request: HttpRequest,
  signal: AbortSignal,
  guard: AddressGuard | undefined,
): Promise<HttpReply> {
  const target = urlToHttpOptions(new URL(request.url));
  const lookup = lookupFor(target.hostname ?? '', guard);
  const body = Buffer.from(request.body.text, 'utf8');
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send({
      ...target,
      method: request.method ?? 'POST',
      headers: requestHeaders(request, body.length),
      // Pooled sockets are reused by host and port, whatever guard vetted them.
      agent: false,
      lookup,
      signal,
    });
    outgoing.on('error', reject);
    outgoing.once('response', (response) => {
      readText(response, MAX_REPLY_BYTES).then(
        (text) => resolve({ status: response.statusCode ?? 0, text }),
        reject,
      );
    });
    outgoing.end(body);
  });
}

/** The request's own headers over a default User-Agent; the body's type and length always win. */
function requestHeaders(request: HttpRequest, length: number): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = { 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  headers['content-type'] = request.body.contentType;
  // A known length rather than chunked encoding, which some services refuse.
  headers['content-length'] = length;
  return headers;
}

async function readText(response: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.byteLength;
    // Leaving the loop destroys the response: the rest is not needed.
    if (size >= maxBytes) break;
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}

/** The start of a reply body on one line, for error messages. */
function snippet(text: string): string {
  const line = oneLine(text);
  return line === '' ? '(empty reply)' : truncate(line, MAX_SNIPPET_CHARS);
}
