/**
 * When a load counts as held, and lateness as the target saw it: pure functions of the
 * window's figures, unit-tested in held.test.ts.
 */
import { slotAtOrBefore } from '../slots/index.js';
import { spreadOf, type Spread } from './stats.js';
import type { Arrivals } from './target-pool.js';

/** The bars of "held" (issue 11). */
export const HELD = {
  /** Expected slots with a stored result, at least, %. */
  slotsCheckedPct: 99.9,
  /** Checks up against a healthy target, at least, %. */
  upPct: 99.9,
  /** p99 lateness, stored (checkedAt − slot) and at the target (arrival − slot), at most, ms. */
  p99LatenessMs: 250,
} as const;

/** What a window is judged by. */
export interface HeldInputs {
  expectedSlots: number;
  checkedSlots: number;
  /** Slots the scheduler counted as missed during the window. */
  missedSlotsReported: number;
  /** Results of checks of monitors whose target is healthy, and of those, up. */
  healthyResults: number;
  healthyUp: number;
  /** checkedAt − slot, ms. */
  lateness: Spread;
  /** arrival − slot at the target, ms (count 0 when nothing was recorded there). */
  targetLateness: Spread;
}

/** Each criterion of "held", and all of them. */
export interface HeldVerdict {
  slotsCheckedPct: number;
  upPct: number;
  slotsChecked: boolean;
  noMissedSlot: boolean;
  up: boolean;
  storedP99: boolean;
  targetP99: boolean;
  held: boolean;
}

/** a/b in %, NaN when b is 0. */
export function pct(a: number, b: number): number {
  return b === 0 ? Number.NaN : (100 * a) / b;
}

/**
 * Judges a window. A window with no expected slot, no healthy result, or no arrival at the
 * target holds nothing: each figure must have been measured to pass.
 */
export function heldVerdict(f: HeldInputs): HeldVerdict {
  const slotsCheckedPct = pct(f.checkedSlots, f.expectedSlots);
  const upPct = pct(f.healthyUp, f.healthyResults);
  const verdict = {
    slotsCheckedPct,
    upPct,
    slotsChecked: slotsCheckedPct >= HELD.slotsCheckedPct,
    noMissedSlot: f.missedSlotsReported === 0,
    up: upPct >= HELD.upPct,
    storedP99: f.lateness.count > 0 && f.lateness.p99 <= HELD.p99LatenessMs,
    targetP99: f.targetLateness.count > 0 && f.targetLateness.p99 <= HELD.p99LatenessMs,
  };
  return {
    ...verdict,
    held:
      verdict.slotsChecked &&
      verdict.noMissedSlot &&
      verdict.up &&
      verdict.storedP99 &&
      verdict.targetP99,
  };
}

/** A monitor of the bench: its id, and its interval, ms. */
export interface BenchMonitor {
  id: string;
  intervalMs: number;
}

/**
 * Lateness where the user sees it: for each request that reached a target for monitor n
 * (`/m/<n>`), arrival − the monitor's latest slot at or before the arrival, of the arrivals
 * whose slot lies in [from, to). The slot is found from the arrival alone: a check never
 * starts later than its next slot (the scheduler drops a stale one as missed), so the
 * request arrives within its own slot's interval unless connecting took longer than what was
 * left of it. Arrivals of unknown monitors are left out.
 */
export function targetLateness(
  arrivals: Arrivals,
  monitors: readonly (BenchMonitor | undefined)[],
  from: number,
  to: number,
): Spread {
  const samples: number[] = [];
  eachArrivalInWindow(arrivals, monitors, from, to, (monitor, slot, at) => {
    samples.push(at - slot);
  });
  return spreadOf(samples);
}

/**
 * How long a request took from its check's start to the target: for each arrival counted by
 * targetLateness whose (monitor, slot) has a stored result, arrival − checkedAt. It splits
 * lateness at the target into the scheduler's part (stored lateness) and this part (the
 * check thread's own delay, connecting, the target reading the request). `checkedAt` maps
 * `checkKey(monitor id, slot)` to the check's start, ms since the epoch.
 */
export function startToArrival(
  arrivals: Arrivals,
  monitors: readonly (BenchMonitor | undefined)[],
  checkedAt: ReadonlyMap<string, number>,
  from: number,
  to: number,
): Spread {
  const samples: number[] = [];
  eachArrivalInWindow(arrivals, monitors, from, to, (monitor, slot, at) => {
    const started = checkedAt.get(checkKey(monitor.id, slot));
    if (started !== undefined) samples.push(at - started);
  });
  return spreadOf(samples);
}

/** The key of one check in startToArrival's map. */
export function checkKey(monitorId: string, slot: number): string {
  return `${monitorId}@${slot}`;
}

function eachArrivalInWindow(
  arrivals: Arrivals,
  monitors: readonly (BenchMonitor | undefined)[],
  from: number,
  to: number,
  visit: (monitor: BenchMonitor, slot: number, at: number) => void,
): void {
  for (let i = 0; i < arrivals.at.length; i++) {
    const monitor = monitors[arrivals.monitors[i] as number];
    const at = arrivals.at[i] as number;
    if (!monitor) continue;
    const slot = slotAtOrBefore(monitor.id, monitor.intervalMs, at);
    if (slot >= from && slot < to) visit(monitor, slot, at);
  }
}

/** How many slots of the monitor's grid fall in [from, to). */
export function slotsIn(monitorId: string, intervalMs: number, from: number, to: number): number {
  const last = slotAtOrBefore(monitorId, intervalMs, to - 1);
  const beforeFirst = slotAtOrBefore(monitorId, intervalMs, from - 1);
  return (last - beforeFirst) / intervalMs;
}
