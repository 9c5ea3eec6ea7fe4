import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { TirelessError } from '../errors/index.js';
import { MIGRATIONS } from './migrations.js';

/** The connection type the store's parts share; nothing outside `store/` holds one. */
export type Connection = Database.Database;

/** Opens (creating if needed) the database at `path` with the node's pragmas, migrated. */
export function openDatabase(path: string): Connection {
  // Created readable by the owner only; SQLite gives its -wal and -shm files the same mode.
  createPrivateFile(path);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // A node checkpoints from a worker (startCheckpointer), beside its commits; this is the
  // backstop without one (CLI, a dead worker). Rare: every result dirties pages of four
  // tables, and a checkpoint rewrites each dirty page once for many results.
  db.pragma('wal_autocheckpoint = 20000');
  db.pragma('journal_size_limit = 134217728');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/**
 * Creates an empty file at `path` with mode 0600 unless one exists (an empty file is an empty
 * SQLite database), so SQLite does not create it readable by everyone (0644 under the usual
 * umask).
 */
export function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

function migrate(db: Connection): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new TirelessError(
      'TIRELESS_CONFIG',
      `the database at ${db.name} has schema version ${version}, newer than this Tireless knows (${MIGRATIONS.length}); upgrade Tireless`,
    );
  }
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

/** Runs a merge's upsert and tells inserted rows from updated ones (`changes` counts both). */
export function upsertCounts(
  db: Connection,
  table: string,
  sql: string,
): { added: number; updated: number } {
  const count = db.prepare(`SELECT count(*) FROM main.${table}`).pluck();
  const before = count.get() as number;
  const changes = db.prepare(sql).run().changes;
  const added = (count.get() as number) - before;
  return { added, updated: changes - added };
}
