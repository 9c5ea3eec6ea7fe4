/**
 * The browser scenario's figures from what the page recorded: pure functions, unit-tested in
 * browser-figures.test.ts.
 */
import { percentile } from './stats.js';

/** The bars of "smooth" (the reasons are in method.md). */
export const SMOOTH = {
  /** Frame interval p95 in each phase, at most, ms (20 frames/s). */
  p95FrameMs: 50,
  /** The longest task of the main thread in each phase, at most, ms. */
  longestTaskMs: 200,
  /** Rows in the page at any time, fewer than (the list is virtual). */
  rows: 200,
} as const;

/** A long task as the page's PerformanceObserver saw it, in the page's clock (ms). */
export interface LongTask {
  startTime: number;
  duration: number;
}

/** Frame intervals of one phase, ms. */
export interface FrameSpread {
  frames: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Long tasks of one phase. */
export interface LongTasks {
  count: number;
  totalMs: number;
  maxMs: number;
}

/** One phase of the page (scrolling, typing, idle) and how it went. */
export interface PhaseFigures {
  seconds: number;
  frames: FrameSpread;
  longTasks: LongTasks;
  /** p95 and the longest task within the bars. */
  held: boolean;
}

/**
 * The intervals between the animation frames stamped at `frames` (ascending, page clock)
 * that begin in [from, to): each is how long the page showed one picture. A phase with no
 * interval has NaN figures.
 */
export function frameIntervals(frames: readonly number[], from: number, to: number): FrameSpread {
  const intervals: number[] = [];
  for (let i = 1; i < frames.length; i++) {
    const previous = frames[i - 1] as number;
    if (previous >= from && previous < to) intervals.push((frames[i] as number) - previous);
  }
  intervals.sort((a, b) => a - b);
  return {
    frames: intervals.length,
    p50: percentile(intervals, 50),
    p95: percentile(intervals, 95),
    p99: percentile(intervals, 99),
    max: intervals.length === 0 ? Number.NaN : (intervals[intervals.length - 1] as number),
  };
}

/**
 * The long tasks that overlap [from, to), each counted whole: a task that began before the
 * phase and froze the page into it is the phase's.
 */
export function longTasksIn(tasks: readonly LongTask[], from: number, to: number): LongTasks {
  let count = 0;
  let totalMs = 0;
  let maxMs = 0;
  for (const task of tasks) {
    if (task.startTime + task.duration <= from || task.startTime >= to) continue;
    count++;
    totalMs += task.duration;
    maxMs = Math.max(maxMs, task.duration);
  }
  return { count, totalMs, maxMs };
}

/** A phase's figures, and whether it stayed within the bars (no frame measured: not held). */
export function phaseFigures(
  frames: readonly number[],
  tasks: readonly LongTask[],
  from: number,
  to: number,
): PhaseFigures {
  const spread = frameIntervals(frames, from, to);
  const long = longTasksIn(tasks, from, to);
  return {
    seconds: (to - from) / 1000,
    frames: spread,
    longTasks: long,
    held:
      spread.frames > 0 && spread.p95 <= SMOOTH.p95FrameMs && long.maxMs <= SMOOTH.longestTaskMs,
  };
}

/** Whether the page was smooth: each phase held, and the rows in it stayed few. */
export function smoothVerdict(phases: readonly PhaseFigures[], maxRows: number) {
  const phasesHeld = phases.length > 0 && phases.every((phase) => phase.held);
  const fewRows = maxRows > 0 && maxRows < SMOOTH.rows;
  return { phasesHeld, fewRows, held: phasesHeld && fewRows };
}
