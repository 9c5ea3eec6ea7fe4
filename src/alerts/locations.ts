/**
 * Several locations, one verdict per slot: what the results of the regions that checked a
 * monitor's slot agree on. Pure; the state machine holds each slot's results until the slot
 * is complete (or its grace has passed) and judges the agreement as it would judge one
 * result.
 */
import { monitorLocations, type Monitor } from '../model/index.js';

/** How a monitor checked from several locations is confirmed down. */
export interface ConfirmationPolicy {
  /** The monitor's `locations`, ≥ 2. */
  locations: number;
  /** The monitor's `confirmations`, ≥ 1. */
  confirmations: number;
  /**
   * For a slot whose results record no `checking` (results of a node before it recorded
   * them): the failing locations needed for down and the locations expected, from this
   * node's view of who checks the monitor now (see `slotConfirmation`).
   */
  live: SlotConfirmation;
  /**
   * A slot not complete is judged with the results it has once a result of a slot at least
   * this many ms later arrives (two intervals: a check may take up to one, its timeout).
   */
  graceMs: number;
}

/** A slot missing a location's result is judged once a result this many intervals newer came. */
const GRACE_INTERVALS = 2;

/** What one slot needs: failing locations for down, and results for the slot to be complete. */
export interface SlotConfirmation {
  /**
   * Failing locations needed for down, ≥ 1: the monitor's `confirmations`, but at most the
   * locations that checked the slot (a region lost, a node alone in island mode: all of them).
   */
  needed: number;
  /** The locations that checked the slot, ≥ 1: that many regions reported, it is complete. */
  expected: number;
}

/**
 * Several locations: how `monitor` is confirmed down — by its `confirmations`, or by all the
 * locations that check it when fewer do (a region lost, a node alone in island mode, where a
 * missed alert is worse than an unconfirmed one). How many check it is what the checking
 * nodes recorded on the slot's results (`slotConfirmation`); `checking()`, how many check it
 * now in this node's view, only stands in for results that record none. One location:
 * nothing to confirm, each result is judged alone (and `checking` is not asked).
 */
export function confirmationOf(
  monitor: Pick<Monitor, 'intervalSeconds' | 'locations' | 'confirmations'>,
  checking: () => number,
): { confirmation?: ConfirmationPolicy } {
  const { locations, confirmations } = monitorLocations(monitor);
  if (locations < 2) return {};
  const graceMs = GRACE_INTERVALS * monitor.intervalSeconds * 1000;
  const live = confirmationFor(locations, confirmations, checking());
  return { confirmation: { locations, confirmations, live, graceMs } };
}

function confirmationFor(
  locations: number,
  confirmations: number,
  checking: number,
): SlotConfirmation {
  return {
    needed: Math.max(1, Math.min(confirmations, checking)),
    expected: Math.max(1, Math.min(locations, checking)),
  };
}

/**
 * What a slot needs, from its results only: the most locations any of its checking nodes
 * saw checking the monitor (each records its assignment on its result), capped by the
 * monitor's `locations` and `confirmations` — so every replica, and a replay of the slot
 * long after, decides it alike whoever is alive when it judges. The live view stands in
 * only when no result of the slot records it (older nodes).
 */
export function slotConfirmation(
  reported: Readonly<Record<string, Pick<LocationResult, 'checking'>>>,
  confirmation: Pick<ConfirmationPolicy, 'locations' | 'confirmations' | 'live'>,
): SlotConfirmation {
  let checking = 0;
  for (const result of Object.values(reported)) {
    checking = Math.max(checking, result.checking ?? 0);
  }
  if (checking === 0) return confirmation.live;
  return confirmationFor(confirmation.locations, confirmation.confirmations, checking);
}

/** One location's result of a slot, and the node that checked it (one per region is kept). */
export interface LocationResult {
  node: string;
  status: 'up' | 'down';
  error?: string;
  /**
   * How many locations checked the monitor as its checking node saw it, the most of this
   * region's results of the slot (absent: none recorded it).
   */
  checking?: number;
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
