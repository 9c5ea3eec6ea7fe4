import type { CheckOutcome } from '../checks/index.js';
import type { CheckJob, CheckSettings } from './running-checks.js';

/** What a check worker is started with (`workerData`). */
export type WorkerSettings = CheckSettings;

/**
 * A job as it crosses to a worker: its monitor's options only when the worker does not hold
 * that version yet, so a check costs a few numbers, not a copy of its options.
 */
export type WireJob = Omit<CheckJob, 'options'> & {
  id: number;
  options?: CheckJob['options'];
};

/** Main thread → worker: jobs (batched per tick), monitors to drop, or abort everything. */
export type ToWorker =
  { kind: 'run'; jobs: WireJob[] } | { kind: 'forget'; monitorIds: string[] } | { kind: 'abort' };

/**
 * Worker → main thread: checks finished since the last message, each with its outcome (null:
 * not run) and when it started (ms since the epoch, see RanCheck.startedAt).
 */
export interface FromWorker {
  kind: 'done';
  outcomes: [id: number, outcome: CheckOutcome | null, startedAt: number][];
  /** Every job up to this id has started (jobs start in the order they were sent). */
  startedThrough: number;
}
