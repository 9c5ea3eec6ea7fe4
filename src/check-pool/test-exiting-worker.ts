/**
 * A check worker for tests that exits (as a crashed thread does) when it is sent a job of
 * type `exit`; every other job it runs as the real worker does.
 */
import { parentPort } from 'node:worker_threads';
import type { ToWorker } from './protocol.js';
import './worker.js';

parentPort?.on('message', (message: ToWorker) => {
  if (message.kind === 'run' && message.jobs.some((job) => job.type === 'exit')) process.exit(3);
});
