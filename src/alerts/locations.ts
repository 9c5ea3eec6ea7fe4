/**
 * Several locations, one verdict per slot: what the results of the regions that checked a
 * monitor's slot agree on. Pure; the state machine holds each slot's results until the slot
 * is complete (or its grace has passed) and judges the agreement as it would judge one
 * result.
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
   * The locations that check it now, ≥ 1: a slot that many regions have reported is
   * complete and judged at once.
   */
  expected: number;
  /**
   * A slot not complete is judged with the results it has once a result of a slot at least
   * this many ms later arrives (two intervals: a check may take up to one, its timeout).
   */
  graceMs: number;
}

/** A slot missing a location's result is judged once a result this many intervals newer came. */
const GRACE_INTERVALS = 2;

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
  const live = checking();
  const needed = Math.max(1, Math.min(confirmations, live));
  const expected = Math.max(1, Math.min(locations, live));
  const graceMs = GRACE_INTERVALS * monitor.intervalSeconds * 1000;
  return { confirmation: { needed, expected, graceMs } };
}

/** One location's result of a slot, and the node that checked it (one per region is kept). */
export interface LocationResult {
  node: string;
  status: 'up' | 'down';
  error?: string;
}

/**
 * What the locations that reported a slot agree on: down when at least `needed` of them
 * fail (the error names each), up when fewer fail and either at least `needed` report or
 * none fails. Undefined while a failure is neither confirmed nor outnumbered (fewer than
 * `needed` report, one fails): the status stays as it was — a new monitor is not down on
 * the first location's failure.
 */
export function agreement(
  locations: Readonly<Record<string, Pick<LocationResult, 'status' | 'error'>>>,
  needed: number,
): { status: 'up' | 'down'; error?: string } | undefined {
  const regions = Object.keys(locations).sort();
  const failing = regions.filter((region) => locations[region]?.status === 'down');
  if (failing.length < needed) {
    return regions.length < needed && failing.length > 0 ? undefined : { status: 'up' };
  }
  const error = failing
    .map((region) => `${region}: ${locations[region]?.error ?? 'down'}`)
    .join('; ');
  return { status: 'down', error };
}
