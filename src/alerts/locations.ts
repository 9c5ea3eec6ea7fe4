/**
 * Several locations, one verdict: what the latest results of the regions that check a
 * monitor agree on. Pure; the state machine keeps each location's latest result and judges
 * the agreement as it would judge one result.
 */
import { monitorLocations, type Monitor } from '../model/index.js';

/** How a monitor checked from several locations is confirmed down. */
export interface ConfirmationPolicy {
  /**
   * Failing locations needed for down, ≥ 1: the monitor's `confirmations`, but at most the
   * locations that check it now (a region lost, a node alone in island mode: all of them).
   */
  needed: number;
  /**
   * A location whose latest result is more than this many ms older than the newest slot no
   * longer counts: its node died, or its results stopped arriving (two intervals).
   */
  staleAfterMs: number;
}

/** A location whose latest result is older than this many intervals no longer counts. */
const STALE_AFTER_INTERVALS = 2;

/**
 * Several locations: how `monitor` is confirmed down — by its `confirmations`, or by all the
 * locations that check it when fewer do (`checking()`, how many check it now: a region lost,
 * a node alone in island mode, where a missed alert is worse than an unconfirmed one). One
 * location: nothing to confirm, each result is judged alone (and `checking` is not asked).
 */
export function confirmationOf(
  monitor: Pick<Monitor, 'intervalSeconds' | 'locations' | 'confirmations'>,
  checking: () => number,
): { confirmation?: ConfirmationPolicy } {
  const { locations, confirmations } = monitorLocations(monitor);
  if (locations < 2) return {};
  const needed = Math.max(1, Math.min(confirmations, checking()));
  const staleAfterMs = STALE_AFTER_INTERVALS * monitor.intervalSeconds * 1000;
  return { confirmation: { needed, staleAfterMs } };
}

/** One location's latest result. */
export interface LocationResult {
  slot: number;
  status: 'up' | 'down';
  error?: string;
}

/** The locations whose latest result is at most `staleAfterMs` older than `slot`. */
export function recentLocations(
  locations: Readonly<Record<string, LocationResult>>,
  slot: number,
  staleAfterMs: number,
): Record<string, LocationResult> {
  return Object.fromEntries(
    Object.entries(locations).filter(([, latest]) => slot - latest.slot <= staleAfterMs),
  );
}

/**
 * What the locations agree on: down when at least `needed` of them fail (the error names
 * each), up when fewer fail and at least `needed` report. Undefined while fewer report and
 * not enough fail: no verdict, the status stays as it was — a new monitor is not down on
 * the first location's failure, nor a down one up because a location fell silent (until
 * membership says fewer check it, and fewer are needed).
 */
export function agreement(
  locations: Readonly<Record<string, LocationResult>>,
  needed: number,
): { status: 'up' | 'down'; error?: string } | undefined {
  const regions = Object.keys(locations).sort();
  const failing = regions.filter((region) => locations[region]?.status === 'down');
  if (failing.length < needed) return regions.length < needed ? undefined : { status: 'up' };
  const error = failing
    .map((region) => `${region}: ${locations[region]?.error ?? 'down'}`)
    .join('; ');
  return { status: 'down', error };
}
