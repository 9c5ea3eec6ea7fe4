/**
 * `tireless backup`: a consistent, verified copy of a node's database, safe while the node
 * runs; the secret key only when asked (`--with-key`), since a backup and its key together
 * reveal every stored secret.
 */
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describeError, TirelessError } from '../errors/index.js';
import { DATABASE_FILE, SECRET_KEY_FILE } from '../node/index.js';
import { copyDatabase, inspectCopy } from '../store/index.js';
import { createProgress, formatBytes, formatCount, formatDuration } from './progress.js';

export interface BackupOptions {
  /** Data dir of the node to back up; it may be running. */
  dataDir: string;
  /** Backup file to write (mode 0600); refused if it (or `<out>.key`) exists. */
  out: string;
  /**
   * Also copy the data dir's secret key to `<out>.key` (mode 0600). Without it the key stays
   * apart: keep it elsewhere, as safe as a password. @defaultValue false
   */
  withKey?: boolean;
  /** Receives progress lines (at most one a second) and the summary. */
  log: (line: string) => void;
}

export interface BackupReport {
  /** Absolute path of the backup file. */
  file: string;
  /** Absolute path of the copied secret key (`<file>.key`, mode 0600); null without `withKey` or a key. */
  keyFile: string | null;
  /** The data dir's key file, which this backup did not copy (no `withKey`); null if none. */
  keptApart: string | null;
  /** Size of the backup file, bytes. */
  bytes: number;
  /** Raw results in the copy. */
  results: number;
  /** Monitors in the copy. */
  monitors: number;
  durationMs: number;
}

/**
 * Copies `<dataDir>/tireless.db` to `out` through SQLite's online backup, verifies the copy
 * with SQLite's integrity check and, with `withKey`, copies `<dataDir>/secret.key` to
 * `<out>.key`. Both are created readable by the owner only (0600). Throws
 * TIRELESS_BACKUP when there is nothing to back up, `out` exists, or the copy is unsound
 * (it is then removed). Files are written under temporary names and renamed at the end, so
 * an interrupted backup never leaves a half copy under the final name.
 */
export async function runBackup(options: BackupOptions): Promise<BackupReport> {
  const startedAt = performance.now();
  const database = join(resolve(options.dataDir), DATABASE_FILE);
  const file = resolve(options.out);
  const sourceKey = join(resolve(options.dataDir), SECRET_KEY_FILE);
  const hasKey = existsSync(sourceKey);
  const keyFile = hasKey && options.withKey === true ? `${file}.key` : null;
  refuseUnlessReady(database, file, keyFile);

  const partial = `${file}.partial-${process.pid}`;
  try {
    await copyDatabase(database, partial, {
      onProgress: createProgress(options.log, `backup of ${database}`),
    });
    const info = verified(partial, database);
    if (keyFile) copySecretKey(sourceKey, keyFile);
    renameSync(partial, file);
    const report: BackupReport = {
      file,
      keyFile,
      keptApart: hasKey && keyFile === null ? sourceKey : null,
      bytes: statSync(file).size,
      results: info.results,
      monitors: info.monitors,
      durationMs: performance.now() - startedAt,
    };
    printSummary(report, options.log);
    return report;
  } finally {
    rmSync(partial, { force: true });
  }
}

function refuseUnlessReady(database: string, file: string, keyFile: string | null): void {
  if (!existsSync(database)) {
    throw new TirelessError(
      'TIRELESS_BACKUP',
      `no database to back up: ${database} does not exist`,
    );
  }
  for (const existing of [file, keyFile]) {
    if (existing && existsSync(existing)) {
      throw new TirelessError(
        'TIRELESS_BACKUP',
        `${existing} already exists; a backup never overwrites one (choose another --out)`,
      );
    }
  }
  if (!existsSync(dirname(file))) {
    throw new TirelessError('TIRELESS_BACKUP', `the directory of ${file} does not exist`);
  }
}

function verified(partial: string, database: string) {
  try {
    return inspectCopy(partial);
  } catch (error) {
    throw new TirelessError(
      'TIRELESS_BACKUP',
      `the copy of ${database} failed verification and was removed: ${describeError(error)}`,
      { cause: error },
    );
  }
}

/**
 * Copies a secret key file to `keyFile` (which must not exist), created with mode 0600 so
 * it is never readable by others, even briefly: it unlocks every stored secret.
 */
export function copySecretKey(sourceKey: string, keyFile: string): void {
  const partialKey = `${keyFile}.partial-${process.pid}`;
  try {
    writeFileSync(partialKey, readFileSync(sourceKey), { mode: 0o600, flag: 'wx' });
    renameSync(partialKey, keyFile);
  } finally {
    rmSync(partialKey, { force: true });
  }
}

function printSummary(report: BackupReport, log: (line: string) => void): void {
  log(
    `backup written: ${report.file} (${formatBytes(report.bytes)}, ${formatCount(report.results)} results, ${formatCount(report.monitors)} monitors) in ${formatDuration(report.durationMs)}, verified by SQLite's integrity check`,
  );
  log(keyLine(report));
}

function keyLine(report: BackupReport): string {
  if (report.keyFile) {
    return `secret key: ${report.keyFile} (mode 0600); whoever holds it and the backup can read every stored secret: keep it as safe as a password`;
  }
  if (report.keptApart) {
    return `secret key: not copied (kept apart; --with-key copies it): keep ${report.keptApart} safe elsewhere, a restore needs it to open the stored secrets`;
  }
  return `secret key: none in the data dir; if the node takes TIRELESS_SECRET_KEY, keep that value safe apart from this backup`;
}
