/**
 * `tireless restore`: rebuilds one whole data dir from several partial copies (backups and
 * data dirs of dead nodes), merged by union.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { TirelessError } from '../errors/index.js';
import { DATABASE_FILE, SECRET_KEY_FILE, storeFiles } from '../node/index.js';
import {
  inspectCopy,
  mergeInto,
  salvageDatabase,
  Store,
  type ConfigConflict,
  type CopyInfo,
  type MergeReport,
  type SalvageReport,
} from '../store/index.js';
import { copySecretKey } from './backup.js';
import { createProgress, formatCount, formatDuration } from './progress.js';

export interface RestoreOptions {
  /**
   * Backup files (written by `tireless backup`, their key beside them as `<file>.key`) or
   * data dirs (holding tireless.db and secret.key, and the fresh stores
   * `tireless.fresh-<n>.db` a node wrote to after finding tireless.db damaged), merged in
   * this order. At least one. A damaged file is salvaged first: what is readable of it is
   * merged.
   */
  from: string[];
  /** The data dir to create; refused if it already holds a database. */
  dataDir: string;
  /**
   * The secret key file kept apart from the backups (`tireless backup` without
   * `--with-key`); it must agree with any key beside a source. @defaultValue none
   */
  keyFile?: string | undefined;
  /** Receives progress lines (at most one a second per step) and the summary. */
  log: (line: string) => void;
}

export interface RestoredSource {
  /** As given in `from`. */
  path: string;
  /** The database file read. */
  database: string;
  /** What the copy held (for a damaged file: what could be salvaged of it). */
  copy: CopyInfo;
  merge: MergeReport;
  /** Set when the file was damaged: why, and what was read of it. */
  salvaged?: { problem: string; report: SalvageReport };
}

export interface RestoreReport {
  /** Absolute path of the new data dir. */
  dataDir: string;
  sources: RestoredSource[];
  /** Distinct raw results in the new database. */
  results: number;
  monitors: number;
  /** The first source's node id, which the restored node keeps. */
  nodeId: string | undefined;
  /** The key file copied into the data dir; null when no source had one. */
  secretKeyFrom: string | null;
  durationMs: number;
}

interface Source {
  path: string;
  database: string;
  keyFile: string | null;
  /** Sound: what it holds; damaged: why (it is salvaged into a temporary copy first). */
  copy: CopyInfo | { problem: string };
}

/**
 * Checks every source (SQLite's integrity check, schema version, one secret key for all)
 * before writing anything, then creates `<dataDir>/tireless.db` and merges each source into
 * it with mergeInto, and copies the secret key (mode 0600). Throws TIRELESS_BACKUP naming
 * the source or path at fault. The database is built under a temporary name and renamed
 * when complete, so an interrupted restore never leaves a partial database a node would
 * start on.
 */
export function runRestore(options: RestoreOptions): Promise<RestoreReport> {
  // The work is synchronous (better-sqlite3); the Promise keeps every CLI command's
  // contract: failures arrive as rejections, never as throws.
  return new Promise((done) => done(restore(options)));
}

function restore(options: RestoreOptions): RestoreReport {
  const startedAt = performance.now();
  const dataDir = resolve(options.dataDir);
  const database = join(dataDir, DATABASE_FILE);
  const targetKey = join(dataDir, SECRET_KEY_FILE);
  if (options.from.length === 0) {
    throw new TirelessError('TIRELESS_BACKUP', 'restore needs at least one --from');
  }
  if (existsSync(database)) {
    throw new TirelessError(
      'TIRELESS_BACKUP',
      `${database} already exists; restore only creates a new data dir (choose another --data)`,
    );
  }
  const sources = options.from.flatMap(openSources);
  const keyFrom = agreedSecretKey(sources, targetKey, givenKey(options.keyFile));

  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const building = `${database}.restoring-${process.pid}`;
  const merged = buildDatabase(building, sources, options.log);
  if (keyFrom && !existsSync(targetKey)) copySecretKey(keyFrom, targetKey);
  renameSync(building, database);

  const report: RestoreReport = {
    dataDir,
    sources: merged.sources,
    ...merged.totals,
    secretKeyFrom: keyFrom,
    durationMs: performance.now() - startedAt,
  };
  printSummary(report, options.log);
  return report;
}

/** A backup file, or every store file of a data dir (tireless.db, then its fresh stores). */
function openSources(path: string): Source[] {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new TirelessError('TIRELESS_BACKUP', `--from ${path}: no such file or directory`);
  }
  const isDir = statSync(absolute).isDirectory();
  const databases = isDir ? storeFiles(absolute) : [absolute];
  if (databases.length === 0) {
    throw new TirelessError(
      'TIRELESS_BACKUP',
      `--from ${path}: a data dir holds ${DATABASE_FILE}, and this one has none`,
    );
  }
  const keyFile = isDir ? join(absolute, SECRET_KEY_FILE) : `${absolute}.key`;
  return databases.map((database) => ({
    path: isDir && databases.length > 1 ? join(path, basename(database)) : path,
    database,
    keyFile: existsSync(keyFile) ? keyFile : null,
    copy: inspectOrNoteDamage(database),
  }));
}

/** What a sound copy holds; for one that fails the check, why (it will be salvaged). */
function inspectOrNoteDamage(database: string): CopyInfo | { problem: string } {
  try {
    return inspectCopy(database);
  } catch (error) {
    if (!(error instanceof TirelessError)) throw error;
    return { problem: error.message };
  }
}

/**
 * The key file to copy: every source (and the target dir, if it has one) must hold the same
 * key, since channel secrets sealed under different keys cannot live in one database.
 */
function agreedSecretKey(
  sources: Source[],
  targetKey: string,
  given: string | null,
): string | null {
  const holders = new Map<string, string[]>();
  const beside = sources.flatMap((source) => (source.keyFile ? [source.keyFile] : []));
  const files = [...new Set(given === null ? beside : [given, ...beside])];
  for (const file of existsSync(targetKey) ? [...files, targetKey] : files) {
    const key = readFileSync(file, 'utf8').trim();
    holders.set(key, [...(holders.get(key) ?? []), file]);
  }
  if (holders.size > 1) {
    const groups = [...holders.values()].map((group, i) => `key ${i + 1}: ${group.join(', ')}`);
    throw new TirelessError(
      'TIRELESS_BACKUP',
      `the copies hold different secret keys (${groups.join('; ')}); secrets sealed under different keys cannot be merged: restore each group into its own data dir`,
    );
  }
  return files[0] ?? null;
}

/** The absolute path of `--key`, checked to hold a key (64 hex digits); null when not given. */
function givenKey(keyFile: string | undefined): string | null {
  if (keyFile === undefined) return null;
  const file = resolve(keyFile);
  if (!existsSync(file)) {
    throw new TirelessError('TIRELESS_BACKUP', `--key ${keyFile}: no such file`);
  }
  if (!/^[0-9a-f]{64}$/i.test(readFileSync(file, 'utf8').trim())) {
    throw new TirelessError(
      'TIRELESS_BACKUP',
      `--key ${keyFile}: not a secret key (a secret.key file holds 64 hex digits)`,
    );
  }
  return file;
}

function buildDatabase(building: string, sources: Source[], log: (line: string) => void) {
  const store = new Store(building);
  try {
    const restored = sources.map((source, i) =>
      'problem' in source.copy
        ? mergeSalvaged(store, source, source.copy.problem, `${building}.salvaged-${i}`, log)
        : mergeSource(store, { ...source, copy: source.copy }, log),
    );
    const totals = {
      results: store.countResults(),
      monitors: store.countAll('monitor'),
      nodeId: store.getMeta('node_id'),
    };
    store.close();
    return { sources: restored, totals };
  } catch (error) {
    store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(building + suffix, { force: true });
    throw error;
  }
}

/**
 * A damaged source: what is readable of it goes into a temporary sound copy (salvageDatabase),
 * which is checked and merged like any other, then deleted.
 */
function mergeSalvaged(
  store: Store,
  source: Source,
  problem: string,
  temporary: string,
  log: (line: string) => void,
): RestoredSource {
  log(`${source.path} is damaged (${problem}); salvaging what is readable…`);
  try {
    const report = salvageDatabase(source.database, temporary);
    log(
      `  ${source.path}: salvaged ${formatCount(report.rows)} rows, ${report.holes} unreadable stretches skipped`,
    );
    const copy = inspectCopy(temporary);
    const merged = mergeSource(store, { ...source, database: temporary, copy }, log);
    return { ...merged, database: source.database, salvaged: { problem, report } };
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(temporary + suffix, { force: true });
  }
}

function mergeSource(
  store: Store,
  source: Source & { copy: CopyInfo },
  log: (line: string) => void,
): RestoredSource {
  log(
    `merging ${source.path} (${formatCount(source.copy.results)} results, ${formatCount(source.copy.monitors)} monitors)…`,
  );
  const progress = {
    results: createProgress(log, `  ${source.path}: results`),
    rollups: createProgress(log, `  ${source.path}: rollups`),
  };
  const merge = mergeInto(store, source.database, {
    onProgress: ({ step, done, total }) => progress[step](done, total),
  });
  return { path: source.path, database: source.database, copy: source.copy, merge };
}

/** Conflicts listed per copy; the report holds them all. */
const MAX_CONFLICT_LINES = 20;

function conflictText(conflict: ConfigConflict): string {
  const kept = conflict.kept === 'source' ? "this copy's" : "the earlier copies'";
  return `${conflict.kind} ${conflict.id} has revision ${conflict.revision} with other content than in the earlier copies; kept ${kept} (${conflict.rule === 'deleted' ? 'a delete wins a tie' : 'the larger content hash wins a tie'})`;
}

function printSummary(report: RestoreReport, log: (line: string) => void): void {
  const sum = (pick: (merge: MergeReport) => number) =>
    report.sources.reduce((n, source) => n + pick(source.merge), 0);
  log(`restored ${report.dataDir} from ${report.sources.length} copies:`);
  for (const { path, merge, salvaged } of report.sources) {
    const leftOut = merge.results.deletedMonitor;
    log(
      `  + ${path}${salvaged ? ' (damaged, salvaged)' : ''}: ${formatCount(merge.results.added)} new results, ${formatCount(merge.results.duplicates)} already merged${leftOut > 0 ? `, ${formatCount(leftOut)} of deleted monitors left out` : ''}; ${merge.config.applied} config documents newer, ${merge.config.older} older or equal`,
    );
    for (const conflict of merge.config.conflicts.slice(0, MAX_CONFLICT_LINES)) {
      log(`  ! ${path}: ${conflictText(conflict)}`);
    }
    const more = merge.config.conflicts.length - MAX_CONFLICT_LINES;
    if (more > 0) log(`  ! ${path}: … and ${more} more such conflicts`);
  }
  log(
    `  = ${formatCount(report.results)} results, ${formatCount(report.monitors)} monitors, ${sum((m) => m.incidents.added)} incidents (${sum((m) => m.incidents.updated)} closed by a later copy), ${sum((m) => m.deliveries.added)} deliveries`,
  );
  log(`  node id: ${report.nodeId ?? '(none; a new one is made at start)'}, from the first copy`);
  log(
    report.secretKeyFrom
      ? `  secret key: copied from ${report.secretKeyFrom} (mode 0600)`
      : `  ! secret key MISSING: no --key given and none beside the copies (backups leave it out unless made with --with-key). The stored secrets (channel and monitor credentials) cannot be opened without it: copy the key kept apart to ${join(report.dataDir, SECRET_KEY_FILE)} (mode 0600) before starting, or start with the original TIRELESS_SECRET_KEY`,
  );
  log(
    `done in ${formatDuration(report.durationMs)}; start it with: tireless start --data ${report.dataDir}`,
  );
}
