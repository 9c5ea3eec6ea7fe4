/**
 * Scenario 4, ingest: results applied per second into a Store in this process (SQLite,
 * rollups, and the judge as a solo node runs it), in batches the size the ResultWriter
 * writes at most; and the same without the judge, to show its share.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createJudge } from '../alerts/index.js';
import { Store, type CheckedResult, type Judge } from '../store/index.js';
import { tempDir } from '../testing/index.js';
import type { BenchContext, Scenario } from './context.js';
import { writtenBytes } from './proc-stats.js';
import { fmt, type ScenarioReport } from './report.js';
import { storageFigures, type StorageFigures } from './results-db.js';
import { applyMonitors, syntheticResult } from './synthetic.js';

const MONITORS = 5_000;
const INTERVAL_MS = 10_000;
/** The ResultWriter's largest batch. */
const BATCH = 2_000;

interface IngestRun extends StorageFigures {
  judged: boolean;
  applied: number;
  seconds: number;
  perSecond: number;
  /** µs per result. */
  microsPerResult: number;
  /** Bytes this process wrote to storage per result (WAL, checkpoints). */
  writtenPerResult: number;
}

export const ingestScenario: Scenario = {
  name: 'ingest',
  run(context: BenchContext): Promise<ScenarioReport> {
    const slots = context.quick ? 40 : 200;
    const limitSeconds = context.quick ? 15 : 60;
    const judge = createJudge({ maintenanceOf: () => [] });
    const runs = [runIngest(slots, limitSeconds, judge), runIngest(slots, limitSeconds, undefined)];
    return Promise.resolve({
      name: 'ingest',
      tables: [
        {
          title: 'Ingest: results applied into SQLite with rollups (in-process Store)',
          columns: [
            'judge',
            'results',
            'results/s',
            'µs/result',
            'B/result (table / +rollups)',
            'written/result',
          ],
          rows: runs.map((r) => [
            r.judged ? 'createJudge (as a solo node)' : 'none',
            fmt(r.applied),
            fmt(r.perSecond),
            fmt(r.microsPerResult, 1),
            `${fmt(r.resultsBytesPerResult, 1)} / ${fmt(r.resultsBytesPerResult + r.rollupBytesPerResult, 1)}`,
            `${fmt(r.writtenPerResult / 1000, 1)} kB`,
          ]),
          notes: [
            `${fmt(MONITORS)} monitors, results slot by slot (10 s grid), batches of ${fmt(BATCH)} (one transaction each), 1 in 500 down; a fresh database per run, at most ${limitSeconds} s each.`,
            'written/result: bytes this process wrote to storage (WAL and checkpoints, /proc/self/io) per result.',
          ],
        },
      ],
      data: { monitors: MONITORS, batch: BATCH, runs },
    });
  },
};

function runIngest(slots: number, limitSeconds: number, judge: Judge | undefined): IngestRun {
  const dir = tempDir('tireless-bench-ingest-');
  const file = join(dir, 'tireless.db');
  const store = new Store(file);
  try {
    const ids = applyMonitors(store, MONITORS, INTERVAL_MS / 1000);
    const startSlot = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS - slots * INTERVAL_MS;
    const started = performance.now();
    const writtenBefore = writtenBytes(process.pid);
    const deadline = started + limitSeconds * 1000;
    let applied = 0;
    let batch: CheckedResult[] = [];
    for (let k = 0; k < slots && performance.now() < deadline; k++) {
      for (const id of ids) {
        batch.push(syntheticResult(id, startSlot + k * INTERVAL_MS, applied + batch.length));
        if (batch.length === BATCH) {
          applied += store.ingest(batch, judge).applied;
          batch = [];
        }
      }
    }
    applied += store.ingest(batch, judge).applied;
    const seconds = (performance.now() - started) / 1000;
    store.close();
    const written = writtenBytes(process.pid) - writtenBefore;
    return {
      judged: judge !== undefined,
      applied,
      seconds,
      perSecond: applied / seconds,
      microsPerResult: (1e6 * seconds) / applied,
      writtenPerResult: written / applied,
      ...storageFigures(file),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
