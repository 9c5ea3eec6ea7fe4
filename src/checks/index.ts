/**
 * The checkers, one per monitor type: each type's runner (runners.ts, the registration table
 * that names the types) joined with its options spec. To add a type, follow "Add a checker"
 * in CONTRIBUTING.md.
 */
import { dnsSpec } from './dns/options.js';
import { httpSpec } from './http/options.js';
import { pingSpec } from './ping/options.js';
import { pushSpec } from './push/options.js';
import { MONITOR_TYPES, runners, type MonitorType, type OptionsOf } from './runners.js';
import { tcpSpec } from './tcp/options.js';
import { tlsSpec } from './tls/options.js';
import type { Checker, OptionsSpec } from './types.js';

export type * from './types.js';
export { MONITOR_TYPES, type MonitorType } from './runners.js';
export { checkUserAgent } from './http/index.js';
export type { HttpOptions } from './http/options.js';
export type { TcpOptions } from './tcp/options.js';
export type { DnsOptions, DnsRecordType } from './dns/options.js';
export type { PingOptions } from './ping/options.js';
export type { TlsOptions } from './tls/options.js';
export type { PushOptions } from './push/options.js';
export { PUSH_TOKEN } from './push/options.js';

/** Each type's options spec; the type makes this list every type of the runners table. */
const specs: { readonly [T in MonitorType]: OptionsSpec<OptionsOf<T>> } = {
  http: httpSpec,
  tcp: tcpSpec,
  dns: dnsSpec,
  ping: pingSpec,
  tls: tlsSpec,
  push: pushSpec,
};

type Checkers = { readonly [T in MonitorType]: Checker<OptionsOf<T>> };

/** Every checker by monitor type, in the runners table's order. */
export const checkers: Checkers = Object.freeze(
  Object.fromEntries(
    MONITOR_TYPES.map((type) => [type, { type, ...specs[type], run: runners[type] } as Checker]),
  ),
) as Checkers;

/** The checker for `type`, or undefined for an unknown type. */
export function getChecker(type: string): Checker | undefined {
  return Object.hasOwn(checkers, type) ? (checkers[type as MonitorType] as Checker) : undefined;
}
