import { createHash, timingSafeEqual } from 'node:crypto';

export {
  keepMaskedSecrets,
  maskFields,
  maskedSecretNames,
  SECRET_MASK,
  sealedInputProblems,
  SecretBox,
  type SecretPlace,
  UNREADABLE_SECRET,
  unreadableSecretProblems,
} from './cipher.js';

export {
  OWASP_SCRYPT,
  PasswordHasher,
  passwords,
  type PasswordCheck,
  type PasswordHasherOptions,
  type ScryptParams,
} from './passwords.js';

/**
 * Whether `given` is the secret `expected`, in time that tells nothing of either (both are
 * hashed first, so their lengths do not show either).
 */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

export {
  base32Decode,
  base32Encode,
  hotp,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  otpauthUri,
  RECOVERY_CODES,
  recoveryCodeHash,
  TOTP_STEP_MS,
  totpAt,
  totpStep,
} from './totp.js';
