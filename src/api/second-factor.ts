/**
 * The second factor of a login: whether a user has one, and checking a code (TOTP or recovery)
 * so that it is good once, on every node.
 */
import { z } from 'zod';
import type { ConfigDoc } from '../cluster/index.js';
import { TirelessError } from '../errors/index.js';
import type { User, UserTotp } from '../model/index.js';
import { matchTotp, recoveryCodeHash, sameSecret, type SecretPlace } from '../secrets/index.js';
import type { ApiDeps } from './deps.js';

/** The sealed secret's field name (the ciphertext's associated data). */
export const SECRET_FIELD = 'totp.secret';
/** Writes a code's use tries before giving up to concurrent changes of the user. */
const USE_ATTEMPTS = 3;

/** A TOTP code or a recovery code (recovery codes are 19 characters with their hyphens). */
export const secondFactorCode = z
  .string({ message: 'is required' })
  .trim()
  .min(1, 'is required')
  .max(100, 'must be at most 100 characters');

/** Where a user's TOTP secret is sealed: bound to the user. */
export function placeOf(user: User): SecretPlace {
  return { accountId: user.accountId, kind: 'user', id: user.id };
}

/** Whether login asks `user` for a second factor. */
export function totpEnabled(user: User): boolean {
  return user.totp !== undefined && user.totp.enabledAt !== null;
}

/**
 * Checks `code` — a current code of the user's TOTP secret or an unused recovery code — and
 * records its use (the code's step; the recovery code gone) over the revision read. Returns
 * the user as written, or undefined when the code is not good (wrong, used, or used by
 * another request meanwhile). A concurrent change of something else is read again and
 * retried.
 */
export async function useSecondFactor(
  deps: ApiDeps,
  user: User,
  code: string,
): Promise<User | undefined> {
  let current: User | undefined = user;
  for (let attempt = 0; attempt < USE_ATTEMPTS && current?.totp; attempt++) {
    const totp = nextTotp(deps, current, current.totp, code);
    if (!totp) return undefined;
    try {
      return await putTotp(deps, current, totp);
    } catch (error) {
      if (!(error instanceof TirelessError && error.code === 'TIRELESS_CONFLICT')) throw error;
      // Changed meanwhile: read again; a code another request used is then refused.
      current = deps.store.getConfig<User>('user', user.id);
    }
  }
  return undefined;
}

/** Writes `user` with `totp` (undefined: none) over the revision read. */
export function putTotp(deps: ApiDeps, user: User, totp: UserTotp | undefined): Promise<User> {
  const next: User & ConfigDoc = { ...user, updatedAt: deps.clock.now() };
  if (totp) next.totp = totp;
  else delete next.totp;
  return deps.config.put<User & ConfigDoc>('user', next, user.revision);
}

/** `totp` after `code` is used, or undefined when `code` is not good. */
function nextTotp(deps: ApiDeps, user: User, totp: UserTotp, code: string): UserTotp | undefined {
  const secret = deps.secrets.open(totp.secret, placeOf(user), SECRET_FIELD);
  const step = matchTotp(secret, code, deps.clock.now(), totp.lastStep);
  if (step !== undefined) return { ...totp, lastStep: step };
  const hash = recoveryCodeHash(code);
  const left = totp.recoveryCodes.filter((stored) => !sameSecret(hash, stored));
  return left.length < totp.recoveryCodes.length ? { ...totp, recoveryCodes: left } : undefined;
}

/** What is wrong with a second-factor code that was refused. */
export const CODE_PROBLEM =
  "is not the authenticator app's current code nor an unused recovery code (each code works once)";
