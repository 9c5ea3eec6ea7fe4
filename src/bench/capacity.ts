/**
 * Scenario 2, capacity: the real binary with 1,000 / 10,000 / 30,000 HTTP monitors at 10 s
 * against the load targets. Per count: creation rate through the API, then after one
 * interval of warm-up, a measured window.
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tempDir } from '../testing/index.js';
import type { BenchContext, Scenario } from './context.js';
import { LOAD_COLUMNS, loadCells, measureLoadWindow, type LoadFigures } from './load-window.js';
import { fmt, type ScenarioReport } from './report.js';
import { storageFigures, type StorageFigures } from './results-db.js';
import { startTargetPool, type TargetPool } from './target-pool.js';
import { createMonitors, databaseOf, startBenchNode } from './tireless-node.js';

const INTERVAL_SECONDS = 10;

interface CapacityRun extends LoadFigures, StorageFigures {
  count: number;
  /** Monitors created through the API per second. */
  createdPerSecond: number;
  /** checks/s over the bare-Node ceiling, %. */
  ofCeilingPct: number;
}

export const capacityScenario: Scenario = {
  name: 'capacity',
  async run(context: BenchContext): Promise<ScenarioReport> {
    const counts = context.quick ? [1_000, 5_000] : [1_000, 10_000, 30_000];
    const windowSeconds = context.quick ? 15 : 60;
    const pool = await startTargetPool(context.targetProcesses);
    const runs: CapacityRun[] = [];
    try {
      for (const count of counts) {
        runs.push(await runCapacity(count, windowSeconds, pool, context.ceilingPerSecond));
      }
    } finally {
      await pool.close();
    }
    return {
      name: 'capacity',
      tables: [
        {
          title: `Capacity: HTTP monitors at ${INTERVAL_SECONDS} s on one node`,
          columns: [
            'monitors',
            'created/s',
            'checks/s',
            'slots checked',
            ...LOAD_COLUMNS,
            'B/result (table / +rollups / file)',
            'of ceiling',
          ],
          rows: runs.map((r) => [
            fmt(r.count),
            fmt(r.createdPerSecond),
            fmt(r.checksPerSecond),
            `${fmt(r.slotsCheckedPct, 3)} %`,
            ...loadCells(r),
            `${fmt(r.resultsBytesPerResult, 1)} / ${fmt(r.resultsBytesPerResult + r.rollupBytesPerResult, 1)} / ${fmt(r.databaseBytesPerResult, 1)}`,
            `${fmt(r.ofCeilingPct, 1)} %`,
          ]),
          notes: [
            `Window ${windowSeconds} s after ${INTERVAL_SECONDS} s of warm-up; ${context.targetProcesses} target processes; a fresh data dir per count.`,
            'Slots checked and lateness (checkedAt − slot) are exact, from the results table; CPU: 1 core = 100 %, machine = both cores incl. the kernel network stack; others = every other process (other work sharing the machine, this bench).',
            'B/result: results table (its own primary key, no other index) / plus minute, hour, day rollups / whole file, from dbstat after the window.',
          ],
        },
      ],
      data: { intervalSeconds: INTERVAL_SECONDS, windowSeconds, runs },
    };
  },
};

async function runCapacity(
  count: number,
  windowSeconds: number,
  pool: TargetPool,
  ceilingPerSecond: number | undefined,
): Promise<CapacityRun> {
  const dataDir = tempDir('tireless-bench-');
  const node = await startBenchNode(dataDir);
  try {
    console.log(`capacity: creating ${count} monitors…`);
    const creation = await createMonitors(node, count, {
      intervalSeconds: INTERVAL_SECONDS,
      urls: pool.urls,
    });
    await sleep(INTERVAL_SECONDS * 1000);
    console.log(`capacity: measuring ${count} monitors for ${windowSeconds} s…`);
    const load = await measureLoadWindow(node, pool, windowSeconds);
    return {
      count,
      createdPerSecond: creation.perSecond,
      ...load,
      ...storageFigures(databaseOf(node)),
      ofCeilingPct: ceilingPerSecond ? (100 * load.checksPerSecond) / ceilingPerSecond : Number.NaN,
    };
  } finally {
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
