import type { CheckOutcome } from '../checks/index.js';
import type { CheckJob } from './run-check.js';

/** What a check worker is started with (`workerData`). */
export interface WorkerSettings {
  blockPrivateTargets: boolean;
}

/** Main thread → worker: jobs to start (batched per tick), or abort every check running. */
export type ToWorker = { kind: 'run'; jobs: [id: number, job: CheckJob][] } | { kind: 'abort' };

/** Worker → main thread: outcomes finished since the last message. */
export interface FromWorker {
  kind: 'done';
  outcomes: [id: number, outcome: CheckOutcome][];
}
