import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TirelessError, type FieldProblem } from '../errors/index.js';

/** Every sealed value starts so; the API refuses such values from clients. */
const SEALED = 'enc:';
/** Sealed without associated data (before v2): opens anywhere, re-sealed bound on the next write. */
const V1 = 'enc:v1:';
/** Sealed bound to its place (AES-GCM associated data): opens only where it was sealed. */
const V2 = 'enc:v2:';

/**
 * The entity a secret belongs to. With the field's name it is the ciphertext's associated
 * data, so a sealed value copied into another account, entity or field does not open.
 */
export interface SecretPlace {
  accountId: string;
  /** The config kind, e.g. `channel` or `monitor`. */
  kind: string;
  id: string;
}

/**
 * A secret field's value: a string, or a map of strings (e.g. request headers), whose
 * values are sealed one by one (the names stay readable).
 */
type SecretValue = string | Record<string, string>;

/**
 * Encrypts secrets at rest (channel passwords and tokens, monitor credentials) with
 * AES-256-GCM under a 32-byte key that lives outside the database (a file in the data dir, or
 * the TIRELESS_SECRET_KEY setting), so a stolen database alone reveals none of them.
 */
export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32)
      throw new TirelessError('TIRELESS_CONFIG', 'the secret key must be 32 bytes');
  }

  static generateKey(): Buffer {
    return randomBytes(32);
  }

  /** `plain` sealed for `field` of the entity at `place` (`enc:v2:…`). */
  seal(plain: string, place: SecretPlace, field: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(boundTo(place, field));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return V2 + [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join(':');
  }

  /**
   * The plain text of a value sealed for `field` at `place`; a value that was never sealed is
   * returned as it is, one sealed before v2 opens without a place. Throws TIRELESS_CONFIG when
   * it does not open (another key, or sealed for another place).
   */
  open(sealed: string, place: SecretPlace, field: string): string {
    const version = [V2, V1].find((prefix) => sealed.startsWith(prefix));
    if (version === undefined) return sealed;
    const [iv, tag, body] = sealed
      .slice(version.length)
      .split(':')
      .map((p) => Buffer.from(p, 'base64url'));
    if (!iv || !tag || !body)
      throw new TirelessError('TIRELESS_CONFIG', `the stored secret ${field} is malformed`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
      if (version === V2) decipher.setAAD(boundTo(place, field));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new TirelessError(
        'TIRELESS_CONFIG',
        `the stored secret ${field} cannot be decrypted: it was sealed under another secret key, or for another account, entity or field`,
        { cause },
      );
    }
  }

  /**
   * openFields for a reply or a change that must not fail on one damaged secret (sealed under
   * another key, pasted from elsewhere, tampered): each secret that does not open reads as
   * `unreadable` instead, and is named in `names` (`prefix + field[.entry]`).
   */
  openFieldsOr(
    values: Record<string, unknown>,
    fields: readonly string[],
    place: SecretPlace,
    unreadable: string,
    prefix = '',
  ): { values: Record<string, unknown>; names: string[] } {
    const names: string[] = [];
    const opened = mapSecrets(values, fields, prefix, (value, name) => {
      try {
        return this.open(value, place, name);
      } catch (error) {
        if (!(error instanceof TirelessError)) throw error;
        names.push(name);
        return unreadable;
      }
    });
    return { values: opened, names };
  }

  /** Whether `value` has the form of a sealed value (`enc:…`). */
  static isSealed(value: string): boolean {
    return value.startsWith(SEALED);
  }

  /**
   * A copy of `values` with the named fields sealed for `place`, each under the name
   * `prefix + field` (and `.name` for a map's entry). The values must be plain: the API
   * refuses sealed-looking input (`sealedInputProblems`).
   */
  sealFields(
    values: Record<string, unknown>,
    fields: readonly string[],
    place: SecretPlace,
    prefix = '',
  ): Record<string, unknown> {
    return mapSecrets(values, fields, prefix, (value, name) => this.seal(value, place, name));
  }

  /** A copy of `values` with the named fields opened (see sealFields). */
  openFields(
    values: Record<string, unknown>,
    fields: readonly string[],
    place: SecretPlace,
    prefix = '',
  ): Record<string, unknown> {
    return mapSecrets(values, fields, prefix, (value, name) => this.open(value, place, name));
  }
}

function boundTo(place: SecretPlace, field: string): Buffer {
  return Buffer.from(
    JSON.stringify(['tireless secret', place.accountId, place.kind, place.id, field]),
  );
}

/** What a secret field reads as in API replies. */
export const SECRET_MASK = '********';

/**
 * What a stored secret that does not open reads as while a change is merged (openFieldsOr):
 * no client can send it (a NUL), and a change that would keep it is refused
 * (unreadableSecretProblems).
 */
export const UNREADABLE_SECRET = '\u0000unreadable secret\u0000';

/**
 * A problem for each value of `values` (a field, or an entry of a map field) that is still
 * UNREADABLE_SECRET after a change was merged: the change keeps a stored secret that does not
 * open, so the client must send it again.
 */
export function unreadableSecretProblems(
  values: Record<string, unknown>,
  prefix = '',
): FieldProblem[] {
  const problem =
    "is stored sealed in a form this node's secret key does not open (another key, or damaged data): send the secret again";
  return Object.entries(values).flatMap(([field, value]) => {
    if (value === UNREADABLE_SECRET) return [{ field: prefix + field, problem }];
    if (!isStringMap(value)) return [];
    return Object.entries(value)
      .filter(([, entry]) => entry === UNREADABLE_SECRET)
      .map(([name]) => ({ field: `${prefix}${field}.${name}`, problem }));
  });
}

/** A copy of `values` with the named fields replaced by SECRET_MASK, for API replies. */
export function maskFields(
  values: Record<string, unknown>,
  fields: readonly string[],
): Record<string, unknown> {
  return mapSecrets(values, fields, '', () => SECRET_MASK);
}

/**
 * The names of the secrets of `values` (fields, or entries of map fields, under `prefix`)
 * that are SECRET_MASK: sent back as replies show them, not the secret itself.
 */
export function maskedSecretNames(
  values: Record<string, unknown>,
  fields: readonly string[],
  prefix = '',
): string[] {
  const names: string[] = [];
  mapSecrets(values, fields, prefix, (value, name) => {
    if (value === SECRET_MASK) names.push(name);
    return value;
  });
  return names;
}

/**
 * Field problems for secret values a client sent in sealed form (`enc:…`): only the server
 * seals, so such a value is a ciphertext copied from somewhere, never a secret to keep.
 */
export function sealedInputProblems(
  values: Record<string, unknown>,
  fields: readonly string[],
  prefix = '',
): { field: string; problem: string }[] {
  const problems: { field: string; problem: string }[] = [];
  mapSecrets(values, fields, prefix, (value, name) => {
    if (SecretBox.isSealed(value)) {
      problems.push({
        field: name,
        problem: `must be the secret itself: values starting with "${SEALED}" are sealed by the server and not accepted`,
      });
    }
    return value;
  });
  return problems;
}

/**
 * `given` (a change's values, with secrets sent back as SECRET_MASK) with each masked secret
 * replaced by the stored one from `stored` (opened), and the names of the secrets so kept.
 * A masked entry of a map keeps the stored entry of that name; a mask with nothing stored
 * stays (the schema refuses it or the caller reports it).
 */
export function keepMaskedSecrets(
  given: Record<string, unknown>,
  stored: Record<string, unknown>,
  fields: readonly string[],
  prefix = '',
): { values: Record<string, unknown>; kept: string[] } {
  const kept: string[] = [];
  const values = { ...given };
  for (const field of fields) {
    const value = values[field];
    const before = stored[field];
    if (value === SECRET_MASK && typeof before === 'string') {
      values[field] = before;
      kept.push(prefix + field);
    } else if (isStringMap(value) && isStringMap(before)) {
      values[field] = Object.fromEntries(
        Object.entries(value).map(([name, entry]) => {
          if (entry !== SECRET_MASK || before[name] === undefined) return [name, entry];
          kept.push(`${prefix}${field}.${name}`);
          return [name, before[name]];
        }),
      );
    }
  }
  return { values, kept };
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((entry) => typeof entry === 'string')
  );
}

/**
 * A copy of `values` with `change(value, name)` applied to each string of the named fields
 * (a field's string, or each string of its map), `name` being `prefix + field[.entry]`.
 */
function mapSecrets(
  values: Record<string, unknown>,
  fields: readonly string[],
  prefix: string,
  change: (value: string, name: string) => string,
): Record<string, unknown> {
  const copy = { ...values };
  for (const field of fields) {
    const value = copy[field] as SecretValue | undefined;
    if (typeof value === 'string') copy[field] = change(value, prefix + field);
    else if (isStringMap(value)) {
      copy[field] = Object.fromEntries(
        Object.entries(value).map(([name, entry]) => [
          name,
          change(entry, `${prefix}${field}.${name}`),
        ]),
      );
    }
  }
  return copy;
}
