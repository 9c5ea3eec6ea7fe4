import type { z } from 'zod';
import type { HttpTiming } from '../http-client/index.js';
import type { AddressGuard } from '../net-guard/index.js';

export type { AddressGuard };

/** What one check of one slot found. */
export interface CheckOutcome {
  /**
   * `pending`: no verdict yet (a push monitor in its first period, see `checkingSince`):
   * nothing is recorded, the slot stays a gap and the monitor's state stays as it was.
   */
  status: 'up' | 'down' | 'pending';
  /** Total time the check took, ms (for http: until the body was read). */
  latencyMs: number;
  /** Why it is down, one readable line; absent when up. */
  error?: string;
  /** Type-specific measurements, e.g. http timing or days until a certificate expires. */
  details?: CheckDetails;
}

export interface CheckDetails {
  /** http: ms spent in each phase of the final request. */
  timing?: HttpTiming;
  /** http: the final status code after redirects. */
  statusCode?: number;
  /** tls: whole days until the leaf certificate expires (negative once expired). */
  certDaysLeft?: number;
  /** tls: the leaf certificate's notAfter, ms since the epoch. */
  certExpiresAt?: number;
  /** ping: packet loss in percent. */
  packetLossPercent?: number;
}

export interface CheckContext {
  /** Hard limit for the whole check, ms; the checker must settle by then. */
  timeoutMs: number;
  /** Aborted when the node shuts down or the timeout passes. */
  signal: AbortSignal;
  /** When set, refuses targets whose addresses it rejects (SSRF guard for shared deployments). */
  addressGuard?: AddressGuard;
  /** push monitors: when this monitor last received a heartbeat, ms since the epoch. */
  lastPushAt?: number;
  /** When this check is judged, ms since the epoch (push monitors compare against it). */
  now: number;
  /**
   * When this node began checking the monitor as it is now, ms since the epoch: when it was
   * added, resumed or its interval changed, or the node started (pushes sent meanwhile may
   * have been lost). Push monitors give their job one period from then.
   */
  checkingSince: number;
  /** The monitor's interval, ms. */
  intervalMs: number;
  /**
   * The User-Agent of HTTP checks (a monitor's own `headers` may replace it): it names the
   * node and region that check, see `checkUserAgent`.
   */
  userAgent: string;
}

/**
 * Performs one check of a monitor type and never throws (failures are `down` outcomes). A
 * runner and what it imports load no zod: check threads load runners only, the options were
 * validated on the main thread.
 */
export type Runner<Options = unknown> = (
  options: Options,
  ctx: CheckContext,
) => Promise<CheckOutcome>;

/**
 * The main thread's side of a monitor type: `options` validates the type's own fields of a
 * monitor (target and type options); `target` renders them for messages.
 */
export interface OptionsSpec<Options = unknown> {
  options: z.ZodType<Options>;
  /**
   * Option fields that hold credentials (a string, or a map of strings such as headers):
   * sealed at rest, masked in API replies, opened only to check. A URL's user-info is secret
   * for every type. @defaultValue none
   */
  secretFields?: readonly string[];
  /**
   * Secret fields that API replies show to the monitor's account all the same, because its
   * user must have them (a push token is part of the URL the job calls). @defaultValue none
   */
  shownSecretFields?: readonly string[];
  target(options: Options): string;
}

/**
 * A checker: one per monitor type, its runner (checks/runners.ts) joined with its options
 * spec (checks/index.ts).
 */
export interface Checker<Options = unknown> extends OptionsSpec<Options> {
  type: string;
  run: Runner<Options>;
}
