/**
 * A check worker for tests that runs no check: it answers every job with its thread's V8
 * heap limit, bytes, as the error text, so a test sees the limits the pool started it with.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.js';

const limit = String(getHeapStatistics().heap_size_limit);
parentPort?.on('message', (message: ToWorker) => {
  if (message.kind !== 'run') return;
  const outcomes: FromWorker['outcomes'] = message.jobs.map((job) => [
    job.id,
    { status: 'down', latencyMs: 0, error: limit },
    Date.now(),
  ]);
  const startedThrough = message.jobs.at(-1)?.id ?? -1;
  parentPort?.postMessage({ kind: 'done', outcomes, startedThrough } satisfies FromWorker);
});
