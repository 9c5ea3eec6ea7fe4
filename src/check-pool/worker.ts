/**
 * A check worker thread: runs the jobs the pool sends and returns their outcomes. It keeps
 * each monitor's options (sent once per version); outcomes go back together, at most
 * OUTCOMES_EVERY_MS after the first of them finished.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckOutcome } from '../checks/index.js';
import type { FromWorker, ToWorker, WireJob, WorkerSettings } from './protocol.js';
import { RunningChecks, type CheckJob } from './running-checks.js';

if (!parentPort) throw new Error('check worker must run in a worker thread');
const port = parentPort;
const settings = workerData as WorkerSettings;
const checks = new RunningChecks(settings);
const optionsOf = new Map<string, Record<string, unknown>>();
let finished: FromWorker['outcomes'] = [];
let startedThrough = -1;
let sendScheduled = false;

/**
 * How long finished checks wait for others to go back with, ms. Each message costs both
 * threads a wake-up and a dispatch: at 15,000 monitors at 10 s a thread, sending what had
 * finished by the end of each event-loop turn made ~550 messages a second of ~2.7 outcomes.
 * Lateness is measured from a check's start, so this delays no figure, only what follows an
 * outcome (its result stored, an alert) by at most this much, and the word that checks
 * started (which frees their places under the scheduler's maxConcurrent: ~30 places at
 * 3,000 checks a second).
 */
const OUTCOMES_EVERY_MS = 10;

port.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'abort':
      checks.abortAll();
      return;
    case 'forget':
      for (const monitorId of message.monitorIds) optionsOf.delete(monitorId);
      return;
    case 'run':
      for (const job of message.jobs) start(job);
      // Said back with the next outcomes, or alone: the pool counts started checks apart.
      startedThrough = message.jobs.at(-1)?.id ?? startedThrough;
      scheduleSend();
  }
});

function start(wire: WireJob): void {
  if (wire.options) optionsOf.set(wire.monitorId, wire.options);
  const options = optionsOf.get(wire.monitorId);
  if (!options) return finish(wire.id, null, Date.now()); // the pool always sends them first; never guess
  // The job as it came, given its monitor's options: no copy of it per check.
  wire.options = options;
  void checks.run(wire as CheckJob).then((ran) => finish(wire.id, ran.outcome, ran.startedAt));
}

function finish(id: number, outcome: CheckOutcome | null, startedAt: number): void {
  scheduleSend();
  finished.push([id, outcome, startedAt]);
}

function scheduleSend(): void {
  if (sendScheduled) return;
  sendScheduled = true;
  setTimeout(sendFinished, OUTCOMES_EVERY_MS);
}

function sendFinished(): void {
  const message: FromWorker = { kind: 'done', outcomes: finished, startedThrough };
  finished = [];
  sendScheduled = false;
  port.postMessage(message);
}
