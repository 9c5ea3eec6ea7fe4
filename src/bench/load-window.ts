/**
 * Measures a running node under its check load over a window: slots checked, lateness,
 * checks/s, CPU and RSS of the node and of the targets, missed slots, event-loop delay.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { heldVerdict, startToArrival, targetLateness, type HeldVerdict } from './held.js';
import { ProcessSampler } from './proc-stats.js';
import { fmt, megabytes } from './report.js';
import { checkStarts, slotFigures, type SlotFigures } from './results-db.js';
import type { Spread } from './stats.js';
import type { TargetPool } from './target-pool.js';
import {
  databaseOf,
  scrapeMetrics,
  sumSamples,
  type BenchNode,
  type Fleet,
} from './tireless-node.js';

/** Seconds after a window ends before its results are read: checks finish, batches flush. */
const GRACE_SECONDS = 3;

export interface LoadFigures extends SlotFigures {
  /** The window, ms since the epoch: [windowFrom, windowTo). */
  windowFrom: number;
  windowTo: number;
  windowSeconds: number;
  /** Results for slots in the window, per second. */
  checksPerSecond: number;
  /** Checks started in the window per second, whatever their slot (stale ones too). */
  startedPerSecond: number;
  /** Checked slots of expected, %. */
  slotsCheckedPct: number;
  /** Slots the scheduler reported missed during the window (tireless_scheduler_missed_slots_total). */
  missedSlotsReported: number;
  /** CPU % (1 core = 100) over the window. */
  nodeCpu: number;
  /** CPU % of the node's main thread: the event loop (scheduling, SQLite, API). */
  nodeMainThreadCpu: number;
  /** CPU % of the node's busiest other thread: a check worker. */
  nodeBusiestWorkerCpu: number;
  targetCpu: number;
  /** All cores (2 cores fully busy = 200): the node, the targets, the kernel's network stack, the bench. */
  machineCpu: number;
  /** Every other process (the bench itself, other work sharing the machine), 1 core = 100. */
  othersCpu: number;
  /** Bytes the node wrote to storage per second (SQLite WAL and checkpoints). */
  nodeWriteBytesPerSecond: number;
  /** Largest node RSS sampled during the window, bytes. */
  nodeMaxRss: number;
  /** The node's event-loop delay p99 over the window, ms (prom-client's monitorEventLoopDelay). */
  eventLoopDelayP99Ms: number;
  /** arrival − slot of the requests that reached the targets for slots in the window, ms. */
  targetLateness: Spread;
  /** arrival − checkedAt of those requests, ms: the part of targetLateness after the start. */
  startToArrival: Spread;
  /** Checks up of those against healthy targets, %. */
  upPct: number;
  /** Each criterion of "held", and all of them. */
  verdict: HeldVerdict;
}

/** Waits `seconds` while sampling, then `GRACE_SECONDS`, and reads the window's figures. */
export async function measureLoadWindow(
  node: BenchNode,
  pool: TargetPool,
  seconds: number,
  fleet: Fleet,
): Promise<LoadFigures> {
  const before = await scrapeMetrics(node);
  const sampler = new ProcessSampler({ node: [node.pid], targets: pool.pids });
  await pool.resetArrivals();
  const from = Date.now();
  sampler.start();
  await sleep(seconds * 1000);
  const to = Date.now();
  const cpu = sampler.stop();
  const after = await scrapeMetrics(node);
  await sleep(GRACE_SECONDS * 1000);
  const slots = slotFigures(databaseOf(node), from, to, fleet.unhealthy);
  const arrivals = await pool.arrivals();
  const atTarget = targetLateness(arrivals, fleet.monitors, from, to);
  const starts = checkStarts(databaseOf(node), from, to);
  const afterStart = startToArrival(arrivals, fleet.monitors, starts, from, to);
  const missed = 'tireless_scheduler_missed_slots_total';
  const missedSlotsReported = sumSamples(after, missed) - sumSamples(before, missed);
  const verdict = heldVerdict({ ...slots, missedSlotsReported, targetLateness: atTarget });
  return {
    ...slots,
    windowFrom: from,
    windowTo: to,
    windowSeconds: (to - from) / 1000,
    checksPerSecond: slots.checkedSlots / ((to - from) / 1000),
    startedPerSecond: slots.startedInWindow / ((to - from) / 1000),
    slotsCheckedPct: verdict.slotsCheckedPct,
    missedSlotsReported,
    targetLateness: atTarget,
    startToArrival: afterStart,
    upPct: verdict.upPct,
    verdict,
    nodeCpu: cpu.processes.node ?? Number.NaN,
    nodeMainThreadCpu: cpu.mainThreads.node ?? Number.NaN,
    nodeBusiestWorkerCpu: cpu.busiestOtherThreads.node ?? Number.NaN,
    targetCpu: cpu.processes.targets ?? Number.NaN,
    machineCpu: cpu.machine,
    othersCpu: cpu.others,
    nodeMaxRss: cpu.maxRss.node ?? Number.NaN,
    nodeWriteBytesPerSecond: (cpu.written.node ?? Number.NaN) / ((to - from) / 1000),
    eventLoopDelayP99Ms: 1000 * sumSamples(after, 'nodejs_eventloop_lag_p99_seconds'),
  };
}

/** Table columns for the criteria of "held", each with its figure. */
export const HELD_COLUMNS = [
  'held',
  'slots checked ≥ 99.9 %',
  'missed (scheduler) = 0',
  'up ≥ 99.9 %',
  'stored lateness p50 / p99 / max (p99 ≤ 250 ms)',
  'at the target p50 / p99 / max (p99 ≤ 250 ms)',
] as const;

const mark = (ok: boolean): string => (ok ? '✓' : '✗');

/** The cells under HELD_COLUMNS for one window. */
export function heldCells(
  f: Pick<LoadFigures, 'verdict' | 'missedSlotsReported' | 'lateness' | 'targetLateness'>,
): string[] {
  const v = f.verdict;
  const spread = (s: Spread, ok: boolean) =>
    `${fmt(s.p50)} / ${fmt(s.p99)} / ${fmt(s.max)} ms ${mark(ok)}`;
  return [
    v.held ? 'held ✓' : 'not held ✗',
    `${fmt(v.slotsCheckedPct, 2)} % ${mark(v.slotsChecked)}`,
    `${fmt(f.missedSlotsReported)} ${mark(v.noMissedSlot)}`,
    `${fmt(v.upPct, 2)} % ${mark(v.up)}`,
    spread(f.lateness, v.storedP99),
    spread(f.targetLateness, v.targetP99),
  ];
}

/** Table columns for what every load window measures beside the criteria. */
export const LOAD_COLUMNS = [
  'check start → target p50 / p99',
  'node CPU (main / busiest worker)',
  'target CPU',
  'machine CPU',
  'others CPU',
  'node RSS max',
  'node disk writes (per check)',
  'loop delay p99',
] as const;

/** The cells under LOAD_COLUMNS for one window. */
export function loadCells(f: LoadFigures): string[] {
  return [
    `${fmt(f.startToArrival.p50)} / ${fmt(f.startToArrival.p99)} ms`,
    `${fmt(f.nodeCpu)} % (${fmt(f.nodeMainThreadCpu)} / ${fmt(f.nodeBusiestWorkerCpu)} %)`,
    `${fmt(f.targetCpu)} %`,
    `${fmt(f.machineCpu)} %`,
    `${fmt(f.othersCpu)} %`,
    `${megabytes(f.nodeMaxRss)} MB`,
    `${megabytes(f.nodeWriteBytesPerSecond)} MB/s (${fmt(f.nodeWriteBytesPerSecond / f.checksPerSecond / 1000, 1)} kB)`,
    `${fmt(f.eventLoopDelayP99Ms, 1)} ms`,
  ];
}

/** HELD_COLUMNS then LOAD_COLUMNS: a window's whole figures, as most tables show them. */
export const WINDOW_COLUMNS = [...HELD_COLUMNS, ...LOAD_COLUMNS] as const;

/** The cells under WINDOW_COLUMNS for one window. */
export function windowCells(f: LoadFigures): string[] {
  return [...heldCells(f), ...loadCells(f)];
}
