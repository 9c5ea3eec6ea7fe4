import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../testing/index.js';
import { startCheckpointer, Store, type CheckedResult, type CheckpointReport } from './index.js';
import { applyMonitor, integrityOf } from './test-fixtures.js';

const MONITORS = Array.from({ length: 50 }, (_, i) => `mon_${i}`);

/** Waits for `promise` with the event loop held open, which the checkpointer never does. */
async function awaitAlive<T>(promise: Promise<T>): Promise<T> {
  const alive = setInterval(() => {}, 1000);
  try {
    return await promise;
  } finally {
    clearInterval(alive);
  }
}

/** A checkpointer whose reports and failures a test can wait for. */
function watchedCheckpointer(path: string) {
  const reports: CheckpointReport[] = [];
  const errors: Error[] = [];
  let wake: (() => void) | undefined;
  const checkpointer = startCheckpointer(path, {
    intervalMs: 10,
    onError: (error) => {
      errors.push(error);
      wake?.();
    },
    onCheckpoint: (report) => {
      reports.push(report);
      wake?.();
    },
  });
  /** The next report; throws the worker's failure if it fails first. */
  const nextReport = async (): Promise<CheckpointReport> => {
    const [reported, failed] = [reports.length, errors.length];
    while (reports.length === reported && errors.length === failed) {
      await awaitAlive(new Promise<void>((done) => (wake = done)));
    }
    if (errors.length > failed) throw errors[failed] as Error;
    return reports[reported] as CheckpointReport;
  };
  return {
    checkpointer,
    reports,
    errors,
    nextReport,
    /** A report of a checkpoint begun after this call (the one under way may be older). */
    settled: async () => {
      // Reports the worker posted while this thread was busy (say, committing) are queued
      // still, and would pass for newer ones: let them arrive first.
      await sleep(20);
      await nextReport();
      return nextReport();
    },
  };
}

/** One result of every monitor for each of `slots` slots from `fromSlot`. */
function batch(fromSlot: number, slots: number): CheckedResult[] {
  return Array.from({ length: slots }, (_, k) =>
    MONITORS.map((monitorId) => ({
      monitorId,
      slot: fromSlot + k * 10_000,
      checkedAt: fromSlot + k * 10_000 + 3,
      status: 'up' as const,
      latencyMs: 5,
      node: 'n1',
      region: 'local',
    })),
  ).flat();
}

function storeWithMonitors(): Store {
  const store = new Store(join(tempDir(), 'tireless.db'));
  for (const id of MONITORS) applyMonitor(store, { id });
  return store;
}

test('the checkpointer copies the WAL back, so each commit writes the WAL from its start again', async (t) => {
  const store = storeWithMonitors();
  const watched = watchedCheckpointer(store.path);
  // A failed assertion must not leave the worker holding the test file open until its timeout.
  t.after(() => watched.checkpointer.stop());
  store.ingest(batch(0, 20));
  const first = await watched.settled();
  assert.ok(first.log > 0, 'there were frames to copy');
  assert.equal(first.checkpointed, first.log, 'every frame was copied back');
  const walBytes = statSync(`${store.path}-wal`).size;

  const logs: number[] = [];
  for (let round = 1; round <= 10; round++) {
    store.ingest(batch(round * 200_000, 20));
    const report = await watched.settled();
    assert.equal(report.checkpointed, report.log);
    logs.push(report.log);
  }
  // Without the restarts the WAL would hold all 11 batches: ten times as many frames.
  assert.ok(Math.max(...logs) < first.log, `WAL frames per round ${logs.join(', ')}`);
  assert.equal(statSync(`${store.path}-wal`).size, walBytes, 'the WAL file did not grow');
  assert.equal(store.countResults(), 11 * 20 * MONITORS.length);

  await watched.checkpointer.stop();
  store.close();
});

test("stop closes the worker's connection: no report after it, and stopping again is a no-op", async () => {
  const store = storeWithMonitors();
  const watched = watchedCheckpointer(store.path);
  await watched.settled();
  await watched.checkpointer.stop();
  const reported = watched.reports.length;
  store.ingest(batch(0, 1));
  store.close();
  // SQLite removes the WAL when its last connection closes: the worker's was closed.
  assert.equal(existsSync(`${store.path}-wal`), false);
  await sleep(50);
  assert.equal(watched.reports.length, reported);
  await watched.checkpointer.stop();
});

test('a worker that fails is reported and started again', async () => {
  // No database yet: the worker cannot open it, and fails.
  const path = join(tempDir(), 'tireless.db');
  const watched = watchedCheckpointer(path);
  await assert.rejects(
    watched.nextReport(),
    (error: Error & { code?: string }) =>
      error.code === 'SQLITE_CANTOPEN' && /unable to open database/.test(error.message),
  );
  const store = new Store(path);
  // The second worker starts a second after the failure.
  await watched.nextReport();
  assert.equal(watched.errors.length, 1);
  await watched.checkpointer.stop();
  store.close();
});

test('results committed while the worker checkpoints survive a kill -9 of the process', async () => {
  const path = join(tempDir(), 'tireless.db');
  const writer = spawn(
    process.execPath,
    [fileURLToPath(new URL('./test-crash-writer.js', import.meta.url)), path],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = once(writer, 'exit');
  let lastCommitted = 0;
  let checkpoints = 0;
  for await (const line of createInterface({ input: writer.stdout })) {
    const [event, value] = line.split(' ');
    if (event === 'committed') lastCommitted = Number(value);
    if (event === 'checkpoint' && Number(value) > 0) checkpoints++;
    // Killed mid-run: commits and checkpoints keep overlapping until then.
    if (checkpoints >= 20 && lastCommitted >= 2_000 * 10_000) writer.kill('SIGKILL');
  }
  const [code, signal] = (await exited) as [number | null, string | null];
  assert.equal(signal, 'SIGKILL', `the writer exited by itself (code ${code})`);

  const store = new Store(path);
  assert.equal(integrityOf(path), 'ok');
  const stored = store.listResults('acc_1', 'mon_a', { since: 0, until: 1e15, limit: 1e7 });
  assert.ok(
    stored.length >= lastCommitted / 10_000,
    `${stored.length} results stored, ${lastCommitted / 10_000} committed before the kill`,
  );
  assert.deepEqual(
    stored.map((r) => r.slot).reverse(),
    Array.from({ length: stored.length }, (_, i) => (i + 1) * 10_000),
    'every committed slot, in order, none missing',
  );
  store.close();
});
