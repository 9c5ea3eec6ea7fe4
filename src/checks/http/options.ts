import { z } from 'zod';
import { RESERVED_REQUEST_HEADERS } from '../../http-client/index.js';
import { MULTILINE } from '../fields.js';
import type { OptionsSpec } from '../types.js';
import { isJsonPath } from './json-path.js';
import { DEFAULT_EXPECTED_STATUS, statusBounds } from './status.js';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Default cap on the response body read, bytes (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

// RFC 9110 token characters; values may not break the header line.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;

const statusEntry = z.union(
  [z.int().min(100).max(599), z.string().refine((text) => statusBounds(text) !== undefined)],
  { error: 'must be a status code (e.g. 200) or a range of them (e.g. "200-399")' },
);

const headers = z
  .record(
    z.string().regex(HEADER_NAME),
    z.string().max(8192, 'header values are limited to 8192 characters').regex(HEADER_VALUE),
    { error: 'must map header names (letters, digits, -) to one-line values' },
  )
  .superRefine((given, context) => {
    for (const name of Object.keys(given)) {
      if (RESERVED_REQUEST_HEADERS.has(name.toLowerCase())) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: `${name} is set by Tireless from the URL and body; it cannot be set here`,
        });
      }
    }
  });

/**
 * http options: one request to `url`, judged by status, body and time. Every field but
 * `url` is optional. Each field's description (also in the OpenAPI document) and default
 * are in the schema.
 */
export const httpOptions = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .describe('http:// or https:// URL to request'),
    method: z
      .enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(', ')}` })
      .default('GET')
      .describe('request method'),
    headers: headers.optional().describe('extra request headers; they override the User-Agent'),
    body: z
      .string()
      .max(65_536, 'must be at most 65536 characters')
      .optional()
      .describe('request body, sent as is (describe it with a Content-Type header)')
      .meta(MULTILINE),
    expectedStatus: z
      .array(statusEntry)
      .min(1, 'must list at least one status or range')
      .max(50)
      .default([DEFAULT_EXPECTED_STATUS])
      .describe('statuses that count as up: codes (200) and ranges ("200-399")'),
    keyword: z
      .string()
      .min(1, 'must not be empty')
      .max(1024)
      .optional()
      .describe('text that must appear in the body (case-sensitive, within maxBodyBytes)'),
    keywordAbsent: z
      .string()
      .min(1, 'must not be empty')
      .max(1024)
      .optional()
      .describe('text that must not appear in the body (case-sensitive, within maxBodyBytes)'),
    jsonPath: z
      .string()
      .max(512)
      .refine(isJsonPath, 'must be a dotted path with [n] indexes, e.g. data.items[0].status')
      .optional()
      .describe(
        'path into a JSON body, e.g. data.items[0].status; alone, the path must exist, ' +
          'with jsonValue, the value there must equal it',
      ),
    jsonValue: z
      .json()
      .optional()
      .describe(
        'value expected at jsonPath, compared as JSON (deep, key order ignored); a string ' +
          'also matches a number, boolean or null written the same way ("200" matches 200)',
      ),
    maxResponseMs: z
      .int('must be whole milliseconds')
      .min(1, 'must be at least 1 ms')
      .optional()
      .describe('down when the whole check (redirects and body included) takes longer, ms'),
    followRedirects: z.boolean().default(true).describe('follow 301/302/303/307/308 redirects'),
    maxRedirects: z
      .int('must be a whole number')
      .min(0)
      .max(20, 'must be at most 20')
      .default(10)
      .describe('redirects to follow before the check is down'),
    ignoreTlsErrors: z
      .boolean()
      .default(false)
      .describe('accept invalid, expired or self-signed certificates'),
    maxBodyBytes: z
      .int('must be whole bytes')
      .min(1, 'must be at least 1 byte')
      .max(67_108_864, 'must be at most 64 MiB')
      .default(DEFAULT_MAX_BODY_BYTES)
      .describe(
        'most body bytes read; the rest is not downloaded: keyword checks see only what ' +
          'was read, and a jsonPath check on a larger body is down',
      ),
  })
  .strict()
  .refine((options) => options.jsonValue === undefined || options.jsonPath !== undefined, {
    path: ['jsonValue'],
    error: 'needs jsonPath, the place in the body to compare',
  });

export type HttpOptions = z.output<typeof httpOptions>;

export const httpSpec: OptionsSpec<HttpOptions> = {
  options: httpOptions,
  secretFields: ['headers', 'body'],
  target: ({ method, url }) =>
    method === 'GET' ? withoutUserInfo(url) : `${method} ${withoutUserInfo(url)}`,
};

// Credentials in a URL must not reach messages and logs.
function withoutUserInfo(url: string): string {
  if (!url.includes('@')) return url;
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}
