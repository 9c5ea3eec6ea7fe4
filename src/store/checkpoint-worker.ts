/**
 * The checkpointer's thread (started by startCheckpointer): a connection of its own to the
 * node's database, copying the WAL back with PASSIVE checkpoints, which never wait for the
 * writer and never make it wait.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CheckpointReport, CheckpointWorkerData } from './checkpointer.js';

/** Checkpoints per tick at most, when the writer keeps committing during each. */
const MAX_PASSES = 4;

const port = parentPort;
if (!port) throw new Error('checkpoint-worker runs as a worker thread (startCheckpointer)');
const { path, intervalMs } = workerData as CheckpointWorkerData;
const db = plainErrors(() => new Database(path, { fileMustExist: true }));

/**
 * Runs a better-sqlite3 call, rethrowing a failure as a plain Error: the worker's error event
 * would lose the message of a SqliteError (not a built-in error, so cloned as an object).
 */
function plainErrors<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    throw Object.assign(new Error(String(message ?? error)), code === undefined ? {} : { code });
  }
}

function checkpoint(): CheckpointReport {
  return (db.pragma('wal_checkpoint(PASSIVE)') as [CheckpointReport])[0];
}

/**
 * A checkpoint copies the frames the WAL had when it began, and the writer commits
 * meanwhile. The WAL is written again from its start (instead of growing) only by a commit
 * that finds every frame copied, so catch up until a pass finds no new frame.
 */
function catchUp(): CheckpointReport {
  let report = checkpoint();
  for (let pass = 1; pass < MAX_PASSES; pass++) {
    const next = checkpoint();
    if (next.log === report.log) return next;
    report = next;
  }
  return report;
}

const timer = setInterval(() => port.postMessage(plainErrors(catchUp)), intervalMs);

// Any message means stop.
port.once('message', () => {
  clearInterval(timer);
  plainErrors(() => db.close());
  port.close();
});
