import {
  createHash,
  createCipheriv,
  createDecipheriv,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { TirelessError } from '../errors/index.js';

export {
  OWASP_SCRYPT,
  PasswordHasher,
  passwords,
  type PasswordCheck,
  type PasswordHasherOptions,
  type ScryptParams,
} from './passwords.js';

const PREFIX = 'enc:v1:';

/**
 * Encrypts secrets at rest (channel passwords, tokens, webhook URLs) with AES-256-GCM under
 * a 32-byte key that lives outside the database (a file in the data dir, or the
 * TIRELESS_SECRET_KEY setting), so a stolen database alone reveals none of them.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32)
      throw new TirelessError('TIRELESS_CONFIG', 'the secret key must be 32 bytes');
  }

  static generateKey(): Buffer {
    return randomBytes(32);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join(':');
  }

  open(sealed: string): string {
    if (!SecretBox.isSealed(sealed)) return sealed;
    const [iv, tag, body] = sealed
      .slice(PREFIX.length)
      .split(':')
      .map((p) => Buffer.from(p, 'base64url'));
    if (!iv || !tag || !body)
      throw new TirelessError('TIRELESS_CONFIG', 'a stored secret is malformed');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new TirelessError(
        'TIRELESS_CONFIG',
        'a stored secret cannot be decrypted: the secret key differs from the one it was sealed with',
        { cause },
      );
    }
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  /** A copy of `config` with the named fields sealed (strings only). */
  sealFields(config: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
    return mapFields(config, fields, (value) =>
      SecretBox.isSealed(value) ? value : this.seal(value),
    );
  }

  /** A copy of `config` with the named fields opened. */
  openFields(config: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
    return mapFields(config, fields, (value) => this.open(value));
  }
}

/** What a secret field reads as in API replies. */
export const SECRET_MASK = '********';

/** A copy of `config` with the named fields replaced by SECRET_MASK, for API replies. */
export function maskFields(
  config: Record<string, unknown>,
  fields: readonly string[],
): Record<string, unknown> {
  return mapFields(config, fields, () => SECRET_MASK);
}

function mapFields(
  config: Record<string, unknown>,
  fields: readonly string[],
  change: (value: string) => string,
): Record<string, unknown> {
  const copy = { ...config };
  for (const field of fields) {
    const value = copy[field];
    if (typeof value === 'string') copy[field] = change(value);
  }
  return copy;
}

/**
 * Whether `given` is the secret `expected`, in time that tells nothing of either (both are
 * hashed first, so their lengths do not show either).
 */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
