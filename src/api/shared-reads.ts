import type { FastifyReply } from 'fastify';
import type { ConfigWriter } from '../cluster/index.js';
import type { Clock } from '../clock/index.js';

/** How long an account's list and summary answers are shared, ms. */
export const SHARED_READ_TTL_MS = 5_000;

interface Answer {
  /** When its computation began, ms since the epoch. */
  at: number;
  /** Its JSON text, as the API's serializer writes it (readers that come meanwhile wait for it). */
  text: Promise<string>;
}

/**
 * The answers of an account's large reads (its monitor list and their summary), each kept
 * as JSON text for a short time, so the dashboards open on one account (each reads both
 * every minute) share one computation instead of making one each: at 10,000 monitors one
 * costs the event loop a few hundred ms, during which checks wait. An answer is only ever
 * served to the account it was computed for (the key holds the account); any config change
 * of that account (a monitor, a maintenance window…) drops its answers at once, so an edit
 * shows in the next read. Results and states show within the TTL (the event stream has them
 * live).
 */
export class SharedReads {
  private readonly byAccount = new Map<string, Map<string, Answer>>();
  /** Stops following config changes (when the app closes). */
  readonly detach: () => void;

  constructor(
    private readonly clock: Clock,
    config: Pick<ConfigWriter, 'onChange'>,
    /** @defaultValue SHARED_READ_TTL_MS; 0 shares nothing */
    readonly ttlMs = SHARED_READ_TTL_MS,
  ) {
    this.detach = config.onChange((change) => this.byAccount.delete(change.accountId));
  }

  /**
   * The JSON text of `read()` for `accountId` under `key` (e.g. the route and its query):
   * the one computed (or being computed) less than the TTL ago, or a fresh one.
   */
  text(accountId: string, key: string, read: () => Promise<unknown>): Promise<string> {
    const now = this.clock.now();
    this.dropExpired(now);
    const kept = this.byAccount.get(accountId)?.get(key);
    if (kept) return kept.text;
    const text = read().then((value) => JSON.stringify(value));
    let answers = this.byAccount.get(accountId);
    if (!answers) this.byAccount.set(accountId, (answers = new Map<string, Answer>()));
    const answer = { at: now, text };
    answers.set(key, answer);
    // A failed read is not shared: the next reader tries again.
    text.catch(() => {
      if (this.byAccount.get(accountId)?.get(key) === answer) answers.delete(key);
    });
    return text;
  }

  /** `text(…)` for a route to return as its answer, typed as JSON (Fastify sends it as is). */
  answer(
    reply: FastifyReply,
    accountId: string,
    key: string,
    read: () => Promise<unknown>,
  ): Promise<string> {
    void reply.type('application/json; charset=utf-8');
    return this.text(accountId, key, read);
  }

  /** Answers past the TTL are dropped, not kept until read again: each may be megabytes. */
  private dropExpired(now: number): void {
    for (const [accountId, answers] of this.byAccount) {
      for (const [key, answer] of answers) {
        // A clock set back makes an answer look young: it is dropped as well.
        if (now - answer.at >= this.ttlMs || now < answer.at) answers.delete(key);
      }
      if (answers.size === 0) this.byAccount.delete(accountId);
    }
  }
}
