/**
 * What first-run setup asks of a caller, so that whoever reaches a fresh node first cannot
 * claim it: a node that others can reach (it listens beyond loopback, or behind a trusted
 * proxy) makes a one-time setup code, printed at start, that setup requires; and setup
 * answers only to a Host the node serves, so a web page whose name was pointed at the node
 * (DNS rebinding) cannot claim it from a visitor's browser.
 */
import { randomBytes } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { TirelessError } from '../errors/index.js';
import { sameSecret } from '../secrets/index.js';

/** Crockford's base32: no I, L, O or U, so a code read aloud or retyped stays whole. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 28 characters of 5 random bits each: 140 bits, shown as 7 groups of 4. */
const CODE_LENGTH = 28;
const GROUP = 4;

/**
 * A fresh one-time setup code when a node listening on `listenHost` can be reached from
 * beyond this machine: it listens on more than loopback, or `behindProxy` (it has trusted
 * proxies, which bring others' requests). Undefined on loopback only: no one else reaches it.
 * Kept only in the process: each start makes a new one.
 */
export function setupCodeFor(listenHost: string, behindProxy = false): string | undefined {
  const loopbackOnly = isLoopbackName(listenHost) || isLoopbackAddress(listenHost);
  if (loopbackOnly && !behindProxy) return undefined;
  // 32 divides 256: each byte's low 5 bits are uniform.
  const digits = [...randomBytes(CODE_LENGTH)].map((byte) => ALPHABET.charAt(byte & 31));
  const groups: string[] = [];
  for (let at = 0; at < CODE_LENGTH; at += GROUP)
    groups.push(digits.slice(at, at + GROUP).join(''));
  return groups.join('-');
}

/**
 * Whether `given` is `code`, compared in constant time, ignoring case, spaces and dashes,
 * and reading O as 0 and I, L as 1 (as Crockford's base32 does).
 */
export function setupCodeMatches(code: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length > 200) return false;
  const canonical = (text: string) =>
    text.replace(/[\s-]/g, '').toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
  return sameSecret(canonical(given), canonical(code));
}

/** The addresses and names a node serves, besides loopback. */
export interface ServedHosts {
  /** Host names and IPs the operator set (setting allowedHosts), lowercase. */
  allowedHosts: readonly string[];
  /** The IP addresses of the node's own network interfaces. */
  interfaceAddresses: readonly string[];
}

/**
 * Whether a request's Host (`host`, with or without a port; IPv6 in brackets) names this
 * node: a loopback name or address, one of its own interfaces' addresses, or a name the
 * operator allowed. Any other name may be one an attacker points at the node.
 */
export function hostServed(host: string, served: ServedHosts): boolean {
  const name = hostNameOf(host);
  if (name === '') return false;
  if (isLoopbackName(name) || isLoopbackAddress(name)) return true;
  if (served.allowedHosts.includes(name)) return true;
  const family = isIP(name);
  if (family === 0) return false;
  const known = new BlockList();
  for (const address of [...served.interfaceAddresses, ...served.allowedHosts]) {
    const bare = address.replace(/%.*$/, ''); // an IPv6 zone (fe80::1%eth0)
    const kind = isIP(bare);
    if (kind !== 0) known.addAddress(bare, kind === 4 ? 'ipv4' : 'ipv6');
  }
  return known.check(name, family === 4 ? 'ipv4' : 'ipv6');
}

/** What a node's setup checks requests against. */
export interface SetupGuard extends ServedHosts {
  /** The node's one-time setup code; undefined: none needed (loopback only). */
  code: string | undefined;
}

/** The parts of a setup request the guard reads. */
export interface SetupRequest {
  /** The Host (a trusted proxy's X-Forwarded-Host). */
  host: string;
  headers: Readonly<Record<string, unknown>>;
  /** The body's `setupCode`, whatever its type. */
  setupCode: unknown;
}

/** Headers a reverse proxy adds: a request that has one came from beyond this machine. */
const PROXY_HEADERS = [
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
];

/**
 * Throws a 403 unless `request` may run setup: its Host names the node (else the message
 * names the setting to use), and it has the node's code; a node without a code (loopback
 * only) refuses requests a proxy brought, which may come from anyone.
 */
export function checkSetupRequest(request: SetupRequest, guard: SetupGuard): void {
  if (!hostServed(request.host, guard)) {
    const { host } = request;
    const shown = JSON.stringify(host.length > 100 ? `${host.slice(0, 100)}…` : host);
    throw new TirelessError(
      'TIRELESS_FORBIDDEN',
      `setup answers only to a host name this node serves: loopback, its own IP addresses, or a ` +
        `name in allowedHosts (--allowed-hosts, TIRELESS_ALLOWED_HOSTS); the request's Host ` +
        `${shown} is none of them`,
    );
  }
  if (guard.code === undefined) {
    const proxied = PROXY_HEADERS.find((name) => request.headers[name] !== undefined);
    if (proxied === undefined) return;
    throw new TirelessError(
      'TIRELESS_FORBIDDEN',
      `this setup request came through a proxy (it has ${proxied}), so others may reach this ` +
        'node, which listens on loopback only and asks for no setup code: list the proxy in ' +
        'trustedProxies (TIRELESS_TRUSTED_PROXIES) and start the node again; it then prints a ' +
        'one-time setup code',
    );
  }
  if (setupCodeMatches(guard.code, request.setupCode)) return;
  const given = request.setupCode;
  const problem =
    given === undefined || given === null || given === ''
      ? 'is required: others can reach this node, so setup asks for the one-time code `tireless start` printed'
      : 'is not the code this node printed at its start (each start prints a new one)';
  throw new TirelessError('TIRELESS_FORBIDDEN', `setupCode ${problem}`, {
    fields: [{ field: 'setupCode', problem }],
  });
}

/** The name or address in a Host header: no port or brackets, lowercase, no final dot. */
function hostNameOf(host: string): string {
  const text = host.trim().toLowerCase();
  const close = text.indexOf(']');
  if (text.startsWith('[')) return close > 0 ? text.slice(1, close) : '';
  const name = text.split(':', 1)[0] ?? '';
  return name.replace(/\.$/, '');
}

/** `localhost` and its subdomains resolve to loopback by definition (RFC 6761). */
function isLoopbackName(name: string): boolean {
  const bare = name.toLowerCase().replace(/\.$/, '');
  return bare === 'localhost' || bare.endsWith('.localhost');
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8 and ::1, in any spelling (IPv4-mapped too). */
function isLoopbackAddress(text: string): boolean {
  const family = isIP(text);
  return family !== 0 && LOOPBACK.check(text, family === 4 ? 'ipv4' : 'ipv6');
}
