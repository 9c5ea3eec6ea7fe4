import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './store.js';
import { httpMonitorDoc } from '../testing/index.js';

/** Test-only helpers for store tests: a fresh database, and a monitor applied to it. */

export function tempStore(): Store {
  return new Store(join(mkdtempSync(join(tmpdir(), 'tireless-store-')), 'tireless.db'));
}

/** SQLite's integrity check of the database at `path`, on a read-only connection of its own. */
export function integrityOf(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true }) as string;
  } finally {
    db.close();
  }
}

/** Applies an account and an http monitor of it (revision and name as given). */
export function applyMonitor(
  store: Store,
  options: { id?: string; accountId?: string; revision?: number; name?: string } = {},
): void {
  const { id = 'mon_a', accountId = 'acc_1', revision = 1, name = id } = options;
  store.applyConfig({
    kind: 'account',
    id: accountId,
    accountId,
    revision: 1,
    doc: { id: accountId, accountId, revision: 1, name: 'A' },
  });
  const doc = httpMonitorDoc({ id, accountId, revision, name, channelIds: ['ch_1'] });
  store.applyConfig({ kind: 'monitor', id, accountId, revision, doc });
}
