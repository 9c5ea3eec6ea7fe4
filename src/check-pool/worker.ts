/**
 * A check worker thread: runs the jobs the pool sends and returns their outcomes. Outcomes
 * that finish in the same event-loop turn go back in one message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckOutcome } from '../checks/index.js';
import { privateAddressGuard } from '../net-guard/index.js';
import type { FromWorker, ToWorker, WorkerSettings } from './protocol.js';
import { runCheck, type CheckJob } from './run-check.js';

if (!parentPort) throw new Error('check worker must run in a worker thread');
const port = parentPort;
const settings = workerData as WorkerSettings;
const addressGuard = settings.blockPrivateTargets ? privateAddressGuard : undefined;
const running = new Set<AbortController>();
let finished: [number, CheckOutcome][] = [];

port.on('message', (message: ToWorker) => {
  if (message.kind === 'abort') {
    for (const check of running) check.abort();
    return;
  }
  for (const [id, job] of message.jobs) void start(id, job);
});

async function start(id: number, job: CheckJob): Promise<void> {
  const abort = new AbortController();
  running.add(abort);
  const outcome = await runCheck(job, abort.signal, addressGuard);
  running.delete(abort);
  if (finished.length === 0) setImmediate(sendFinished);
  finished.push([id, outcome]);
}

function sendFinished(): void {
  const message: FromWorker = { kind: 'done', outcomes: finished };
  finished = [];
  port.postMessage(message);
}
