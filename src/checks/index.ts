/**
 * The checkers, one per monitor type, in one registration table. To add a type, follow
 * "Add a checker" in CONTRIBUTING.md.
 */
import { dnsChecker } from './dns/index.js';
import { httpChecker } from './http/index.js';
import { pingChecker } from './ping/index.js';
import { pushChecker } from './push/index.js';
import { tcpChecker } from './tcp/index.js';
import { tlsChecker } from './tls/index.js';
import type { Checker } from './types.js';

export type * from './types.js';
export { checkUserAgent, type HttpOptions } from './http/index.js';
export type { TcpOptions } from './tcp/index.js';
export { type DnsOptions, type DnsRecordType } from './dns/index.js';
export type { PingOptions } from './ping/index.js';
export type { TlsOptions } from './tls/index.js';
export { type PushOptions } from './push/index.js';

/** Every checker by monitor type: the one registration table. */
export const checkers = Object.freeze({
  http: httpChecker,
  tcp: tcpChecker,
  dns: dnsChecker,
  ping: pingChecker,
  tls: tlsChecker,
  push: pushChecker,
});

export type MonitorType = keyof typeof checkers;

/** The monitor type names, in table order. */
export const MONITOR_TYPES = Object.freeze(Object.keys(checkers)) as readonly MonitorType[];

/** The checker for `type`, or undefined for an unknown type. */
export function getChecker(type: string): Checker | undefined {
  return Object.hasOwn(checkers, type) ? checkers[type as MonitorType] : undefined;
}
