import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SoloConfigWriter } from '../cluster/index.js';
import { Store, type CheckedResult } from '../store/index.js';
import { runBackup } from './backup.js';
import { runRestore } from './restore.js';

const ACCOUNT = 'acc_1';
const MONITOR = 'mon_1';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tireless-cli-'));
}

/** A node's data dir: its database (left open, as a running node holds it) and secret key. */
function dataDir(nodeId: string, key = randomBytes(32).toString('hex'), name = 'shop') {
  const dir = tempDir();
  writeFileSync(join(dir, 'secret.key'), `${key}\n`, { mode: 0o600 });
  const store = new Store(join(dir, 'tireless.db'));
  store.setMeta('node_id', nodeId);
  const doc = { id: MONITOR, accountId: ACCOUNT, revision: 1, name, type: 'http' };
  store.applyConfig({ kind: 'monitor', id: MONITOR, accountId: ACCOUNT, revision: 1, doc });
  return { dir, key, store };
}

/** One result every 10 s in [from, to) (ms) from `node`. */
function results(node: string, from: number, to: number): CheckedResult[] {
  const list: CheckedResult[] = [];
  for (let slot = from; slot < to; slot += 10_000) {
    // Varied fields, so that a copy that mixes them up differs.
    const down = (slot / 10_000) % 7 === 3;
    list.push({
      monitorId: MONITOR,
      slot,
      checkedAt: slot + 1 + ((slot / 10_000) % 5),
      status: down ? 'down' : 'up',
      latencyMs: 5 + ((slot / 10_000) % 11),
      ...(down ? { error: `refused by ${node}` } : {}),
      node,
      region: 'eu',
    });
  }
  return list;
}

const silent = () => {};

/** Every result of the monitor in the database at `file`, each as all its fields. */
function storedSet(file: string): Set<string> {
  const store = new Store(file);
  try {
    return new Set(
      store
        .listResults(ACCOUNT, MONITOR, { since: 0, until: Number.MAX_SAFE_INTEGER, limit: 1e6 })
        .map((r) =>
          JSON.stringify([r.slot, r.checkedAt, r.status, r.latencyMs, r.error, r.node, r.region]),
        ),
    );
  } finally {
    store.close();
  }
}

/** The same fields of results as written. */
function writtenSet(results: readonly CheckedResult[]): Set<string> {
  return new Set(
    results.map((r) =>
      JSON.stringify([
        r.slot,
        r.checkedAt,
        r.status,
        r.latencyMs,
        r.error ?? null,
        r.node,
        r.region,
      ]),
    ),
  );
}

function rejectsWith(code: string, pattern: RegExp) {
  return (error: Error & { code?: string }) => error.code === code && pattern.test(error.message);
}

test('backup writes a verified copy (mode 0600), its key only when asked, and never overwrites one', async () => {
  const node = dataDir('node-a');
  node.store.ingest(results('node-a', 0, 1_000_000));
  const out = join(tempDir(), 'tireless.backup');
  const lines: string[] = [];

  const report = await runBackup({ dataDir: node.dir, out, log: (line) => lines.push(line) });
  assert.equal(report.file, out);
  assert.deepEqual(storedSet(out), writtenSet(results('node-a', 0, 1_000_000)));
  assert.equal(report.results, 100);
  assert.equal(report.monitors, 1);
  assert.equal(report.bytes, statSync(out).size);
  assert.equal(statSync(out).mode & 0o777, 0o600);
  // The key stays apart by default: a backup alone reveals no secret.
  assert.equal(report.keyFile, null);
  assert.equal(report.keptApart, join(node.dir, 'secret.key'));
  assert.deepEqual(readdirSync(join(out, '..')), ['tireless.backup']);
  assert.match(lines.join('\n'), /backup written: .* 100 results, 1 monitors/);
  assert.match(lines.join('\n'), /secret key: not copied \(kept apart; --with-key copies it\)/);

  const withKey = join(tempDir(), 'keyed.backup');
  const keyed = await runBackup({ dataDir: node.dir, out: withKey, withKey: true, log: silent });
  assert.equal(keyed.keyFile, `${withKey}.key`);
  assert.equal(readFileSync(`${withKey}.key`, 'utf8').trim(), node.key);
  assert.equal(statSync(`${withKey}.key`).mode & 0o777, 0o600);
  assert.equal(statSync(withKey).mode & 0o777, 0o600);

  await assert.rejects(
    runBackup({ dataDir: node.dir, out, log: silent }),
    rejectsWith('TIRELESS_BACKUP', /already exists/),
  );
  await assert.rejects(
    runBackup({ dataDir: tempDir(), out: join(tempDir(), 'x'), log: silent }),
    rejectsWith('TIRELESS_BACKUP', /no database to back up/),
  );
});

test('backup completes while the node keeps writing, with a consistent snapshot', async () => {
  const node = dataDir('node-a');
  // Enough pages for several copy steps: SQLite restarts a plain backup on every write.
  const padding = 'x'.repeat(100_000);
  for (let i = 0; i < 120; i++) {
    const doc = { id: `ch_${i}`, accountId: ACCOUNT, revision: 1, padding };
    node.store.applyConfig({
      kind: 'channel',
      id: `ch_${i}`,
      accountId: ACCOUNT,
      revision: 1,
      doc,
    });
  }
  let slot = 0;
  let writing = true;
  const deadline = Date.now() + 10_000;
  const writer = (async () => {
    while (writing && Date.now() < deadline) {
      node.store.ingest(results('node-a', slot, (slot += 10_000)));
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const report = await runBackup({ dataDir: node.dir, out: join(tempDir(), 'b'), log: silent });
  const finishedInTime = Date.now() < deadline;
  writing = false;
  await writer;
  assert.ok(finishedInTime, 'the copy finished while the node was still writing');
  assert.ok(slot / 10_000 > report.results, 'the node wrote during the copy');
  // One moment of the writes: exactly the first n batches, whole, with rollups to match.
  const copied = storedSet(report.file);
  assert.deepEqual(copied, writtenSet(results('node-a', 0, copied.size * 10_000)));
  assert.equal(report.results, copied.size);
  const copy = new Store(report.file);
  const down = [...copied].filter((r) => r.includes('"down"')).length;
  assert.deepEqual(
    copy.uptime(ACCOUNT, MONITOR, 0, slot),
    { up: copied.size - down, down },
    'results and rollups of one moment',
  );
  copy.close();
});

test('restore merges a backup and a dead node data dir into one whole', async () => {
  const key = randomBytes(32).toString('hex');
  const a = dataDir('node-a', key);
  a.store.ingest(results('node-a', 0, 500_000));
  const backup = join(tempDir(), 'a.backup');
  await runBackup({ dataDir: a.dir, out: backup, log: silent });

  const b = dataDir('node-b', key);
  b.store.ingest([...results('node-a', 300_000, 500_000), ...results('node-b', 0, 800_000)]);
  // A node killed mid-run leaves its last writes in the WAL: copy the dir as it lies.
  const dead = tempDir();
  for (const file of readdirSync(b.dir)) copyFileSync(join(b.dir, file), join(dead, file));
  assert.ok(existsSync(join(dead, 'tireless.db-wal')));

  const target = join(tempDir(), 'restored');
  const lines: string[] = [];
  const report = await runRestore({
    from: [backup, dead],
    dataDir: target,
    log: (line) => lines.push(line),
  });
  assert.equal(report.results, 50 + 80);
  assert.deepEqual(
    report.sources.map((source) => source.merge.results),
    [
      { added: 50, duplicates: 0, deletedMonitor: 0 },
      { added: 80, duplicates: 20, deletedMonitor: 0 },
    ],
  );
  assert.equal(report.nodeId, 'node-a');
  assert.equal(readFileSync(join(target, 'secret.key'), 'utf8').trim(), key);
  assert.equal(statSync(join(target, 'secret.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(target, 'tireless.db')).mode & 0o777, 0o600);
  assert.equal(statSync(target).mode & 0o777, 0o700);
  assert.deepEqual(readdirSync(target).sort(), ['secret.key', 'tireless.db']);
  assert.match(lines.join('\n'), /= 130 results, 1 monitors/);

  const whole = writtenSet([...results('node-a', 0, 500_000), ...results('node-b', 0, 800_000)]);
  assert.deepEqual(storedSet(join(target, 'tireless.db')), whole);
  const restored = new Store(join(target, 'tireless.db'));
  const down = [...whole].filter((r) => r.includes('"down"')).length;
  assert.deepEqual(restored.uptime(ACCOUNT, MONITOR, 0, 1_000_000), { up: 130 - down, down });
  assert.equal(restored.getMeta('node_id'), 'node-a');
  restored.close();
});

test('restore refuses an existing database and different keys, creating nothing, and salvages a corrupt copy', async () => {
  const a = dataDir('node-a');
  a.store.ingest(results('node-a', 0, 2_000_000));
  const backup = join(tempDir(), 'a.backup');
  await runBackup({ dataDir: a.dir, out: backup, withKey: true, log: silent });
  const target = join(tempDir(), 'restored');

  await assert.rejects(
    runRestore({ from: [backup], dataDir: a.dir, log: silent }),
    rejectsWith('TIRELESS_BACKUP', /already exists/),
  );
  const other = dataDir('node-b');
  await assert.rejects(
    runRestore({ from: [backup, other.dir], dataDir: target, log: silent }),
    rejectsWith('TIRELESS_BACKUP', /different secret keys/),
  );
  await assert.rejects(
    runRestore({ from: [backup, join(tempDir(), 'missing')], dataDir: target, log: silent }),
    rejectsWith('TIRELESS_BACKUP', /missing: no such file/),
  );
  const empty = tempDir();
  await assert.rejects(
    runRestore({ from: [empty], dataDir: target, log: silent }),
    rejectsWith('TIRELESS_BACKUP', /has none/),
  );

  assert.equal(existsSync(target), false, 'nothing was created');

  // A damaged copy is not refused: what is readable of it is salvaged and merged.
  const corrupt = join(tempDir(), 'corrupt.backup');
  copyFileSync(backup, corrupt);
  const fd = openSync(corrupt, 'r+');
  writeSync(
    fd,
    Buffer.alloc(8192, 0xab),
    0,
    8192,
    Math.floor(statSync(corrupt).size / 8192) * 4096,
  );
  closeSync(fd);
  const report = await runRestore({ from: [backup, corrupt], dataDir: target, log: silent });
  assert.equal(report.sources[0]?.salvaged, undefined);
  assert.match(report.sources[1]?.salvaged?.problem ?? '', /malformed|integrity check/);
  assert.equal(report.results, 200);
});

test('restore into an existing empty dir keeps an equal key already there', async () => {
  const a = dataDir('node-a');
  a.store.ingest(results('node-a', 0, 100_000));
  const target = tempDir();
  writeFileSync(join(target, 'secret.key'), `${a.key}\n`, { mode: 0o600 });
  const report = await runRestore({ from: [a.dir], dataDir: target, log: silent });
  assert.equal(report.results, 10);
  assert.deepEqual(
    storedSet(join(target, 'tireless.db')),
    writtenSet(results('node-a', 0, 100_000)),
  );
  assert.equal(readFileSync(join(target, 'secret.key'), 'utf8').trim(), a.key);
});

test('restore of a data dir and an older backup keeps a monitor deleted since the backup deleted', async () => {
  const a = dataDir('node-a');
  a.store.ingest(results('node-a', 0, 300_000));
  const backup = join(tempDir(), 'a.backup');
  await runBackup({ dataDir: a.dir, out: backup, log: silent });
  await new SoloConfigWriter(a.store).remove('monitor', ACCOUNT, MONITOR);
  a.store.close();

  for (const from of [
    [a.dir, backup],
    [backup, a.dir],
  ]) {
    const target = join(tempDir(), 'restored');
    const lines: string[] = [];
    const report = await runRestore({ from, dataDir: target, log: (line) => lines.push(line) });
    assert.equal(report.monitors, 0);
    assert.equal(report.results, 0);
    const restored = new Store(join(target, 'tireless.db'));
    assert.equal(restored.getConfig('monitor', MONITOR), undefined);
    assert.deepEqual(
      restored.listResults(ACCOUNT, MONITOR, { since: 0, until: 1e15, limit: 10 }),
      [],
    );
    restored.close();
    if (from[0] === a.dir) {
      assert.ok(
        lines.includes(
          `  + ${backup}: 0 new results, 0 already merged, 30 of deleted monitors left out; 0 config documents newer, 1 older or equal`,
        ),
        lines.join('\n'),
      );
    }
  }
});

test('restore keeps one of two contents under one revision, the same in either order, and says so', async () => {
  const key = randomBytes(32).toString('hex');
  const left = dataDir('node-a', key, 'left');
  const right = dataDir('node-b', key, 'right');
  const hashOf = (name: string) =>
    createHash('sha256')
      .update(JSON.stringify({ id: MONITOR, accountId: ACCOUNT, revision: 1, name, type: 'http' }))
      .digest('hex');
  const winner = hashOf('left') > hashOf('right') ? 'left' : 'right';
  left.store.close();
  right.store.close();
  const dirs = { left: left.dir, right: right.dir };

  for (const [first, second] of [
    ['left', 'right'],
    ['right', 'left'],
  ] as const) {
    const target = join(tempDir(), 'restored');
    const lines: string[] = [];
    const report = await runRestore({
      from: [dirs[first], dirs[second]],
      dataDir: target,
      log: (line) => lines.push(line),
    });
    const kept = second === winner ? "this copy's" : "the earlier copies'";
    assert.deepEqual(
      lines.filter((line) => line.startsWith('  !')),
      [
        `  ! ${dirs[second]}: monitor ${MONITOR} has revision 1 with other content than in the earlier copies; kept ${kept} (the larger content hash wins a tie)`,
      ],
    );
    assert.equal(report.sources[1]?.merge.config.conflicts.length, 1);
    const restored = new Store(join(target, 'tireless.db'));
    assert.equal(restored.getConfig<{ name: string }>('monitor', MONITOR)?.name, winner);
    restored.close();
  }
});

test('restore takes the key kept apart (--key), and says loudly when there is none', async () => {
  const node = dataDir('node-a');
  node.store.ingest(results('node-a', 0, 100_000));
  const backup = join(tempDir(), 'a.backup');
  await runBackup({ dataDir: node.dir, out: backup, log: silent });

  const bare = join(tempDir(), 'bare');
  const lines: string[] = [];
  const report = await runRestore({ from: [backup], dataDir: bare, log: (l) => lines.push(l) });
  assert.equal(report.secretKeyFrom, null);
  assert.ok(!existsSync(join(bare, 'secret.key')));
  assert.ok(
    lines.some((line) => line.startsWith('  ! secret key MISSING') && line.includes(bare)),
    lines.join('\n'),
  );

  const keyed = join(tempDir(), 'keyed');
  const keyFile = join(node.dir, 'secret.key');
  const restored = await runRestore({ from: [backup], dataDir: keyed, keyFile, log: silent });
  assert.equal(restored.secretKeyFrom, keyFile);
  assert.equal(readFileSync(join(keyed, 'secret.key'), 'utf8').trim(), node.key);
  assert.equal(statSync(join(keyed, 'secret.key')).mode & 0o777, 0o600);

  const notAKey = join(tempDir(), 'note.txt');
  writeFileSync(notAKey, 'hello');
  await assert.rejects(
    runRestore({ from: [backup], dataDir: join(tempDir(), 'x'), keyFile: notAKey, log: silent }),
    rejectsWith('TIRELESS_BACKUP', /not a secret key/),
  );
  const keyedBackup = join(tempDir(), 'b.backup');
  await runBackup({ dataDir: node.dir, out: keyedBackup, withKey: true, log: silent });
  const otherKey = join(dataDir('node-b').dir, 'secret.key');
  await assert.rejects(
    runRestore({
      from: [keyedBackup],
      dataDir: join(tempDir(), 'y'),
      keyFile: otherKey,
      log: silent,
    }),
    rejectsWith('TIRELESS_BACKUP', /different secret keys/),
  );
});
