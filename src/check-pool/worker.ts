/**
 * A check worker thread: runs the jobs the pool sends and returns their outcomes. It keeps
 * each monitor's options (sent once per version); outcomes that finish in the same
 * event-loop turn go back in one message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckOutcome } from '../checks/index.js';
import type { FromWorker, ToWorker, WireJob, WorkerSettings } from './protocol.js';
import { RunningChecks } from './running-checks.js';

if (!parentPort) throw new Error('check worker must run in a worker thread');
const port = parentPort;
const settings = workerData as WorkerSettings;
const checks = new RunningChecks(settings);
const optionsOf = new Map<string, Record<string, unknown>>();
let finished: FromWorker['outcomes'] = [];
let startedThrough = -1;
let sendScheduled = false;

port.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'abort':
      checks.abortAll();
      return;
    case 'forget':
      for (const monitorId of message.monitorIds) optionsOf.delete(monitorId);
      return;
    case 'run':
      for (const job of message.jobs) void start(job);
      // Said back with the next outcomes, or alone: the pool counts started checks apart.
      startedThrough = message.jobs.at(-1)?.id ?? startedThrough;
      scheduleSend();
  }
});

async function start(wire: WireJob): Promise<void> {
  const { id, options: sent, ...job } = wire;
  if (sent) optionsOf.set(job.monitorId, sent);
  const options = optionsOf.get(job.monitorId);
  if (!options) return finish(id, null, Date.now()); // the pool always sends them first; never guess
  const ran = await checks.run({ ...job, options });
  finish(id, ran.outcome, ran.startedAt);
}

function finish(id: number, outcome: CheckOutcome | null, startedAt: number): void {
  scheduleSend();
  finished.push([id, outcome, startedAt]);
}

function scheduleSend(): void {
  if (sendScheduled) return;
  sendScheduled = true;
  setImmediate(sendFinished);
}

function sendFinished(): void {
  const message: FromWorker = { kind: 'done', outcomes: finished, startedThrough };
  finished = [];
  sendScheduled = false;
  port.postMessage(message);
}
