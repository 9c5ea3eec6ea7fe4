/**
 * Password logins: the stored hash decides (on the password hasher's own thread), an unknown
 * email costs what a known one does, failures are throttled per email besides per client
 * address, and a hash made with older parameters is made again with the current ones. A user
 * with two-factor login also needs a code; a missing or wrong one counts as a failure.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { ConfigDoc } from '../cluster/index.js';
import { describeError, TirelessError } from '../errors/index.js';
import type { User } from '../model/index.js';
import { passwords as sharedPasswords, type PasswordHasher } from '../secrets/index.js';
import type { ApiDeps } from './deps.js';
import { FailureLimiter, type FailureLimit } from './failure-limit.js';
import { CODE_PROBLEM, totpEnabled, useSecondFactor } from './second-factor.js';

/**
 * Failed logins per email a node allows in a window: enough for a person who mistypes, too
 * few to guess a password from many addresses at once. @defaultValue 10 per 15 minutes
 */
export const DEFAULT_LOGIN_FAILURES_PER_EMAIL: FailureLimit = { max: 10, windowMs: 15 * 60_000 };

/** The API's password hasher: its own, else the process's. */
export function hasherOf(deps: ApiDeps): PasswordHasher {
  return deps.passwords ?? sharedPasswords;
}

/** Logs users in by email and password; one per API (its counts are per node). */
export class PasswordLogin {
  private readonly failures: FailureLimiter;

  constructor(private readonly deps: ApiDeps) {
    const limit = deps.settings.loginFailuresPerEmail ?? DEFAULT_LOGIN_FAILURES_PER_EMAIL;
    this.failures = new FailureLimiter(limit, () => deps.clock.now());
  }

  /**
   * The user with `email`, if `password` is theirs; else a 401 that does not say which was
   * wrong. Past the failures allowed for the email, a 429 before any work, whether or not a
   * user has it (so the 429 does not tell either). A user with two-factor login also needs
   * `totpCode`, a current code or an unused recovery code: without one, a 401
   * TIRELESS_TOTP_REQUIRED; with a wrong or used one, a 401 naming the field.
   */
  async logIn(
    email: string,
    password: string,
    reply: FastifyReply,
    totpCode?: string,
  ): Promise<User> {
    const { store, config } = this.deps;
    const key = createHash('sha256').update(email).digest('hex');
    this.failures.check(key, 'too many failed logins for this email', (seconds) => {
      void reply.header('retry-after', String(seconds));
    });
    let user = store.findUserByEmail<User>(email);
    if (!user) {
      // Signed up on another node a moment ago? This replica may not hold it yet.
      await config.caughtUp();
      user = store.findUserByEmail<User>(email);
    }
    const passwords = hasherOf(this.deps);
    const check = await passwords.check(password, user?.passwordHash ?? passwords.decoy());
    if (!user || !check.matches) {
      this.failures.fail(key);
      throw new TirelessError('TIRELESS_UNAUTHORIZED', 'wrong email or password');
    }
    if (totpEnabled(user)) user = await this.secondFactor(key, user, totpCode);
    this.failures.forget(key);
    if (check.stale) await this.rehash(user, password);
    return user;
  }

  /** The user after `code` was used as its second factor; a failure (counted) without a good one. */
  private async secondFactor(key: string, user: User, code: string | undefined): Promise<User> {
    if (code === undefined || code === '') {
      this.failures.fail(key);
      throw new TirelessError(
        'TIRELESS_TOTP_REQUIRED',
        'this user logs in with a second factor: send the code of the authenticator app, or a recovery code, in totpCode',
        { fields: [{ field: 'totpCode', problem: 'is required for this user' }] },
      );
    }
    const used = await useSecondFactor(this.deps, user, code);
    if (!used) {
      this.failures.fail(key);
      throw new TirelessError('TIRELESS_UNAUTHORIZED', 'wrong or used second-factor code', {
        fields: [{ field: 'totpCode', problem: CODE_PROBLEM }],
      });
    }
    return used;
  }

  /**
   * Stores a new hash of `password` made with the current parameters. Only over the revision
   * read: a password changed meanwhile stays as changed. A failure only waits for the next login.
   */
  private async rehash(user: User, password: string): Promise<void> {
    try {
      const passwordHash = await hasherOf(this.deps).hash(password);
      await this.deps.config.put<User & ConfigDoc>(
        'user',
        { ...user, passwordHash, updatedAt: this.deps.clock.now() },
        user.revision,
      );
    } catch (error) {
      this.deps.log.warn({ userId: user.id, error: describeError(error) }, 'password not rehashed');
    }
  }
}
