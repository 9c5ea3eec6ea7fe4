/**
 * Copies of a Tireless database: an online backup, the inspection of a copy, and merging
 * copies by union. Results are immutable facts keyed by (monitor, slot, node, region) and
 * config documents carry revisions, so several partial copies (backups, data dirs of dead
 * nodes) rebuild one whole: nothing is lost, nothing is counted twice, and merging the same
 * copy again changes nothing.
 */
import Database from 'better-sqlite3';
import { TirelessError } from '../errors/index.js';
import type { AlertState } from './alert-state.js';
import {
  LIVE_MONITOR_IDS,
  wasApplied,
  type ConfigChange,
  type ConfigDocs,
  type ConfigKind,
  type ConfigOutcome,
} from './config-docs.js';
import { createPrivateFile, type Connection } from './database.js';
import type { DeliveryQueue } from './deliveries.js';
import { STREAM_POSITION, type Meta } from './meta.js';
import { MIGRATIONS } from './migrations.js';
import type { WaitingResults } from './outbox.js';
import type { CheckedResult, Results } from './results.js';

/** What a copy holds, read after SQLite's integrity check passed. */
export interface CopyInfo {
  /** Stored raw results. */
  results: number;
  /** Monitor config documents. */
  monitors: number;
  /** The node id recorded in the copy, if any. */
  nodeId: string | undefined;
  /** The results stream position the copy holds everything up to (0: none, or solo). */
  streamPosition: number;
}

/** Rows of one table a merge inserted, and existing rows it replaced by better ones. */
export interface RowCounts {
  added: number;
  updated: number;
}

/**
 * One config entity that two copies hold at the same revision with different content (they
 * diverged). Every merge order keeps the same one: a tombstone, else the content with the
 * larger SHA-256.
 */
export interface ConfigConflict {
  kind: ConfigKind;
  id: string;
  revision: number;
  /** Whose content was kept: the copy being merged, or what the target held (earlier copies). */
  kept: 'source' | 'target';
  /** Why: `deleted` (a tombstone wins a tie) or `larger content hash`. */
  rule: 'deleted' | 'larger content hash';
}

export interface MergeReport {
  /**
   * Raw results new to the target, those it already held, and those of monitors the merged
   * config has deleted (or never had), left out.
   */
  results: { added: number; duplicates: number; deletedMonitor: number };
  /**
   * The copy's results waiting for their monitor's config: `stored` (new to the target) for
   * monitors the merged config holds, `waiting` (new to the target's waiting table) for
   * those it does not hold yet, and those of monitors it has deleted, left out.
   */
  waitingResults: { stored: number; waiting: number; deletedMonitor: number };
  /**
   * Config documents and tombstones written (new, a higher revision, or the winner of a
   * tie), and those the target had as new or newer; `conflicts` lists the ties.
   */
  config: { applied: number; older: number; conflicts: ConfigConflict[] };
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

/** The schema name a copy is attached under while it is merged. */
const SOURCE = 'merge_source';

/** SQL for the ids of the monitors the config holds, deleted (a tombstone) or not. */
const HELD_MONITOR_IDS = `SELECT id FROM main.config WHERE kind = 'monitor'`;
/** SQL for the ids of the monitors the config holds a tombstone of. */
const DELETED_MONITOR_IDS = `${HELD_MONITOR_IDS} AND doc IS NULL`;

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
  // Readable by the owner only, like the database it copies (SQLite would create it 0644).
  createPrivateFile(destPath);
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
 * A copy of the database at `sourcePath` for other nodes to start from (a cluster snapshot):
 * copyDatabase, less what belongs to this node alone — its outbox, its node id, and the
 * deliveries it has still to send (a node that merged those would send them too). It keeps
 * the results waiting for their monitor's config: the stream position covers them. Returns
 * the results stream position the copy holds everything up to. Not verified here: a running
 * node would stall on the integrity check of a large copy; the node that loads it checks it
 * (inspectCopy).
 */
export async function copyReplica(
  sourcePath: string,
  destPath: string,
  options: CopyOptions = {},
): Promise<{ streamPosition: number }> {
  await copyDatabase(sourcePath, destPath, options);
  const db = new Database(destPath, { fileMustExist: true });
  try {
    db.exec(`DELETE FROM outbox;
      DELETE FROM deliveries WHERE status = 'pending';
      DELETE FROM meta WHERE key = 'node_id';`);
    const position = db.prepare('SELECT value FROM meta WHERE key = ?').get(STREAM_POSITION) as
      { value: string } | undefined;
    return { streamPosition: Number(position?.value ?? 0) };
  } finally {
    db.close();
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
  const metaOf = (key: string) =>
    (db.prepare(`SELECT value FROM meta WHERE key = ?`).get(key) as { value: string } | undefined)
      ?.value;
  return {
    results: count('SELECT count(*) AS n FROM results'),
    monitors: count(`SELECT count(*) AS n FROM config WHERE kind = 'monitor' AND doc IS NOT NULL`),
    nodeId: metaOf('node_id'),
    streamPosition: Number(metaOf(STREAM_POSITION) ?? 0),
  };
}

function copyError(path: string, problem: string, cause?: unknown): TirelessError {
  return new TirelessError('TIRELESS_BACKUP', `${path} ${problem}`, { cause });
}

/** What merging needs of a store: its connection and parts, and its config apply. */
export interface MergeParts {
  db: Connection;
  /** The store's own config apply (tombstones, caches, a deleted monitor's data). */
  applyConfig: (change: ConfigChange, deletedAt: number) => ConfigOutcome;
  /**
   * The store's own storing of a monitor's results that waited for its config (they are
   * judged with its next result); returns those new to it.
   */
  storeWaiting: (monitorId: string, results: readonly CheckedResult[]) => number;
  waiting: WaitingResults;
  config: ConfigDocs;
  results: Results;
  alerts: AlertState;
  deliveries: DeliveryQueue;
  meta: Meta;
}

/**
 * Merges the database at `sourcePath` into `target` by union: config documents by highest
 * revision (tombstones included, so nothing deleted comes back; ties resolved and
 * reported), raw results by natural key (the source's local integer keys remapped to the
 * target's), results waiting for their monitor's config as the store takes them when it
 * arrives, rollups recomputed from the merged raw results, incidents, deliveries, monitor
 * states and pushes by id, keeping the most advanced of each; rows of monitors the merged
 * config has deleted are left out. Idempotent. Check the source first with inspectCopy.
 */
export function mergeInto(
  target: { merge(sourcePath: string, options?: MergeOptions): MergeReport },
  sourcePath: string,
  options: MergeOptions = {},
): MergeReport {
  return target.merge(sourcePath, options);
}

/**
 * Store.merge: each table is written by the part that owns it, config through the store's
 * own apply. Rows are copied in SQL (the source is attached to the target's connection), so
 * millions of results take seconds, not hours.
 */
export function mergeCopy(
  parts: MergeParts,
  sourcePath: string,
  options: MergeOptions,
): MergeReport {
  const { db, results, alerts, deliveries } = parts;
  db.prepare(`ATTACH DATABASE ? AS ${SOURCE}`).run(sourcePath);
  try {
    const config = mergeConfig(parts);
    const waitingResults = db.transaction(() => mergeWaiting(parts))();
    db.transaction(() => results.mapKeys(SOURCE, LIVE_MONITOR_IDS))();
    const merged = mergeResults(parts, options);
    options.onProgress?.({ step: 'rollups', done: 0, total: 1 });
    const rollups = db.transaction(() => results.mergeRollups(SOURCE))();
    options.onProgress?.({ step: 'rollups', done: 1, total: 1 });
    return db.transaction(() => {
      // The first copy merged names the node; later copies keep it.
      parts.meta.keepFirst(SOURCE, 'node_id');
      return {
        results: merged,
        waitingResults,
        config,
        rollups,
        incidents: alerts.mergeIncidents(SOURCE),
        deliveries: deliveries.mergeFrom(SOURCE),
        monitorStates: alerts.mergeStates(SOURCE, LIVE_MONITOR_IDS),
        pushes: alerts.mergePushes(SOURCE, LIVE_MONITOR_IDS),
      };
    })();
  } finally {
    results.dropKeyMaps();
    db.prepare(`DETACH DATABASE ${SOURCE}`).run();
  }
}

/**
 * Every config row of the source, tombstones too, through the store's apply; the revision
 * sequence rises to the source's, so no later write reuses a revision the copy had used.
 */
function mergeConfig(parts: MergeParts): MergeReport['config'] {
  const counts: MergeReport['config'] = { applied: 0, older: 0, conflicts: [] };
  parts.db.transaction(() => {
    for (const entry of parts.config.entries(SOURCE)) {
      const outcome = parts.applyConfig(entry, entry.deletedAt ?? 0);
      counts[wasApplied(outcome) ? 'applied' : 'older']++;
      if (outcome === 'tie-won' || outcome === 'tie-lost') {
        const kept = outcome === 'tie-won' ? 'source' : 'target';
        const keptDeleted =
          kept === 'source' ? entry.doc === null : !parts.config.get(entry.kind, entry.id);
        counts.conflicts.push({
          kind: entry.kind,
          id: entry.id,
          revision: entry.revision,
          kept,
          rule: keptDeleted ? 'deleted' : 'larger content hash',
        });
      }
    }
    parts.config.raiseSequence(parts.config.sequenceOf(SOURCE));
  })();
  return counts;
}

/**
 * The copy's results waiting for their monitor's config, after the config merged: stored
 * where the merged config holds the monitor, as when its config arrives; left out where it
 * deleted it, as ingest drops them; waiting here where it does not hold it yet.
 */
function mergeWaiting(parts: MergeParts): MergeReport['waitingResults'] {
  const { waiting } = parts;
  let stored = 0;
  for (const [monitorId, results] of waiting.listIn(SOURCE, LIVE_MONITOR_IDS)) {
    stored += parts.storeWaiting(monitorId, results);
  }
  return {
    stored,
    waiting: waiting.mergeFrom(SOURCE, HELD_MONITOR_IDS),
    deletedMonitor: waiting.countIn(SOURCE, DELETED_MONITOR_IDS),
  };
}

function mergeResults(parts: MergeParts, options: MergeOptions): MergeReport['results'] {
  const { results } = parts;
  const chunkRows = options.chunkRows ?? 50_000;
  const total = results.countIn(SOURCE);
  const deletedMonitor = results.countUnmapped(SOURCE);
  let done = 0;
  const added = results.mergeResults(SOURCE, chunkRows, (last) => {
    done = last ? total : Math.min(done + chunkRows, total);
    options.onProgress?.({ step: 'results', done, total });
  });
  return { added, duplicates: total - added - deletedMonitor, deletedMonitor };
}
