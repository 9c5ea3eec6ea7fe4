/**
 * Scenario, store: bytes per result on a realistic store — 30 simulated days of 1,000 HTTP
 * monitors written through Store.ingest with the judge (as a solo node writes them), a few %
 * of checks failing with error text in outages an hour long, the WAL checkpointed — for the
 * whole file and per table and index (SQLite's dbstat).
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createJudge } from '../alerts/index.js';
import { stableHash } from '../slots/index.js';
import { Store, type CheckedResult } from '../store/index.js';
import { tempDir } from '../testing/index.js';
import type { BenchContext, Scenario } from './context.js';
import { pct } from './held.js';
import { fmt, megabytes, type ScenarioReport } from './report.js';
import { applyMonitors } from './synthetic.js';

const MONITORS = 1_000;
const INTERVAL_SECONDS = 300;
/** Share of monitor-hours that are an outage (every check of the hour down), %. */
const OUTAGE_HOURS_PCT = 3;
const BATCH = 2_000;
const HOUR_MS = 3_600_000;

/** Error texts as checkers write them, each naming its monitor's host. */
const ERRORS = [
  (host: string) => `connect ECONNREFUSED ${host}:443`,
  () => 'timeout after 10000 ms',
  () => 'expected status 200-399, got 503',
  (host: string) => `getaddrinfo ENOTFOUND ${host}`,
  (host: string) => `certificate has expired (${host})`,
];

/** One table or index: its bytes on disk, and per result. */
interface TableSize {
  name: string;
  bytes: number;
  perResult: number;
}

interface StoreRun {
  days: number;
  results: number;
  downPct: number;
  ingestSeconds: number;
  fileBytes: number;
  walBytes: number;
  filePerResult: number;
  tables: TableSize[];
}

export const storeScenario: Scenario = {
  name: 'store',
  run(context: BenchContext): Promise<ScenarioReport> {
    const days = context.quick ? 3 : 30;
    console.log(
      `store: writing ${days} days of ${fmt(MONITORS)} monitors at ${INTERVAL_SECONDS} s…`,
    );
    const run = buildStore(days);
    const shown = run.tables.filter((t) => t.perResult >= 0.05);
    return Promise.resolve({
      name: 'store',
      tables: [
        {
          title: `Store: bytes per result, ${days} days of ${fmt(MONITORS)} monitors`,
          columns: ['table or index', 'MB', 'B/result'],
          rows: [
            ...shown.map((t) => [t.name, megabytes(t.bytes), fmt(t.perResult, 1)]),
            ['whole file (WAL checkpointed)', megabytes(run.fileBytes), fmt(run.filePerResult, 1)],
          ],
          notes: [
            `${fmt(run.results)} results: ${fmt(MONITORS)} HTTP monitors at ${INTERVAL_SECONDS} s over ${days} simulated days, written through Store.ingest with createJudge (incidents and alert state as a solo node writes them) in batches of ${fmt(BATCH)}, in ${fmt(run.ingestSeconds)} s.`,
            `${fmt(run.downPct, 1)} % of checks down, in outages of whole hours (${OUTAGE_HOURS_PCT} % of monitor-hours), with one of ${ERRORS.length} error texts naming the monitor's host.`,
            `Then PRAGMA wal_checkpoint(TRUNCATE) (WAL left: ${fmt(run.walBytes)} B); sizes from dbstat (pages in use per table and index; tables under 0.05 B/result left out) and the file's size.`,
          ],
        },
      ],
      data: { monitors: MONITORS, intervalSeconds: INTERVAL_SECONDS, ...run },
    });
  },
};

function buildStore(days: number): StoreRun {
  const dir = tempDir('tireless-bench-store-');
  const file = join(dir, 'tireless.db');
  try {
    const store = new Store(file);
    const ids = applyMonitors(store, MONITORS, INTERVAL_SECONDS);
    const judge = createJudge({ maintenanceOf: () => [] });
    const intervalMs = INTERVAL_SECONDS * 1000;
    const end = Math.floor(Date.now() / intervalMs) * intervalMs;
    const start = end - days * 24 * HOUR_MS;
    const started = performance.now();
    let results = 0;
    let down = 0;
    let batch: CheckedResult[] = [];
    for (let slot = start; slot < end; slot += intervalMs) {
      for (const [i, id] of ids.entries()) {
        const result = resultOf(id, i, slot, results);
        if (result.status === 'down') down++;
        batch.push(result);
        results++;
        if (batch.length === BATCH) {
          store.ingest(batch, judge);
          batch = [];
        }
      }
    }
    store.ingest(batch, judge);
    const ingestSeconds = (performance.now() - started) / 1000;
    store.close();
    return { days, results, downPct: pct(down, results), ingestSeconds, ...sizes(file, results) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Monitor i's result for `slot`: down for every check of an outage hour. */
function resultOf(id: string, i: number, slot: number, seq: number): CheckedResult {
  const hour = Math.floor(slot / HOUR_MS);
  const outage = stableHash(`${id}:${hour}`) % 10_000 < OUTAGE_HOURS_PCT * 100;
  const host = `service-${i}.example.com`;
  return {
    monitorId: id,
    slot,
    checkedAt: slot + (seq % 13),
    status: outage ? 'down' : 'up',
    latencyMs: 20 + (seq % 400) / 10,
    ...(outage ? { error: (ERRORS[hour % ERRORS.length] as (h: string) => string)(host) } : {}),
    node: 'node-bench',
    region: 'local',
  };
}

/** Checkpoints the WAL, then sizes the file and each table and index. */
function sizes(file: string, results: number) {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
    const rows = db
      .prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC')
      .all() as { name: string; bytes: number }[];
    const wal = `${file}-wal`;
    const fileBytes = statSync(file).size;
    return {
      fileBytes,
      walBytes: existsSync(wal) ? statSync(wal).size : 0,
      filePerResult: fileBytes / results,
      tables: rows.map((r) => ({ ...r, perResult: r.bytes / results })),
    };
  } finally {
    db.close();
  }
}
