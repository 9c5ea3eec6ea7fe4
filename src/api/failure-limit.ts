/**
 * Counts failures per key (an email, a client address) in fixed windows: past `max` failures
 * in a window, the key is refused until the window ends. Unlike @fastify/rate-limit, which
 * counts every request to a route, only failures count here, so a user who logs in (or a
 * client with a valid token) is never held back by it. Kept in memory, per node.
 */
import { TirelessError } from '../errors/index.js';

/** At most `max` failures per key in each window of `windowMs` ms. */
export interface FailureLimit {
  max: number;
  windowMs: number;
}

/** Keys remembered at most; past this, windows that ended are swept (and, if still full, the oldest). */
const MAX_KEYS = 100_000;

export class FailureLimiter {
  private readonly windows = new Map<string, { failures: number; endsAt: number }>();

  constructor(
    private readonly limit: FailureLimit,
    private readonly now: () => number,
  ) {}

  /** How long `key` is still refused, ms; 0: it may try. */
  refusedFor(key: string): number {
    const window = this.windows.get(key);
    if (!window) return 0;
    const left = window.endsAt - this.now();
    if (left <= 0) {
      this.windows.delete(key);
      return 0;
    }
    return window.failures >= this.limit.max ? left : 0;
  }

  /** Records a failure of `key`. */
  fail(key: string): void {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && window.endsAt > now) {
      window.failures++;
      return;
    }
    if (this.windows.size >= MAX_KEYS) this.sweep(now);
    this.windows.set(key, { failures: 1, endsAt: now + this.limit.windowMs });
  }

  /** Forgets `key`'s failures (it succeeded). */
  forget(key: string): void {
    this.windows.delete(key);
  }

  /**
   * Throws a 429 saying `what` when `key` is refused. The message and Retry-After say when
   * to try again.
   */
  check(key: string, what: string, setRetryAfter?: (seconds: number) => void): void {
    const waitMs = this.refusedFor(key);
    if (waitMs === 0) return;
    const seconds = Math.ceil(waitMs / 1000);
    setRetryAfter?.(seconds);
    throw new TirelessError('TIRELESS_RATE_LIMITED', `${what}; retry in ${seconds} s`);
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
    // Still full (a flood of distinct keys): the oldest entries go first (Map keeps order).
    for (const key of this.windows.keys()) {
      if (this.windows.size < MAX_KEYS) break;
      this.windows.delete(key);
    }
  }
}
