/**
 * Copies of a Tireless database: an online backup, the inspection of a copy, and merging
 * copies by union. Results are immutable facts keyed by (monitor, slot, node, region) and
 * config documents carry revisions, so several partial copies (backups, data dirs of dead
 * nodes) rebuild one whole: nothing is lost, nothing is counted twice, and merging the same
 * copy again changes nothing.
 */
import Database from 'better-sqlite3';
import { TirelessError } from '../errors/index.js';
import { MIGRATIONS } from './migrations.js';
import { GRANULARITY_MS, type Granularity } from './rollup-ranges.js';
import type { ConfigKind, Store } from './store.js';

/** What a copy holds, read after SQLite's integrity check passed. */
export interface CopyInfo {
  /** Stored raw results. */
  results: number;
  /** Monitor config documents. */
  monitors: number;
  /** The node id recorded in the copy, if any. */
  nodeId: string | undefined;
}

/** Rows of one table a merge inserted, and existing rows it replaced by better ones. */
export interface RowCounts {
  added: number;
  updated: number;
}

export interface MergeReport {
  /** Raw results new to the target, and those it already held. */
  results: { added: number; duplicates: number };
  /** Config documents written (new, or a higher revision), and those the target had as new or newer. */
  config: { applied: number; older: number };
  /** Rollup rows (minute, hour and day) written, from the source or recomputed from raw. */
  rollups: number;
  /** Incidents: `updated` counts open ones the source has closed. */
  incidents: RowCounts;
  /** Deliveries: `updated` counts pending ones the source has sent or given up. */
  deliveries: RowCounts;
  /** Monitor states: `updated` counts those the source has for a later slot. */
  monitorStates: RowCounts;
  /** Last heartbeat pushes: `updated` counts later ones. */
  pushes: RowCounts;
}

/** One step of a merge, for progress lines. */
export interface MergeProgress {
  /** `results` while raw results are copied (done/total in rows), then `rollups`. */
  step: 'results' | 'rollups';
  done: number;
  total: number;
}

export interface MergeOptions {
  /** Called after every chunk of results and once for rollups. */
  onProgress?: (progress: MergeProgress) => void;
  /**
   * Source results copied per statement: large enough to be quick, small enough to report
   * progress and keep each write transaction short. @defaultValue 50_000
   */
  chunkRows?: number;
}

const SOURCE = 'merge_source';

/** The local integer key tables, with the natural columns that identify a row. */
const KEY_TABLES = [
  { table: 'keys_monitor', natural: ['id'] },
  { table: 'keys_account', natural: ['id'] },
  { table: 'keys_origin', natural: ['node', 'region'] },
  { table: 'error_texts', natural: ['text'] },
] as const;

type KeyTable = (typeof KEY_TABLES)[number]['table'];

const ROLLUP_COLUMNS = 'monitor, bucket, account, up, down, latency_sum, latency_min, latency_max';

export interface CopyOptions {
  /** Called between steps with pages copied so far and the pages in all. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Pages copied per step: about 4 MB, so a step is short and the event loop breathes
 * between steps.
 */
const PAGES_PER_STEP = 1000;

/**
 * Writes a consistent copy of the database at `sourcePath` to `destPath` (which must not
 * exist) while a node may be writing to it, on a connection of its own. The copy is a
 * single self-contained file (rollback journal, not WAL). Check it with inspectCopy.
 */
export async function copyDatabase(
  sourcePath: string,
  destPath: string,
  options: CopyOptions = {},
): Promise<void> {
  const source = new Database(sourcePath, { readonly: true, fileMustExist: true });
  try {
    // SQLite restarts a backup whenever another connection writes to its source, which a
    // running node does every second: a long copy would never end. A read transaction
    // held for the whole copy pins one snapshot (WAL lets the node keep writing).
    source.exec('BEGIN');
    source.prepare('SELECT count(*) FROM sqlite_master').get();
    await source.backup(destPath, {
      progress: ({ totalPages, remainingPages }) => {
        options.onProgress?.(totalPages - remainingPages, totalPages);
        return PAGES_PER_STEP;
      },
    });
    source.exec('COMMIT');
  } finally {
    source.close();
  }
  const copy = new Database(destPath, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
}

/**
 * Opens a copy read-only, runs SQLite's integrity check and checks its schema version.
 * Throws TIRELESS_BACKUP naming `path` when it is not a sound Tireless database of this
 * version; a copy that passes can be merged.
 */
export function inspectCopy(path: string): CopyInfo {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return readCopyInfo(db, path);
  } catch (error) {
    if (error instanceof TirelessError) throw error;
    throw copyError(path, `cannot be read as a database: ${(error as Error).message}`, error);
  } finally {
    db?.close();
  }
}

function readCopyInfo(db: Database.Database, path: string): CopyInfo {
  const verdict = (db.pragma('integrity_check') as { integrity_check: string }[]).map(
    (row) => row.integrity_check,
  );
  if (verdict.join() !== 'ok') {
    throw copyError(path, `fails SQLite's integrity check: ${verdict.slice(0, 3).join('; ')}`);
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== MIGRATIONS.length) {
    const remedy =
      version < MIGRATIONS.length
        ? 'start this Tireless once on a copy of it to upgrade the copy'
        : 'use the newer Tireless that wrote it';
    throw copyError(
      path,
      `has schema version ${version}, this Tireless reads version ${MIGRATIONS.length}: ${remedy}`,
    );
  }
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  const nodeId = db.prepare(`SELECT value FROM meta WHERE key = 'node_id'`).get() as
    { value: string } | undefined;
  return {
    results: count('SELECT count(*) AS n FROM results'),
    monitors: count(`SELECT count(*) AS n FROM config WHERE kind = 'monitor'`),
    nodeId: nodeId?.value,
  };
}

function copyError(path: string, problem: string, cause?: unknown): TirelessError {
  return new TirelessError('TIRELESS_BACKUP', `${path} ${problem}`, { cause });
}

/**
 * Merges the database at `sourcePath` into `target` by union: config documents by highest
 * revision, raw results by natural key (the source's local integer keys remapped to the
 * target's), rollups recomputed from the merged raw results, incidents, deliveries,
 * monitor states and pushes by id, keeping the most advanced of each. Idempotent. Check
 * the source first with inspectCopy. Rows are copied in SQL (the source is attached to
 * the target's connection), so millions of results take seconds, not hours.
 */
export function mergeInto(
  target: Store,
  sourcePath: string,
  options: MergeOptions = {},
): MergeReport {
  const db = target.db;
  db.prepare(`ATTACH DATABASE ? AS ${SOURCE}`).run(sourcePath);
  try {
    const config = mergeConfig(target);
    mapKeys(db);
    const results = mergeResults(db, options);
    options.onProgress?.({ step: 'rollups', done: 0, total: 1 });
    const rollups = db.transaction(() => mergeRollups(db))();
    options.onProgress?.({ step: 'rollups', done: 1, total: 1 });
    return db.transaction(() => {
      keepFirstNodeId(db);
      return {
        results,
        config,
        rollups,
        incidents: mergeIncidents(db),
        deliveries: mergeDeliveries(db),
        monitorStates: mergeMonitorStates(db),
        pushes: mergePushes(db),
      };
    })();
  } finally {
    dropKeyMaps(db);
    db.prepare(`DETACH DATABASE ${SOURCE}`).run();
    // Monitor states were written behind the store's back.
    target.dropCaches();
  }
}

/** Through applyConfig, which keeps the highest revision and maintains the target's caches. */
function mergeConfig(target: Store): MergeReport['config'] {
  const rows = target.db
    .prepare(`SELECT kind, id, account_id, revision, doc FROM ${SOURCE}.config`)
    .all() as { kind: ConfigKind; id: string; account_id: string; revision: number; doc: string }[];
  const counts = { applied: 0, older: 0 };
  target.db.transaction(() => {
    for (const row of rows) {
      const applied = target.applyConfig({
        kind: row.kind,
        id: row.id,
        accountId: row.account_id,
        revision: row.revision,
        doc: JSON.parse(row.doc) as Record<string, unknown>,
      });
      counts[applied ? 'applied' : 'older']++;
    }
  })();
  return counts;
}

/**
 * Gives every natural key of the source a local key in the target, and fills temp tables
 * `map_<table>` (src → dst) that the row copies join through.
 */
function mapKeys(db: Database.Database): void {
  db.transaction(() => {
    for (const { table, natural } of KEY_TABLES) {
      const columns = natural.join(', ');
      db.exec(`
        INSERT OR IGNORE INTO main.${table} (${columns}) SELECT ${columns} FROM ${SOURCE}.${table};
        CREATE TEMP TABLE ${keyMap(table)} (src INTEGER PRIMARY KEY, dst INTEGER NOT NULL);
        INSERT INTO ${keyMap(table)} (src, dst)
          SELECT s.n, t.n FROM ${SOURCE}.${table} s JOIN main.${table} t
          ON ${natural.map((column) => `t.${column} = s.${column}`).join(' AND ')};
      `);
    }
  })();
}

function dropKeyMaps(db: Database.Database): void {
  for (const { table } of KEY_TABLES) db.exec(`DROP TABLE IF EXISTS temp.${keyMap(table)}`);
}

function keyMap(table: KeyTable): string {
  return `map_${table}`;
}

/**
 * Copies source results in chunks of whole (monitor, slot) runs, walking the primary key,
 * so each statement is short and progress can be shown. INSERT OR IGNORE on the natural
 * key (through the remapped local keys) makes a result the target holds a no-op.
 */
function mergeResults(db: Database.Database, options: MergeOptions): MergeReport['results'] {
  const chunkRows = options.chunkRows ?? 50_000;
  const total = (db.prepare(`SELECT count(*) AS n FROM ${SOURCE}.results`).get() as { n: number })
    .n;
  const chunkEnd = db.prepare(
    `SELECT monitor, slot FROM ${SOURCE}.results WHERE (monitor, slot) > (?, ?)
     ORDER BY monitor, slot LIMIT 1 OFFSET ?`,
  );
  const copyRange = db.prepare(
    `INSERT OR IGNORE INTO main.results
       (monitor, slot, origin, account, lateness, up, latency, error)
     SELECT m.dst, r.slot, o.dst, a.dst, r.lateness, r.up, r.latency, e.dst
     FROM ${SOURCE}.results r
     JOIN ${keyMap('keys_monitor')} m ON m.src = r.monitor
     JOIN ${keyMap('keys_origin')} o ON o.src = r.origin
     JOIN ${keyMap('keys_account')} a ON a.src = r.account
     LEFT JOIN ${keyMap('error_texts')} e ON e.src = r.error
     WHERE (r.monitor, r.slot) > (?, ?) AND (r.monitor, r.slot) <= (?, ?)`,
  );
  let from = { monitor: -1, slot: Number.MIN_SAFE_INTEGER };
  let added = 0;
  let done = 0;
  for (;;) {
    const next = chunkEnd.get(from.monitor, from.slot, chunkRows - 1) as
      { monitor: number; slot: number } | undefined;
    // The last chunk runs to the end of the table.
    const to = next ?? { monitor: Number.MAX_SAFE_INTEGER, slot: Number.MAX_SAFE_INTEGER };
    added += copyRange.run(from.monitor, from.slot, to.monitor, to.slot).changes;
    done = next ? Math.min(done + chunkRows, total) : total;
    options.onProgress?.({ step: 'results', done, total });
    if (!next) break;
    from = next;
  }
  return { added, duplicates: total - added };
}

/**
 * Rollups: every bucket keeps the row with the most checks, from the source or recomputed
 * from the merged raw results. Where raw results exist for the whole bucket, the
 * recomputed row counts a superset of any copy's and wins; where retention pruned raw
 * results (old buckets, and the bucket at the pruning edge), a copy's rollup counted more
 * and is kept.
 */
function mergeRollups(db: Database.Database): number {
  let written = 0;
  for (const [granularity, bucketMs] of Object.entries(GRANULARITY_MS)) {
    const table = `rollup_${granularity as Granularity}`;
    const keepMostChecks = `ON CONFLICT (monitor, bucket) DO UPDATE SET account = excluded.account,
        up = excluded.up, down = excluded.down, latency_sum = excluded.latency_sum,
        latency_min = excluded.latency_min, latency_max = excluded.latency_max
      WHERE excluded.up + excluded.down > ${table}.up + ${table}.down`;
    written += db
      .prepare(
        `INSERT INTO main.${table} (${ROLLUP_COLUMNS})
         SELECT m.dst, r.bucket, a.dst, r.up, r.down, r.latency_sum, r.latency_min, r.latency_max
         FROM ${SOURCE}.${table} r
         JOIN ${keyMap('keys_monitor')} m ON m.src = r.monitor
         JOIN ${keyMap('keys_account')} a ON a.src = r.account
         WHERE true ${keepMostChecks}`,
      )
      .run().changes;
    written += db
      .prepare(
        `INSERT INTO main.${table} (${ROLLUP_COLUMNS})
         SELECT monitor, slot / ${bucketMs} AS b, account, sum(up), sum(1 - up), sum(latency),
           min(latency), max(latency)
         FROM main.results WHERE monitor IN (SELECT dst FROM ${keyMap('keys_monitor')})
         GROUP BY monitor, b ${keepMostChecks}`,
      )
      .run().changes;
  }
  return written;
}

/** Runs an upsert and tells inserted rows from updated ones (`changes` counts both). */
function upsert(db: Database.Database, table: string, sql: string): RowCounts {
  const count = db.prepare(`SELECT count(*) AS n FROM main.${table}`);
  const before = (count.get() as { n: number }).n;
  const changes = db.prepare(sql).run().changes;
  const added = (count.get() as { n: number }).n - before;
  return { added, updated: changes - added };
}

/** Union by id; an incident one copy saw close is closed. */
function mergeIncidents(db: Database.Database): RowCounts {
  const columns = 'id, account_id, monitor_id, started_at, ended_at, cause, in_maintenance';
  return upsert(
    db,
    'incidents',
    `INSERT INTO main.incidents (${columns}) SELECT ${columns} FROM ${SOURCE}.incidents WHERE true
     ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at
     WHERE incidents.ended_at IS NULL AND excluded.ended_at IS NOT NULL`,
  );
}

/** Union by id; a delivery one copy finished (sent or given up) is not sent again. */
function mergeDeliveries(db: Database.Database): RowCounts {
  const columns =
    'id, account_id, channel_id, event, payload, status, attempts, next_at, last_error, created_at, sent_at';
  return upsert(
    db,
    'deliveries',
    `INSERT INTO main.deliveries (${columns}) SELECT ${columns} FROM ${SOURCE}.deliveries WHERE true
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
       next_at = excluded.next_at, last_error = excluded.last_error, sent_at = excluded.sent_at
     WHERE deliveries.status = 'pending' AND excluded.status <> 'pending'`,
  );
}

/** The state judged from the latest slot wins (the coordinator's `lastSlot`). */
function mergeMonitorStates(db: Database.Database): RowCounts {
  const lastSlot = (table: string) => `coalesce(json_extract(${table}.state, '$.lastSlot'), -1)`;
  return upsert(
    db,
    'monitor_state',
    `INSERT INTO main.monitor_state (monitor_id, account_id, state)
     SELECT monitor_id, account_id, state FROM ${SOURCE}.monitor_state WHERE true
     ON CONFLICT (monitor_id) DO UPDATE SET account_id = excluded.account_id, state = excluded.state
     WHERE ${lastSlot('excluded')} > ${lastSlot('monitor_state')}`,
  );
}

function mergePushes(db: Database.Database): RowCounts {
  return upsert(
    db,
    'pushes',
    `INSERT INTO main.pushes (monitor_id, at) SELECT monitor_id, at FROM ${SOURCE}.pushes WHERE true
     ON CONFLICT (monitor_id) DO UPDATE SET at = excluded.at WHERE excluded.at > pushes.at`,
  );
}

/** The first copy merged names the node; later copies keep it. */
function keepFirstNodeId(db: Database.Database): void {
  db.prepare(
    `INSERT OR IGNORE INTO main.meta (key, value)
     SELECT key, value FROM ${SOURCE}.meta WHERE key = 'node_id'`,
  ).run();
}
