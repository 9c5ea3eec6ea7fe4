/**
 * A node's writer for the crash test in checkpointer.test.ts, run as a process of its own:
 * ingests results into the database at argv[2] with the checkpointer running, printing each
 * checkpoint and the last slot of each committed batch, until it is killed.
 */
import type { CheckedResult } from './index.js';
import { startCheckpointer, Store } from './index.js';
import { applyMonitor } from './test-fixtures.js';

const store = new Store(process.argv[2] as string);
applyMonitor(store);
startCheckpointer(store.path, {
  intervalMs: 5,
  onError: (error) => {
    throw error;
  },
  onCheckpoint: (report) => process.stdout.write(`checkpoint ${report.checkpointed}\n`),
});

let slot = 0;
setInterval(() => {
  const batch: CheckedResult[] = [];
  for (let i = 0; i < 200; i++) {
    slot += 10_000;
    batch.push({
      monitorId: 'mon_a',
      slot,
      checkedAt: slot + 3,
      status: 'up',
      latencyMs: 5,
      node: 'n1',
      region: 'local',
    });
  }
  store.ingest(batch);
  // A pipe is written synchronously: a printed slot is a committed one.
  process.stdout.write(`committed ${slot}\n`);
}, 1);
