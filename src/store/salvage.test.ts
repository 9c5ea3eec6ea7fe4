import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { damagePages, leafPages, overwriteBytes, tempDir } from '../testing/index.js';
import { checkIntegrity } from './integrity.js';
import { inspectCopy } from './merge.js';
import { salvageDatabase } from './salvage.js';
import { applyMonitor, tempStore } from './test-fixtures.js';

const MONITORS = ['mon_a', 'mon_b', 'mon_c'];
const SLOTS = 4000;

/** A closed store file with 300 monitors and 12,000 results of three of them. */
function filledStore(): { path: string; results: Set<string>; monitors: Set<string> } {
  const store = tempStore();
  for (let i = 0; i < 300; i++) applyMonitor(store, { id: `mon_${String(i).padStart(3, '0')}` });
  for (const id of MONITORS) applyMonitor(store, { id });
  const results = new Set<string>();
  for (const monitorId of MONITORS) {
    const batch = Array.from({ length: SLOTS }, (_, i) => ({
      monitorId,
      slot: 1_700_000_000_000 + i * 10_000,
      checkedAt: 1_700_000_000_000 + i * 10_000 + 7,
      status: i % 50 === 0 ? ('down' as const) : ('up' as const),
      latencyMs: i % 97,
      ...(i % 50 === 0 ? { error: `connection refused (${i % 3})` } : {}),
      node: 'node-a',
      region: 'local',
    }));
    store.ingest(batch);
    for (const r of batch) results.add(`${r.monitorId}/${r.slot}`);
  }
  const path = store.path;
  const monitors = new Set(store.listAll<{ id: string }>('monitor').map((m) => m.id));
  store.close();
  return { path, results, monitors };
}

/** Every result of a (sound) database file as `monitorId/slot`. */
function resultsIn(path: string): Set<string> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare('SELECT k.id, r.slot FROM results r JOIN keys_monitor k ON k.n = r.monitor')
      .all() as { id: string; slot: number }[];
    return new Set(rows.map((row) => `${row.id}/${row.slot}`));
  } finally {
    db.close();
  }
}

function monitorsIn(path: string): Set<string> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare(`SELECT id FROM config WHERE kind = 'monitor'`).all() as {
      id: string;
    }[];
    return new Set(rows.map((row) => row.id));
  } finally {
    db.close();
  }
}

function isSubset(part: Set<string>, whole: Set<string>): boolean {
  return [...part].every((item) => whole.has(item));
}

void describe('integrity checks', () => {
  void it('finds a sound file sound, in both modes', async () => {
    const { path } = filledStore();
    for (const mode of ['quick', 'full'] as const) {
      const verdict = await checkIntegrity(path, mode).verdict;
      assert.deepEqual(verdict.problems, [], mode);
      assert.equal(verdict.mode, mode);
    }
  });

  void it('finds overwritten pages, in both modes', async () => {
    const { path } = filledStore();
    const pages = leafPages(path, 'results');
    damagePages(path, pages.slice(pages.length / 2, pages.length / 2 + 2));
    for (const mode of ['quick', 'full'] as const) {
      const verdict = await checkIntegrity(path, mode, { maxProblems: 5 }).verdict;
      assert.ok(verdict.problems.length > 0 && verdict.problems.length <= 5, mode);
    }
  });

  void it('reports a file whose header is gone as one problem', async () => {
    const { path } = filledStore();
    overwriteBytes(path, 0, 100);
    const verdict = await checkIntegrity(path, 'quick').verdict;
    assert.equal(verdict.problems.length, 1);
    assert.match(verdict.problems[0] ?? '', /not a database/);
  });

  void it('rejects when there is no file at all', async () => {
    await assert.rejects(checkIntegrity(`${tempDir()}/none.db`, 'quick').verdict);
  });
});

void describe('salvageDatabase', () => {
  void it('copies every readable result, losing only the records of the overwritten pages', async () => {
    const { path, results, monitors } = filledStore();
    const pages = leafPages(path, 'results');
    // Two holes apart from each other, one of them two pages long.
    const middle = Math.floor(pages.length / 2);
    const lost = damagePages(path, [...pages.slice(5, 6), ...pages.slice(middle, middle + 2)]);
    assert.ok(lost > 100);
    const copy = `${tempDir()}/salvaged.db`;
    const report = salvageDatabase(path, copy);
    assert.equal(report.tables.results?.holes, 2);
    assert.equal(report.tables.config?.holes, 0);
    const salvaged = resultsIn(copy);
    // Lost: the records of the leaves, and at most the one record of their parent page that
    // lies between the two adjacent damaged leaves (reached only through them).
    assert.ok(salvaged.size <= results.size - lost, `${salvaged.size}`);
    assert.ok(salvaged.size >= results.size - lost - 1, `${salvaged.size}`);
    assert.ok(isSubset(salvaged, results), 'nothing invented');
    assert.deepEqual(monitorsIn(copy), monitors);
    // A sound copy of this schema: restore can merge it.
    assert.equal(inspectCopy(copy).results, salvaged.size);
    assert.deepEqual((await checkIntegrity(copy, 'full').verdict).problems, []);
  });

  void it('reads config documents on both sides of an unreadable page', () => {
    const { path, monitors } = filledStore();
    const pages = leafPages(path, 'config');
    assert.ok(pages.length >= 5);
    const lost = damagePages(path, pages.slice(2, 3));
    const copy = `${tempDir()}/salvaged.db`;
    const report = salvageDatabase(path, copy, 'config');
    assert.equal(report.tables.config?.holes, 1);
    assert.equal(report.tables.results, undefined, 'config scope copies no results');
    const salvaged = monitorsIn(copy);
    assert.equal(salvaged.size, monitors.size - lost);
    assert.ok(isSubset(salvaged, monitors));
    assert.ok(salvaged.has('mon_000') && salvaged.has('mon_c'), 'both ends of the table');
    assert.equal(resultsIn(copy).size, 0);
  });

  void it('refuses a file whose header is gone, and an existing destination', () => {
    const { path } = filledStore();
    const dir = tempDir();
    assert.throws(() => salvageDatabase(path, path), { code: 'TIRELESS_BACKUP' });
    overwriteBytes(path, 0, 100);
    assert.throws(() => salvageDatabase(path, `${dir}/x.db`), {
      code: 'TIRELESS_BACKUP',
      message: /nothing can be salvaged/,
    });
    assert.equal(existsSync(`${dir}/x.db`), false);
  });
});
