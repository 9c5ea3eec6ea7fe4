import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { FakeClock } from '../clock/index.js';
import { Store, type CheckedResult } from '../store/index.js';
import { ResultWriter } from './result-writer.js';
import { SpillFile } from './spill-file.js';
import { httpMonitorDoc } from '../testing/index.js';

const silent = pino({ level: 'silent' });

/** A real store in a temp dir with one monitor, which the test can close and open again. */
function storeWithMonitor() {
  const dir = mkdtempSync(join(tmpdir(), 'tireless-writer-'));
  const path = join(dir, 'tireless.db');
  const open = () => new Store(path);
  const store = open();
  store.applyConfig({
    kind: 'monitor',
    id: 'mon_a',
    accountId: 'acc_1',
    revision: 1,
    doc: httpMonitorDoc({
      id: 'mon_a',
      accountId: 'acc_1',
      revision: 1,
      name: 'a',
      channelIds: [],
    }),
  });
  return { dir, store, open };
}

function result(slot: number): CheckedResult {
  return {
    monitorId: 'mon_a',
    slot,
    checkedAt: slot + 3,
    status: 'up',
    latencyMs: 5,
    node: 'node-a',
    region: 'local',
  };
}

function storedSlots(store: Store): number[] {
  return store
    .listResults('acc_1', 'mon_a', { since: 0, until: Number.MAX_SAFE_INTEGER, limit: 1e6 })
    .map((r) => r.slot)
    .sort((a, b) => a - b);
}

void describe('ResultWriter', () => {
  void it('retries a failing batch with backoff, then spills it to disk, and writes it back once the store works', () => {
    const { dir, store: first, open } = storeWithMonitor();
    let store = first;
    const clock = new FakeClock(1_000_000);
    const spill = new SpillFile(join(dir, 'spill.jsonl'));
    let attempts = 0;
    const writer = new ResultWriter(
      (batch) => {
        attempts++;
        return store.ingest(batch);
      },
      spill,
      clock,
      silent,
      { flushMs: 100, maxAttempts: 3, retryMs: 1000 },
    );
    writer.start();
    writer.add(result(10_000));
    clock.advance(100);
    assert.deepEqual(storedSlots(store), [10_000]);

    // The store fails for real: its connection is gone.
    store.close();
    writer.add(result(20_000));
    clock.advance(100);
    assert.equal(attempts, 2);
    assert.equal(writer.pending, 1, 'kept for a retry');
    clock.advance(999);
    assert.equal(attempts, 2, 'not before the first backoff');
    clock.advance(1);
    assert.equal(attempts, 3);
    writer.add(result(30_000));
    clock.advance(1999);
    assert.equal(attempts, 3, 'the second backoff is twice as long');
    clock.advance(1);
    assert.equal(attempts, 4);
    assert.equal(writer.pending, 0, 'after maxAttempts nothing stays in memory');
    const lines = readFileSync(spill.path, 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((line) => (JSON.parse(line) as CheckedResult).slot),
      [20_000, 30_000],
    );

    // Back: the next batch is written, then what was spilled, and the spill file goes.
    store = open();
    writer.add(result(40_000));
    clock.advance(10_000);
    assert.deepEqual(storedSlots(store), [10_000, 20_000, 30_000, 40_000]);
    assert.equal(existsSync(spill.path), false);
    store.close();
  });

  void it('writes at start what an earlier run spilled, skipping a torn line and ignoring results already stored', () => {
    const { dir, store } = storeWithMonitor();
    store.ingest([result(10_000)]);
    const spill = new SpillFile(join(dir, 'spill.jsonl'));
    spill.append([result(10_000), result(20_000)]);
    // A crash mid-append tore the last line; a later run appended after it.
    appendFileSync(spill.path, '{"monitorId":"mon_a","slo');
    spill.append([result(30_000)]);
    const clock = new FakeClock(1_000_000);
    const reports: number[] = [];
    const writer = new ResultWriter((batch) => store.ingest(batch), spill, clock, silent, {
      maxBatch: 2,
      onFlushed: (report) => reports.push(report.applied),
    });
    writer.start();
    clock.advance(0);
    assert.deepEqual(storedSlots(store), [10_000, 20_000, 30_000]);
    assert.equal(
      reports.reduce((a, b) => a + b, 0),
      2,
      'the one already stored changed nothing',
    );
    assert.equal(existsSync(spill.path), false);
    store.close();
  });

  void it('waits for the backoff when the store still refuses what was spilled', () => {
    const { dir, store } = storeWithMonitor();
    const spill = new SpillFile(join(dir, 'spill.jsonl'));
    spill.append([result(10_000)]);
    store.close();
    const clock = new FakeClock(1_000_000);
    let attempts = 0;
    const writer = new ResultWriter(
      (batch) => {
        attempts++;
        return store.ingest(batch);
      },
      spill,
      clock,
      silent,
      { retryMs: 1000 },
    );
    writer.start();
    clock.advance(999);
    // One try at once, the next after 1 s, then 2 s: no busy loop over the spill file.
    assert.equal(attempts, 1);
    clock.advance(1);
    assert.equal(attempts, 2);
    clock.advance(2000);
    assert.equal(attempts, 3);
    assert.deepEqual(
      spill.read(0, 10).results.map((r) => r.slot),
      [10_000],
    );
  });

  void it('drains to the spill file when stopping with a failing store', async () => {
    const { dir, store } = storeWithMonitor();
    const spill = new SpillFile(join(dir, 'spill.jsonl'));
    const writer = new ResultWriter(
      (batch) => store.ingest(batch),
      spill,
      new FakeClock(),
      silent,
      {
        maxBatch: 2,
      },
    );
    store.close();
    for (const slot of [10_000, 20_000, 30_000]) writer.add(result(slot));
    await writer.drain();
    assert.equal(writer.pending, 0);
    assert.deepEqual(
      spill.read(0, 10).results.map((r) => r.slot),
      [10_000, 20_000, 30_000],
    );
  });
});
