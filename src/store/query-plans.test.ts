import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigDocs } from './config-docs.js';
import { openDatabase, type Connection } from './database.js';
import { DeliveryQueue } from './deliveries.js';
import { Summaries } from './summaries.js';

// The plans SQLite makes for the account-scoped reads of a shared node, on a migrated
// database without statistics (the node runs no ANALYZE): each must search by account, not
// walk every account's rows.
let dir: string;
let db: Connection;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tireless-plan-'));
  db = openDatabase(join(dir, 'tireless.db'));
});

after(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The SQL of every statement `make` prepares on the database. */
function preparedBy(make: (db: Connection) => unknown): string[] {
  const prepared: string[] = [];
  make(
    new Proxy(db, {
      get(target, key) {
        if (key !== 'prepare') return Reflect.get(target, key) as unknown;
        return (sql: string) => {
          prepared.push(sql);
          return target.prepare(sql);
        };
      },
    }),
  );
  return prepared;
}

/** SQLite's query plan of `sql`, its parameters unbound (null). */
function planOf(sql: string): string {
  const named = [...sql.matchAll(/:(\w+)/g)].map((match) => [match[1], null]);
  const positional: null[] = Array.from({ length: sql.split('?').length - 1 }, () => null);
  const params = named.length > 0 ? [Object.fromEntries(named) as object] : positional;
  return db
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...params)
    .map((row) => (row as { detail: string }).detail)
    .join(' | ');
}

test("one account's config lists, counts and summaries search config_by_account", () => {
  const sqls = [
    ...preparedBy((db) => new ConfigDocs(db)),
    ...preparedBy((db) => new Summaries(db)),
  ].filter(
    // Lists by account: an entity looked up by its id walks the primary key, as it should.
    (sql) => /FROM config\b/.test(sql) && /account_id = [?:]/.test(sql) && !/\bid = \?/.test(sql),
  );
  assert.ok(sqls.length >= 5, `found ${sqls.length} account-scoped reads`);
  for (const sql of sqls) {
    assert.match(planOf(sql), /USING INDEX config_by_account \(kind=\? AND account_id=\?/, sql);
  }
});

test("an account's deliveries are listed newest first from deliveries_by_account, unsorted", () => {
  const list = preparedBy((db) => new DeliveryQueue(db)).find((sql) =>
    /WHERE account_id = \? ORDER BY created_at DESC/.test(sql),
  );
  assert.ok(list, 'the delivery list statement');
  const plan = planOf(list);
  assert.match(plan, /USING INDEX deliveries_by_account \(account_id=\?\)/);
  assert.doesNotMatch(plan, /TEMP B-TREE/);
});
