/**
 * The runners, one per monitor type: the registration table that names the types. Check
 * threads import this module and not index.ts, so they load no zod: nothing here or below it
 * may import a schema (a test starts a check thread and looks).
 */
import { runDns } from './dns/index.js';
import { runHttp } from './http/index.js';
import { runPing } from './ping/index.js';
import { runPush } from './push/index.js';
import { runTcp } from './tcp/index.js';
import { runTls } from './tls/index.js';
import type { Runner } from './types.js';

/** Every runner by monitor type, in the order types are listed. */
export const runners = Object.freeze({
  http: runHttp,
  tcp: runTcp,
  dns: runDns,
  ping: runPing,
  tls: runTls,
  push: runPush,
});

export type MonitorType = keyof typeof runners;

/** The options of one monitor type, as its schema outputs them. */
export type OptionsOf<T extends MonitorType> = Parameters<(typeof runners)[T]>[0];

/** The monitor type names, in table order. */
export const MONITOR_TYPES = Object.freeze(Object.keys(runners)) as readonly MonitorType[];

/** The runner for `type`, or undefined for an unknown type. */
export function getRunner(type: string): Runner | undefined {
  return Object.hasOwn(runners, type) ? (runners[type as MonitorType] as Runner) : undefined;
}
