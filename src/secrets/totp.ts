/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA-1, 6 digits, 30 s
 * steps, what every authenticator app reads from an `otpauth://` URI. Written on node:crypto
 * rather than taken from a library: the algorithm is a dozen lines, checked here against the
 * RFC's own test vectors, and a dependency would add more code than it saves. Pure: the time
 * is an argument.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The length of a TOTP time step, ms. */
export const TOTP_STEP_MS = 30_000;
/** Digits of a code. */
export const TOTP_DIGITS = 6;
/** Steps either side of now whose codes are accepted (a clock off by up to 30 s, a slow typist). */
const WINDOW = 1;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `bytes` in RFC 4648 base32, without padding (as otpauth URIs carry secrets). */
export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** The bytes of base32 `text` (case, spaces, hyphens and padding ignored); throws on another character. */
export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const digit = BASE32.indexOf(char);
    if (digit < 0) throw new Error(`not base32: ${JSON.stringify(char)}`);
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/** A new shared secret: 160 random bits (RFC 4226's recommended length), base32. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(20));
}

/** The time step `now` falls in. */
export function totpStep(now: number): number {
  return Math.floor(now / TOTP_STEP_MS);
}

/** The HOTP code of `key` for `counter` (RFC 4226 §5.3, dynamic truncation). */
export function hotp(key: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0xf;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The code of base32 `secret` for time step `step`. */
export function totpAt(secret: string, step: number, digits = TOTP_DIGITS): string {
  return hotp(base32Decode(secret), step, digits);
}

/**
 * The step whose code `code` is, within WINDOW steps of `now` and later than `after` (the
 * newest step already used: a code is good once, and an older one never after a newer),
 * else undefined. Compared in constant time.
 */
export function matchTotp(
  secret: string,
  code: string,
  now: number,
  after: number,
): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const key = base32Decode(secret);
  const given = Buffer.from(code);
  const current = totpStep(now);
  let matched: number | undefined;
  for (let step = current - WINDOW; step <= current + WINDOW; step++) {
    // Every step is computed and compared, so the time taken tells nothing of which matched.
    const same = timingSafeEqual(given, Buffer.from(hotp(key, step)));
    if (same && step > after && matched === undefined) matched = step;
  }
  return matched;
}

/** The `otpauth://` URI an authenticator app reads (as text or as a QR code). */
export function otpauthUri(secret: string, issuer: string, account: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = new URLSearchParams({
    secret,
    issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_STEP_MS / 1000),
  });
  return `otpauth://totp/${label}?${query.toString()}`;
}

/** Recovery codes made at once. */
export const RECOVERY_CODES = 10;

/**
 * New one-time recovery codes: 80 random bits each, base32 in four groups (`abcd-efgh-…`).
 * 80 bits is far past guessing, so one fast SHA-256 (recoveryCodeHash) keeps them safe at
 * rest: a slow hash is for secrets people choose.
 */
export function newRecoveryCodes(count = RECOVERY_CODES): string[] {
  return Array.from({ length: count }, () =>
    (base32Encode(randomBytes(10)).toLowerCase().match(/.{4}/g) ?? []).join('-'),
  );
}

/**
 * What is stored of a recovery code: the SHA-256 (hex) of its characters, uppercased and
 * without hyphens or spaces, so it may be typed either way.
 */
export function recoveryCodeHash(code: string): string {
  const clean = code.toUpperCase().replace(/[\s-]/g, '');
  return createHash('sha256').update(clean).digest('hex');
}
