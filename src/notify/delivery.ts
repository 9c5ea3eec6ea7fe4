import { describeError, TirelessError } from '../errors/index.js';
import { AddressRefusedError } from '../net-guard/index.js';
import type { SendContext } from './types.js';

/** What every transport (HTTP, SMTP) shares: attempt deadlines, secret redaction, errors. */

const REDACTED = '[redacted]';

/** One delivery attempt's signal and why it was cut short. */
export interface Attempt {
  /** Aborts when the caller aborts or when `ctx.timeoutMs` has passed. */
  signal: AbortSignal;
  /** Why the attempt was cut short ("timeout: …" or "aborted …"), or undefined if it was not. */
  interruption(): string | undefined;
  /** Releases the timer and the listener on the caller's signal; call once the attempt is over. */
  end(): void;
}

/**
 * Starts an attempt bounded by `ctx`. Not AbortSignal.any: on Node 20 every call leaves an
 * entry on the caller's signal, which may live as long as the process.
 */
export function startAttempt(ctx: SendContext): Attempt {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no reply within ${ctx.timeoutMs} ms`, 'TimeoutError'));
  }, ctx.timeoutMs);
  const onCallerAbort = (): void => controller.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onCallerAbort();
  else ctx.signal.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    interruption() {
      if (ctx.signal.aborted) return 'aborted before the service replied';
      if (timedOut) return `timeout: no reply within ${ctx.timeoutMs} ms`;
      return undefined;
    },
    end() {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onCallerAbort);
    },
  };
}

/**
 * The config's secret field values, plus the forms a secret takes inside a URL:
 * percent-encoded, and a secret URL's path and query, where services such as Slack keep
 * the token. Secret fields hold strings (they are sealed and masked as strings).
 */
export function secretValues(config: object, secretFields: readonly string[]): string[] {
  const fields = config as Record<string, unknown>;
  const secrets = secretFields.map((field) => fields[field]);
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
