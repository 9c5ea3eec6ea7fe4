import type { Deadline } from '../deadline/index.js';
import { describeError, TirelessError } from '../errors/index.js';
import { AddressRefusedError } from '../net-guard/index.js';

/**
 * What a failed send says, shared by every transport (HTTP, SMTP): why it was cut short, its
 * TIRELESS_DELIVERY error, and no secret in either.
 */

const REDACTED = '[redacted]';

/**
 * Why a delivery attempt, bounded by `new Deadline(ctx.timeoutMs, ctx.signal)`, was cut short
 * ("timeout: …" or "aborted …"), or undefined if it was not.
 */
export function interruptionText(attempt: Deadline): string | undefined {
  switch (attempt.interruption) {
    case 'timeout':
      return `timeout: no reply within ${attempt.timeoutMs} ms`;
    case 'abort':
      return 'aborted before the service replied';
    case undefined:
      return undefined;
  }
}

/**
 * The config's secret field values, plus the forms a secret takes inside a URL:
 * percent-encoded, and a secret URL's path and query, where services such as Slack keep
 * the token. Secret fields hold strings, or maps of strings (a webhook's headers).
 */
export function secretValues(config: object, secretFields: readonly string[]): string[] {
  const fields = config as Record<string, unknown>;
  const secrets = secretFields.flatMap((field) => {
    const value = fields[field];
    return typeof value === 'object' && value !== null
      ? Object.values(value as Record<string, unknown>)
      : [value];
  });
  const strings = secrets.filter((value): value is string => typeof value === 'string');
  return [...new Set(strings.flatMap(formsInUrls))].filter((secret) => secret.length > 0);
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

/**
 * The permanent TIRELESS_DELIVERY error for a connection the address guard refused (the
 * channel's host will not become allowed by trying again), or undefined for any other error.
 */
export function refusedError(
  type: string,
  error: unknown,
  secrets: readonly string[],
): TirelessError | undefined {
  if (!(error instanceof AddressRefusedError)) return undefined;
  return deliveryError(type, `address refused: ${error.message}`, {
    retryable: false,
    secrets,
    cause: error,
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
  for (let link = error; link !== undefined && chain.length < 10;) {
    chain.push(link);
    link = link instanceof Error ? link.cause : undefined;
  }
  return chain;
}
