import type { OutgoingHttpHeaders } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { exchange, type HttpReply } from '../../http-client/index.js';
import { withDeadline } from '../deadline.js';
import { down, msSince, up } from '../outcome.js';
import type { CheckContext, CheckDetails, CheckOutcome, Runner } from '../types.js';
import { parseJsonPath, readJsonPath, type JsonPathStep } from './json-path.js';
import type { HttpOptions } from './options.js';
import { DEFAULT_EXPECTED_STATUS, statusBounds } from './status.js';

const NO_BODY = Buffer.alloc(0);
/** Headers that must not follow a redirect to another origin, as browsers do. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** What a monitor's options boil down to, worked out once per options object. */
interface Plan {
  url: URL;
  headers: OutgoingHttpHeaders;
  statuses: readonly [number, number][];
  keyword: Buffer | undefined;
  keywordAbsent: Buffer | undefined;
  jsonPath: JsonPathStep[] | undefined;
  keepBody: boolean;
}

// Options objects live as long as their monitor, so this spares re-parsing on every check.
const plans = new WeakMap<HttpOptions, Plan>();

/**
 * What most monitors' plans hold alike, shared rather than made per monitor (a check thread
 * keeps a plan for each of its monitors: ~150 bytes each fewer, 2.4 MB at 15,000).
 */
const NO_HEADERS: OutgoingHttpHeaders = Object.freeze({});
const DEFAULT_STATUSES: readonly [number, number][] = Object.freeze([
  [200, 399] as [number, number],
]);

/**
 * Requests `url` (following redirects unless told not to) and judges status, body and
 * time. Details carry the final status code and the final request's timing; latency spans
 * the whole check, redirects included.
 */
export const runHttp: Runner<HttpOptions> = (options, ctx) =>
  withDeadline(ctx, (signal, startedAt) =>
    check(options, planFor(options), ctx, signal, startedAt),
  );

/**
 * The User-Agent of a node's HTTP checks, `Tireless/<version> (node <id>; region <region>)`:
 * a target's logs tell which node and region checked it (and a test target can answer each
 * differently).
 */
export function checkUserAgent(from: { version: string; node: string; region: string }): string {
  return `Tireless/${from.version} (node ${from.node}; region ${from.region})`;
}

function planFor(options: HttpOptions): Plan {
  let plan = plans.get(options);
  if (!plan) {
    plan = {
      url: new URL(options.url),
      headers: options.headers ?? NO_HEADERS,
      statuses: statusesOf(options.expectedStatus),
      keyword: options.keyword === undefined ? undefined : Buffer.from(options.keyword),
      keywordAbsent:
        options.keywordAbsent === undefined ? undefined : Buffer.from(options.keywordAbsent),
      jsonPath: options.jsonPath === undefined ? undefined : parseJsonPath(options.jsonPath),
      keepBody: Boolean(options.keyword ?? options.keywordAbsent ?? options.jsonPath),
    };
    plans.set(options, plan);
  }
  return plan;
}

function statusesOf(expected: HttpOptions['expectedStatus']): readonly [number, number][] {
  if (expected.length === 1 && expected[0] === DEFAULT_EXPECTED_STATUS) return DEFAULT_STATUSES;
  // The schema admits only well-formed entries; were one not, it would match nothing.
  return expected.map((entry) => statusBounds(entry) ?? [0, -1]);
}

async function check(
  options: HttpOptions,
  plan: Plan,
  ctx: CheckContext,
  signal: AbortSignal,
  startedAt: number,
): Promise<CheckOutcome> {
  let { url } = plan;
  // The node's User-Agent, unless the monitor sets its own.
  let headers: OutgoingHttpHeaders = { 'user-agent': ctx.userAgent, ...plan.headers };
  let method: string = options.method;
  let body = options.body;
  for (let redirects = 0; ; redirects++) {
    // The request starts now: the first one is when the check reaches its target.
    const reply = await exchange({
      url,
      method,
      headers,
      body,
      keepBody: plan.keepBody,
      maxBodyBytes: options.maxBodyBytes,
      stopAtRedirect: options.followRedirects,
      rejectUnauthorized: !options.ignoreTlsErrors,
      addressGuard: ctx.addressGuard,
      signal,
    });
    if (reply.location === undefined) {
      // Under the SSRF guard results quote nothing of a body: not even a public target's
      // content is for a shared service to relay.
      const quote = ctx.addressGuard === undefined;
      return judge(reply, options, plan, msSince(startedAt), quote);
    }
    const details = detailsOf(reply);
    if (redirects === options.maxRedirects) {
      return down(msSince(startedAt), `too many redirects (${options.maxRedirects})`, details);
    }
    const next = redirectTarget(reply.location, url);
    if (typeof next === 'string') return down(msSince(startedAt), next, details);
    if (next.origin !== url.origin) headers = withoutCredentials(headers);
    const nextMethod = methodAfterRedirect(reply.statusCode, method);
    if (nextMethod !== method) body = undefined;
    method = nextMethod;
    url = next;
  }
}

// As browsers do: 303 turns any method but HEAD into GET, and 301/302 turn a POST into GET.
function methodAfterRedirect(status: number, method: string): string {
  if (status === 303 && method !== 'HEAD') return 'GET';
  if ((status === 301 || status === 302) && method === 'POST') return 'GET';
  return method;
}

/** The URL a redirect leads to, or why it cannot be followed. */
function redirectTarget(location: string, from: URL): URL | string {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    return `redirect to an invalid URL (${location})`;
  }
  return next.protocol === 'http:' || next.protocol === 'https:'
    ? next
    : `redirect to an unsupported URL (${next.href})`;
}

function withoutCredentials(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())),
  );
}

function detailsOf(reply: HttpReply): CheckDetails {
  return { timing: reply.timing, statusCode: reply.statusCode };
}

/** Up or down; `quote`: a down message may show what the body held (jsonPath's value). */
function judge(
  reply: HttpReply,
  options: HttpOptions,
  plan: Plan,
  latencyMs: number,
  quote: boolean,
): CheckOutcome {
  const problem =
    statusProblem(reply.statusCode, options, plan) ??
    keywordProblem(reply, options, plan) ??
    jsonProblem(reply, options, plan, quote) ??
    slowProblem(latencyMs, options);
  return problem === undefined
    ? up(latencyMs, detailsOf(reply))
    : down(latencyMs, problem, detailsOf(reply));
}

function statusProblem(status: number, options: HttpOptions, plan: Plan): string | undefined {
  if (plan.statuses.some(([low, high]) => status >= low && status <= high)) return undefined;
  return `expected status ${options.expectedStatus.join(', ')}, got ${status}`;
}

function keywordProblem(reply: HttpReply, options: HttpOptions, plan: Plan): string | undefined {
  const body = reply.body ?? NO_BODY;
  const within = reply.truncated ? ` in the first ${reply.bytesRead} bytes` : '';
  if (plan.keyword && !body.includes(plan.keyword)) {
    return `keyword ${JSON.stringify(options.keyword)} not found${within}`;
  }
  if (plan.keywordAbsent && body.includes(plan.keywordAbsent)) {
    return `unwanted keyword ${JSON.stringify(options.keywordAbsent)} found`;
  }
  return undefined;
}

function jsonProblem(
  reply: HttpReply,
  options: HttpOptions,
  plan: Plan,
  quote: boolean,
): string | undefined {
  if (!plan.jsonPath) return undefined;
  if (reply.truncated) {
    return `body larger than maxBodyBytes (${options.maxBodyBytes}), cannot check jsonPath`;
  }
  let document: unknown;
  try {
    document = JSON.parse((reply.body ?? NO_BODY).toString('utf8'));
  } catch {
    return 'body is not valid JSON';
  }
  const found = readJsonPath(document, plan.jsonPath);
  if (found === undefined) return `jsonPath ${options.jsonPath} not found`;
  if (options.jsonValue === undefined || jsonMatches(found, options.jsonValue)) return undefined;
  const expected = shortJson(options.jsonValue);
  return quote
    ? `jsonPath ${options.jsonPath} is ${shortJson(found)}, expected ${expected}`
    : `jsonPath ${options.jsonPath} is not ${expected}`;
}

/** Deep JSON equality; a string expectation also matches a scalar written the same way. */
function jsonMatches(found: unknown, expected: unknown): boolean {
  if (isDeepStrictEqual(found, expected)) return true;
  const scalar = found === null || (typeof found !== 'object' && typeof found !== 'string');
  return typeof expected === 'string' && scalar && JSON.stringify(found) === expected;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 99)}…` : text;
}

function slowProblem(latencyMs: number, options: HttpOptions): string | undefined {
  const limit = options.maxResponseMs;
  if (limit === undefined || latencyMs <= limit) return undefined;
  return `response took ${Math.round(latencyMs)} ms, more than maxResponseMs ${limit}`;
}
