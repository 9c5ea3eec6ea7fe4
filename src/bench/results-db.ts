/**
 * Exact figures read from a node's SQLite file (read-only, beside the running node): which
 * slots of a time window have a result, how late checks started, bytes per stored result.
 */
import Database from 'better-sqlite3';
import { checkKey, slotsIn } from './held.js';
import { spreadOf, type Spread } from './stats.js';

/** What happened to the slots in a window [from, to), ms. */
export interface SlotFigures {
  /** Monitors not paused. */
  monitors: number;
  /** Slots of those monitors in the window. */
  expectedSlots: number;
  /** Of those, slots with a result. */
  checkedSlots: number;
  /** checkedAt − slot of the results in the window, ms. */
  lateness: Spread;
  /** Results whose check started in the window, whatever their slot. */
  startedInWindow: number;
  /** Results in the window of monitors whose target is healthy, and of those, up. */
  healthyResults: number;
  healthyUp: number;
}

/** Bytes on disk per stored raw result. */
export interface StorageFigures {
  results: number;
  /** The results table (WITHOUT ROWID: it is its own primary-key index; it has no other). */
  resultsBytesPerResult: number;
  /** Rollup tables (minute, hour, day) per result. */
  rollupBytesPerResult: number;
  /** The whole database file (config, keys, rollups, state…) per result. */
  databaseBytesPerResult: number;
}

function openReadOnly(file: string): Database.Database {
  return new Database(file, { readonly: true, fileMustExist: true });
}

/** `unhealthy`: monitors whose target never answers on purpose (left out of the up share). */
export function slotFigures(
  file: string,
  from: number,
  to: number,
  unhealthy: ReadonlySet<string> = new Set(),
): SlotFigures {
  const db = openReadOnly(file);
  try {
    const present = new Map<string, number>();
    const counts = db
      .prepare(
        `SELECT k.id, count(*) AS n, sum(r.up) AS up FROM results r
         JOIN keys_monitor k ON k.n = r.monitor
         WHERE r.slot >= ? AND r.slot < ? GROUP BY r.monitor`,
      )
      .all(from, to) as { id: string; n: number; up: number }[];
    let healthyResults = 0;
    let healthyUp = 0;
    for (const { id, n, up } of counts) {
      present.set(id, n);
      if (unhealthy.has(id)) continue;
      healthyResults += n;
      healthyUp += up;
    }
    const monitors = db
      .prepare(
        `SELECT id, json_extract(doc, '$.intervalSeconds') AS interval FROM config
         WHERE kind = 'monitor' AND json_extract(doc, '$.paused') = 0`,
      )
      .all() as { id: string; interval: number }[];
    let expectedSlots = 0;
    let checkedSlots = 0;
    for (const { id, interval } of monitors) {
      const expected = slotsIn(id, interval * 1000, from, to);
      expectedSlots += expected;
      checkedSlots += Math.min(expected, present.get(id) ?? 0);
    }
    const lateness = db
      .prepare('SELECT lateness FROM results WHERE slot >= ? AND slot < ?')
      .pluck()
      .all(from, to) as number[];
    const startedInWindow = db
      .prepare('SELECT count(*) FROM results WHERE slot + lateness >= ? AND slot + lateness < ?')
      .pluck()
      .get(from, to) as number;
    return {
      monitors: monitors.length,
      expectedSlots,
      checkedSlots,
      lateness: spreadOf(lateness),
      startedInWindow,
      healthyResults,
      healthyUp,
    };
  } finally {
    db.close();
  }
}

/** When each check of a slot in [from, to) started (slot + lateness), by checkKey. */
export function checkStarts(file: string, from: number, to: number): Map<string, number> {
  const db = openReadOnly(file);
  try {
    const rows = db
      .prepare(
        `SELECT k.id, r.slot, r.slot + r.lateness AS started FROM results r
         JOIN keys_monitor k ON k.n = r.monitor WHERE r.slot >= ? AND r.slot < ?`,
      )
      .raw()
      .iterate(from, to) as IterableIterator<[string, number, number]>;
    const starts = new Map<string, number>();
    for (const [id, slot, started] of rows) starts.set(checkKey(id, slot), started);
    return starts;
  } finally {
    db.close();
  }
}

/**
 * Bytes per result from SQLite's dbstat table (pages in use, WAL included); per table only
 * where SQLite was built with dbstat (better-sqlite3's is), else NaN beside the file size.
 */
export function storageFigures(file: string): StorageFigures {
  const db = openReadOnly(file);
  try {
    const results = db.prepare('SELECT count(*) FROM results').pluck().get() as number;
    const bytesOf = (pattern: string) => {
      try {
        return db
          .prepare('SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name LIKE ?')
          .pluck()
          .get(pattern) as number;
      } catch {
        return Number.NaN;
      }
    };
    const pageCount = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const per = (bytes: number) => (results === 0 ? Number.NaN : bytes / results);
    return {
      results,
      resultsBytesPerResult: per(bytesOf('results')),
      rollupBytesPerResult: per(bytesOf('rollup_%')),
      databaseBytesPerResult: per(pageCount * pageSize),
    };
  } finally {
    db.close();
  }
}
