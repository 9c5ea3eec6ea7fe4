import { z } from 'zod';
import { isJsonPath } from './json-path.js';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Default cap on the response body read, bytes (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

// "200", or a range "200-399".
const STATUS_TEXT = /^([1-5]\d\d)(?:-([1-5]\d\d))?$/;
// RFC 9110 token characters; values may not break the header line.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\r\n\0]*$/;

/** Inclusive [low, high] status bounds of an expectedStatus entry, or undefined when malformed. */
export function statusBounds(entry: number | string): [number, number] | undefined {
  if (typeof entry === 'number') return [entry, entry];
  const match = STATUS_TEXT.exec(entry);
  if (!match) return undefined;
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  return low <= high ? [low, high] : undefined;
}

const statusEntry = z.union(
  [z.int().min(100).max(599), z.string().refine((text) => statusBounds(text) !== undefined)],
  { error: 'must be a status code (e.g. 200) or a range of them (e.g. "200-399")' },
);

const headers = z.record(
  z.string().regex(HEADER_NAME),
  z.string().max(8192, 'header values are limited to 8192 characters').regex(HEADER_VALUE),
  { error: 'must map header names (letters, digits, -) to one-line values' },
);

/**
 * http options: one request to `url`, judged by status, body and time. Every field but
 * `url` is optional; defaults are noted per field.
 */
export const httpOptions = z
  .object({
    /** http:// or https:// URL to request. */
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
    /** Request method. Default "GET". */
    method: z
      .enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(', ')}` })
      .default('GET'),
    /** Extra request headers; they override the default User-Agent. */
    headers: headers.optional(),
    /** Request body, sent as is (set a Content-Type header to describe it). */
    body: z.string().max(65_536, 'must be at most 65536 characters').optional(),
    /** Statuses that count as up: codes and "low-high" ranges. Default ["200-399"]. */
    expectedStatus: z
      .array(statusEntry)
      .min(1, 'must list at least one status or range')
      .max(50)
      .default(['200-399']),
    /** Text that must appear in the body (UTF-8, case-sensitive, within maxBodyBytes). */
    keyword: z.string().min(1, 'must not be empty').max(1024).optional(),
    /** Text that must not appear in the body (UTF-8, case-sensitive, within maxBodyBytes). */
    keywordAbsent: z.string().min(1, 'must not be empty').max(1024).optional(),
    /**
     * Path into a JSON body, e.g. `data.items[0].status`. Alone, the path must exist; with
     * `jsonValue`, the value there must equal it.
     */
    jsonPath: z
      .string()
      .max(512)
      .refine(isJsonPath, 'must be a dotted path with [n] indexes, e.g. data.items[0].status')
      .optional(),
    /**
     * The value expected at `jsonPath`, compared as JSON (deep equality, key order ignored).
     * A string also matches a number, boolean or null written the same way ("200" matches 200).
     */
    jsonValue: z.json().optional(),
    /** Down when the whole check (redirects and body included) takes longer, ms. */
    maxResponseMs: z.int('must be whole milliseconds').min(1, 'must be at least 1 ms').optional(),
    /** Follow 301/302/303/307/308 redirects. Default true. */
    followRedirects: z.boolean().default(true),
    /** Redirects to follow before the check is down. Default 10. */
    maxRedirects: z.int('must be a whole number').min(0).max(20, 'must be at most 20').default(10),
    /** Accept invalid, expired or self-signed certificates. Default false. */
    ignoreTlsErrors: z.boolean().default(false),
    /**
     * Most body bytes read, default 1 MiB. The rest is not downloaded: keyword checks see
     * only what was read, and a jsonPath check on a larger body is down.
     */
    maxBodyBytes: z
      .int('must be whole bytes')
      .min(1, 'must be at least 1 byte')
      .max(67_108_864, 'must be at most 64 MiB')
      .default(DEFAULT_MAX_BODY_BYTES),
  })
  .strict()
  .refine((options) => options.jsonValue === undefined || options.jsonPath !== undefined, {
    path: ['jsonValue'],
    error: 'needs jsonPath, the place in the body to compare',
  });

export type HttpOptions = z.output<typeof httpOptions>;
