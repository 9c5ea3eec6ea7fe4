/**
 * A monitor's secrets: its checker's secret fields (an http monitor's request headers and
 * body, a push monitor's token) and a URL's user-info. Sealed at rest bound to the monitor
 * (see SecretBox), masked in replies, opened only where a check or an alert needs them.
 */
import { getChecker } from '../checks/index.js';
import {
  keepMaskedSecrets,
  maskedSecretNames,
  maskFields,
  SECRET_MASK,
  SecretBox,
  type SecretPlace,
} from '../secrets/index.js';

type Fields = Record<string, unknown>;

/** Where a monitor's secrets are bound: they open only for this account and monitor. */
export function monitorPlace(monitor: { accountId: string; id: string }): SecretPlace {
  return { accountId: monitor.accountId, kind: 'monitor', id: monitor.id };
}

/**
 * The fields of `monitor` sealed at rest: its checker's secret fields, and `url` when it
 * carries user-info (a user name or password) or is sealed already.
 */
export function monitorSecretFields(monitor: Fields): string[] {
  const fields = [...(getChecker(String(monitor.type))?.secretFields ?? [])];
  const { url } = monitor;
  if (typeof url === 'string' && (SecretBox.isSealed(url) || hasUserInfo(url))) fields.push('url');
  return fields;
}

/** `fields` of a monitor at `place` with its secrets sealed. */
export function sealMonitor(box: SecretBox, fields: Fields, place: SecretPlace): Fields {
  return box.sealFields(fields, monitorSecretFields(fields), place);
}

/** The monitor with its secrets opened, for its checks and its alerts' target. */
export function openMonitor<M extends Fields & { accountId: string; id: string }>(
  box: SecretBox,
  monitor: M,
): M {
  return box.openFields(monitor, monitorSecretFields(monitor), monitorPlace(monitor)) as M;
}

/**
 * The monitor with its secrets opened, each one that does not open (another key, damaged
 * data) reading as `unreadable`, and the names of those: for replies and changes, which must
 * not fail on one damaged secret.
 */
export function openMonitorOr<M extends Fields & { accountId: string; id: string }>(
  box: SecretBox,
  monitor: M,
  unreadable: string,
): { monitor: M; unreadable: string[] } {
  const opened = box.openFieldsOr(
    monitor,
    monitorSecretFields(monitor),
    monitorPlace(monitor),
    unreadable,
  );
  return { monitor: opened.values as M, unreadable: opened.names };
}

/**
 * An opened monitor as replies show it: each secret masked (but those its checker shows), and
 * of a URL only its user-info (`https://********@host/path`), so the target stays readable.
 */
export function maskMonitor<M extends Fields>(opened: M): M {
  const shown = getChecker(String(opened.type))?.shownSecretFields ?? [];
  const masked = maskFields(
    opened,
    monitorSecretFields(opened).filter((field) => field !== 'url' && !shown.includes(field)),
  );
  const { url } = opened;
  if (typeof url === 'string' && hasUserInfo(url)) masked.url = withUserInfo(url, SECRET_MASK, '');
  return masked as M;
}

/**
 * The secrets of `fields` written masked, as maskMonitor shows them (`headers.Authorization`,
 * `body`, `url` for a masked user-info): a client sent back what it read, not the secret.
 */
export function maskedMonitorSecrets(fields: Fields): string[] {
  const names = maskedSecretNames(fields, getChecker(String(fields.type))?.secretFields ?? []);
  const { url } = fields;
  if (typeof url === 'string' && hasMaskedUserInfo(url)) names.push('url');
  return names;
}

/**
 * A change's fields (`given`, secrets sent back masked) with each masked secret of the
 * opened stored monitor kept, and the names of the secrets kept. A masked URL user-info
 * keeps the stored user-info with the URL's new host and path.
 */
export function keepMaskedMonitorSecrets(
  given: Fields,
  opened: Fields,
): { values: Fields; kept: string[] } {
  const fields = getChecker(String(opened.type))?.secretFields ?? [];
  const { values, kept } = keepMaskedSecrets(given, opened, fields);
  const url = values.url;
  const before = opened.url;
  if (typeof url === 'string' && typeof before === 'string' && hasMaskedUserInfo(url)) {
    const stored = URL.canParse(before) ? new URL(before) : undefined;
    if (stored && hasUserInfo(before)) {
      values.url = withUserInfo(url, stored.username, stored.password);
      kept.push('url');
    }
  }
  return { values, kept };
}

/**
 * The stored secrets a patch leaves in place without naming them: each secret field of the
 * opened stored monitor that `given` (whose top-level fields replace the stored ones) does not
 * carry, by name (`body`, `headers.Authorization`). Those kept masked are keepMaskedMonitorSecrets'.
 */
export function secretsNotSent(given: Fields, opened: Fields): string[] {
  const names: string[] = [];
  for (const field of getChecker(String(opened.type))?.secretFields ?? []) {
    const value = opened[field];
    if (Object.hasOwn(given, field) || value === undefined || value === '') continue;
    if (typeof value === 'object' && value !== null) {
      names.push(...Object.keys(value).map((name) => `${field}.${name}`));
    } else names.push(field);
  }
  return names;
}

/**
 * Whether a monitor now sends its requests elsewhere than before (another scheme, host or
 * port of its URL): a secret kept masked must then be sent again.
 */
export function monitorMoved(before: Fields, after: Fields): boolean {
  const origin = (url: unknown) =>
    typeof url === 'string' && URL.canParse(url) ? new URL(url).origin : url;
  return origin(before.url) !== origin(after.url);
}

function hasUserInfo(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.username !== '' || parsed.password !== '';
}

function hasMaskedUserInfo(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.username === SECRET_MASK && parsed.password === '';
}

function withUserInfo(url: string, username: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = username;
  parsed.password = password;
  return parsed.href;
}
