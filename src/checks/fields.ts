import { isIP } from 'node:net';
import { z } from 'zod';

// RFC 1123 labels (underscores allowed, as in _dmarc or internal names); a leading "-" is
// refused, which also keeps a host from being read as a command-line option (ping).
const HOSTNAME =
  /^(?=.{1,253}\.?$)(?!-)[A-Za-z0-9_-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9_-]{1,63}(?<!-))*\.?$/;

/** True for a DNS host name: ASCII (punycode for IDN), not an IP address. */
export function isHostName(value: string): boolean {
  return HOSTNAME.test(value) && isIP(value) === 0;
}

/** True for a DNS host name or an IPv4/IPv6 literal without brackets. */
function isHost(value: string): boolean {
  return isIP(value) !== 0 || HOSTNAME.test(value);
}

/** "host:port", with an IPv6 literal in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A host name or IP address, with no scheme, port or path. */
export const hostField = z
  .string()
  .refine(isHost, 'must be a host name or IP address (no scheme, port or path)');

/** A TCP port, 1–65535. */
export const portField = z
  .int('must be a whole number')
  .min(1, 'must be a port between 1 and 65535')
  .max(65535, 'must be a port between 1 and 65535');

/**
 * Metadata for a text option written on several lines (a request body, a PEM certificate):
 * the JSON schema says so (`x-multiline`), and the dashboard's form gives it a text area.
 */
export const MULTILINE = { 'x-multiline': true } as const;
