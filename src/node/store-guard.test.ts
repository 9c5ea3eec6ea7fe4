import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { FakeClock } from '../clock/index.js';
import { Store } from '../store/index.js';
import {
  damagePages,
  httpMonitorDoc,
  leafPages,
  overwriteBytes,
  tempDir,
} from '../testing/index.js';
import { StoreGuard, storeFiles, type Degraded } from './store-guard.js';

const silent = pino({ level: 'silent' });

/** A closed tireless.db with a node id, one monitor and 5,000 of its results. */
function dataDirWithHistory(): string {
  const dir = tempDir();
  const store = new Store(join(dir, 'tireless.db'));
  store.setMeta('node_id', 'node-kept');
  store.applyConfig({
    kind: 'monitor',
    id: 'mon_a',
    accountId: 'acc_1',
    revision: 3,
    doc: httpMonitorDoc({
      id: 'mon_a',
      accountId: 'acc_1',
      revision: 3,
      name: 'a',
      channelIds: [],
    }),
  });
  store.ingest(
    Array.from({ length: 5000 }, (_, i) => ({
      monitorId: 'mon_a',
      slot: 1_700_000_000_000 + i * 10_000,
      checkedAt: 1_700_000_000_000 + i * 10_000,
      status: 'up' as const,
      latencyMs: 1,
      node: 'node-kept',
      region: 'local',
    })),
  );
  store.close();
  return dir;
}

const everything = { since: 0, until: Number.MAX_SAFE_INTEGER, limit: 10_000 };

void describe('StoreGuard', () => {
  void it('lists a data dir’s store files in the order they were used', () => {
    const dir = tempDir();
    for (const name of [
      'tireless.fresh-10.db',
      'tireless.db',
      'tireless.fresh-2.db',
      'tireless.fresh-3.db.salvaging',
      'tireless.db-wal',
    ]) {
      writeFileSync(join(dir, name), '');
    }
    assert.deepEqual(
      storeFiles(dir).map((file) => file.slice(dir.length + 1)),
      ['tireless.db', 'tireless.fresh-2.db', 'tireless.fresh-10.db'],
    );
  });

  void it('refuses to start on a file of which nothing can be read, creating no fresh store', () => {
    const dir = dataDirWithHistory();
    overwriteBytes(join(dir, 'tireless.db'), 0, 100);
    assert.throws(() => new StoreGuard(dir, new FakeClock(), silent), {
      code: 'TIRELESS_CONFIG',
      message: /tireless\.db is damaged .*nothing of its config can be read.*tireless restore/,
    });
    assert.deepEqual(storeFiles(dir), [join(dir, 'tireless.db')]);
  });

  void it('replaces a store that a call finds damaged, and runs the call again on the fresh one', () => {
    const dir = dataDirWithHistory();
    const database = join(dir, 'tireless.db');
    const pages = leafPages(database, 'results');
    damagePages(database, pages.slice(10, 12));
    const guard = new StoreGuard(dir, new FakeClock(42_000), silent);
    const replaced: [Degraded, string][] = [];
    guard.onReplaced((degraded, cause) => replaced.push([degraded, cause]));
    assert.equal(guard.path, database, 'opening reads no damaged page');
    const store = guard.store;

    // Reading the whole history meets the damaged pages.
    assert.deepEqual(store.listResults('acc_1', 'mon_a', everything), []);
    const fresh = join(dir, 'tireless.fresh-1.db');
    assert.equal(guard.path, fresh);
    assert.equal(replaced.length, 1);
    assert.equal(replaced[0]?.[1], 'call');
    const degraded = guard.degraded;
    assert.deepEqual(replaced[0]?.[0], degraded);
    assert.equal(degraded?.damagedFile, database);
    assert.equal(degraded?.storeFile, fresh);
    assert.equal(degraded?.since, 42_000);
    assert.match(degraded?.reason ?? '', /malformed/);
    assert.match(degraded?.recovery ?? '', new RegExp(`tireless restore --from ${dir} --data`));
    // What a node needs to go on came over; the proxy reaches the fresh store's fields too.
    assert.equal(store.getMeta('node_id'), 'node-kept');
    assert.equal(store.getConfig<{ revision: number }>('monitor', 'mon_a')?.revision, 3);
    assert.equal(store.path, fresh);
    // New results land in the fresh store.
    const report = store.ingest([
      {
        monitorId: 'mon_a',
        slot: 1_800_000_000_000,
        checkedAt: 1_800_000_000_000,
        status: 'down',
        latencyMs: 1,
        error: 'refused',
        node: 'node-kept',
        region: 'local',
      },
    ]);
    assert.equal(report.applied, 1);
    // A second report about the file already replaced changes nothing.
    guard.replace('again', database, 'check');
    assert.equal(guard.path, fresh);
    store.close();

    // The next start stays on the fresh store, degraded for the same reason.
    const next = new StoreGuard(dir, new FakeClock(99_000), silent);
    assert.equal(next.path, fresh);
    assert.deepEqual(next.degraded, degraded);
    assert.equal(next.store.listResults('acc_1', 'mon_a', everything).length, 1);
    assert.equal(existsSync(join(dir, 'tireless.fresh-2.db')), false);
    next.store.close();
  });
});
