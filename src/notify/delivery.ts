import { describeError, TirelessError } from '../errors/index.js';
import type { SendContext } from './types.js';

/** What every transport (HTTP, SMTP) shares: attempt deadlines, secret redaction, errors. */

const REDACTED = '[redacted]';

/** One delivery attempt's signal and why it was cut short. */
export interface Attempt {
  /** Aborts when the caller aborts or when `ctx.timeoutMs` has passed. */
  signal: AbortSignal;
  /** Why the attempt was cut short ("timeout: …" or "aborted …"), or undefined if it was not. */
  interruption(): string | undefined;
}

export function startAttempt(ctx: SendContext): Attempt {
  const deadline = AbortSignal.timeout(ctx.timeoutMs);
  return {
    signal: AbortSignal.any([ctx.signal, deadline]),
    interruption() {
      if (ctx.signal.aborted) return 'aborted before the service replied';
      if (deadline.aborted) return `timeout: no reply within ${ctx.timeoutMs} ms`;
      return undefined;
    },
  };
}

/**
 * Every string stored under the config's secret fields (nested ones too, e.g. header
 * values), plus the forms a secret takes inside a URL: percent-encoded, and a secret URL's
 * path and query, where services such as Slack keep the token.
 */
export function secretValues(config: object, secretFields: readonly string[]): string[] {
  const fields = config as Record<string, unknown>;
  const secrets = secretFields.flatMap((field) => stringsIn(fields[field]));
  return [...new Set(secrets.flatMap(formsInUrls))].filter((secret) => secret.length > 0);
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(stringsIn);
  return [];
}

function formsInUrls(secret: string): string[] {
  const forms = [secret, encodeURIComponent(secret)];
  if (URL.canParse(secret)) {
    const { pathname, search } = new URL(secret);
    if (pathname.length > 1) forms.push(pathname + search);
  }
  return forms;
}

/** `text` with every secret replaced, longest first so no part of a longer secret is left. */
export function redact(text: string, secrets: readonly string[]): string {
  const longestFirst = [...secrets].sort((a, b) => b.length - a.length);
  return longestFirst.reduce((result, secret) => result.replaceAll(secret, REDACTED), text);
}

/**
 * A TIRELESS_DELIVERY error "<type>: <reason>". Secrets are redacted from the reason and
 * from the cause, which loggers print too.
 */
export function deliveryError(
  type: string,
  reason: string,
  options: { retryable: boolean; secrets: readonly string[]; cause?: unknown },
): TirelessError {
  const { retryable, secrets, cause } = options;
  return new TirelessError('TIRELESS_DELIVERY', `${type}: ${redact(reason, secrets)}`, {
    retryable,
    cause: cause === undefined ? undefined : withoutSecrets(cause, secrets),
  });
}

/** The cause itself when no message in its chain holds a secret, else a redacted copy. */
function withoutSecrets(cause: unknown, secrets: readonly string[]): unknown {
  const chain = causeChain(cause).map(describeError).join(' <- ');
  const redacted = redact(chain, secrets);
  return redacted === chain ? cause : new Error(redacted);
}

/** The error and the causes it wraps, outermost first. */
export function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let link = error; link !== undefined && chain.length < 10; ) {
    chain.push(link);
    link = link instanceof Error ? link.cause : undefined;
  }
  return chain;
}
