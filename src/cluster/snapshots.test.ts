import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import type { ObjectStore } from '@nats-io/obj';
import { systemClock } from '../clock/index.js';
import { Store, type CheckedResult, type Judge } from '../store/index.js';
import { httpMonitorDoc, startNatsCluster, waitFor, type NatsCluster } from '../testing/index.js';
import {
  catchUpFromSnapshot,
  latestSnapshot,
  openSnapshots,
  planCatchUp,
  snapshotDue,
  SnapshotPublisher,
  type CatchUpState,
} from './snapshots.js';

const log = pino({ level: 'silent' });
let cluster: NatsCluster;
let nc: NatsConnection;
let os: ObjectStore;

before(async () => {
  cluster = await startNatsCluster(3);
  nc = await connect({ servers: [...cluster.urls] });
  os = await openSnapshots(jetstream(nc), 3);
});

after(async () => {
  await nc.close();
  await cluster.stop();
});

/** A publisher of `store`'s replica as `node`: by default it publishes, only when asked. */
function publisherOf(
  store: Store,
  node: string,
  options: { intervalMs?: number; isPublisher?: () => boolean } = {},
): SnapshotPublisher {
  return new SnapshotPublisher({
    os,
    storePath: () => store.path,
    dir: join(store.path, '..'),
    node,
    clock: systemClock,
    log,
    intervalMs: options.intervalMs ?? 3_600_000,
    isPublisher: options.isPublisher ?? (() => true),
  });
}

test('planCatchUp: a snapshot for an empty replica or one behind the stream, and what nothing holds', () => {
  const cases: [CatchUpState, ReturnType<typeof planCatchUp>][] = [
    // A new cluster: nothing anywhere.
    [
      { applied: 0, streamFirst: 0, snapshot: undefined },
      { loadSnapshot: false, missing: null },
    ],
    // Empty replica, whole stream, no snapshot yet: replay it all.
    [
      { applied: 0, streamFirst: 1, snapshot: undefined },
      { loadSnapshot: false, missing: null },
    ],
    // Empty replica with a snapshot: start from it even though the stream reaches back.
    [
      { applied: 0, streamFirst: 1, snapshot: 40 },
      { loadSnapshot: true, missing: null },
    ],
    // Empty replica, trimmed stream, snapshot covering the gap.
    [
      { applied: 0, streamFirst: 30, snapshot: 40 },
      { loadSnapshot: true, missing: null },
    ],
    // Empty replica, trimmed stream, no snapshot: 1–29 held by nobody reachable.
    [
      { applied: 0, streamFirst: 30, snapshot: undefined },
      { loadSnapshot: false, missing: { from: 1, to: 29 } },
    ],
    // A node back after a while, the stream still reaching back: follow it, no snapshot.
    [
      { applied: 50, streamFirst: 51, snapshot: 90 },
      { loadSnapshot: false, missing: null },
    ],
    [
      { applied: 50, streamFirst: 20, snapshot: 90 },
      { loadSnapshot: false, missing: null },
    ],
    // … the stream trimmed past it: the snapshot fills the gap.
    [
      { applied: 50, streamFirst: 70, snapshot: 90 },
      { loadSnapshot: true, missing: null },
    ],
    // … a snapshot older than the gap's end: loaded, 61–69 still missing.
    [
      { applied: 50, streamFirst: 70, snapshot: 60 },
      { loadSnapshot: true, missing: { from: 61, to: 69 } },
    ],
    // … a snapshot older than the replica adds nothing.
    [
      { applied: 50, streamFirst: 70, snapshot: 40 },
      { loadSnapshot: false, missing: { from: 51, to: 69 } },
    ],
    // A stream purged empty (first = last + 1) and a replica that had it all.
    [
      { applied: 80, streamFirst: 81, snapshot: 80 },
      { loadSnapshot: false, missing: null },
    ],
  ];
  for (const [state, plan] of cases)
    assert.deepEqual(planCatchUp(state), plan, JSON.stringify(state));
});

test('snapshotDue: none yet, or the latest one interval old', () => {
  const cases: [number, number | undefined, boolean][] = [
    [1000, undefined, true],
    [1000, 0, true],
    [999, 0, false],
    [5000, 4500, false],
  ];
  for (const [now, takenAt, due] of cases) assert.equal(snapshotDue(now, takenAt, 1000), due);
});

const ACCOUNT = 'acc_1';

function newStore(): Store {
  return new Store(join(mkdtempSync(join(tmpdir(), 'tireless-snap-')), 'tireless.db'));
}

function addMonitor(store: Store, id: string, revision: number): void {
  store.applyConfig({
    kind: 'account',
    id: ACCOUNT,
    accountId: ACCOUNT,
    revision: 1,
    doc: { id: ACCOUNT, accountId: ACCOUNT, revision: 1, name: 'A' },
  });
  store.applyConfig({
    kind: 'monitor',
    id,
    accountId: ACCOUNT,
    revision,
    doc: httpMonitorDoc({ id, accountId: ACCOUNT, revision, channelIds: [] }),
  });
}

function results(monitorId: string, count: number): CheckedResult[] {
  return Array.from({ length: count }, (_, i) => ({
    monitorId,
    slot: i * 10_000,
    checkedAt: i * 10_000 + 7,
    status: i % 9 === 0 ? 'down' : 'up',
    latencyMs: i % 300,
    ...(i % 9 === 0 ? { error: `refused ${i % 4}` } : {}),
    node: 'n1',
    region: 'eu',
  }));
}

function slotsOf(store: Store, monitorId: string): string {
  return store
    .listResults(ACCOUNT, monitorId, { since: 0, until: Number.MAX_SAFE_INTEGER, limit: 100_000 })
    .map((r) => `${r.slot}:${r.status}:${r.latencyMs}:${r.error ?? ''}`)
    .join();
}

test('a published snapshot (many chunks) merged into an empty replica gives its results, config and stream position', async () => {
  const source = newStore();
  addMonitor(source, 'mon_1', 5);
  // ~20,000 results: a file of several 128 KB chunks.
  source.ingest(results('mon_1', 20_000), undefined, { streamPosition: 777 });
  const publisher = publisherOf(source, 'n1');
  const published = await publisher.publish();
  assert.equal(published?.position, 777);
  const info = await os.info('replica');
  assert.ok(info && info.chunks > 1, `published in ${info?.chunks} chunks`);
  assert.deepEqual(await latestSnapshot(os), published);

  const joining = newStore();
  // The config bucket already gave it a newer revision of the monitor.
  addMonitor(joining, 'mon_1', 9);
  await catchUpFromSnapshot({ os, store: joining, streamFirst: 500, log });
  assert.equal(joining.streamPosition(), 777);
  assert.equal(joining.countResults(), 20_000);
  assert.equal(slotsOf(joining, 'mon_1'), slotsOf(source, 'mon_1'));
  assert.equal(
    joining.getConfig<{ revision: number }>('monitor', 'mon_1')?.revision,
    9,
    'a snapshot never takes the config back',
  );
  assert.deepEqual(
    joining.uptime(ACCOUNT, 'mon_1', 0, 200_000_000),
    source.uptime(ACCOUNT, 'mon_1', 0, 200_000_000),
  );
  source.close();
  joining.close();
});

test('the publisher of the period publishes when a snapshot is due; the others do not', async () => {
  const store = newStore();
  addMonitor(store, 'mon_2', 1);
  store.ingest(results('mon_2', 10), undefined, { streamPosition: 1200 });
  const publishers = ['n2', 'n3'].map((node) =>
    publisherOf(store, node, { intervalMs: 1000, isPublisher: () => node === 'n3' }),
  );
  const before = Date.now();
  for (const publisher of publishers) publisher.start();
  try {
    const latest = await waitFor('a snapshot from the periodic publisher', async () => {
      const meta = await latestSnapshot(os);
      return meta && meta.takenAt >= before ? meta : undefined;
    });
    assert.equal(latest.node, 'n3');
    assert.equal(latest.position, 1200);
  } finally {
    for (const publisher of publishers) publisher.stop();
    store.close();
  }
});

test('a replica that holds less of the stream than the latest snapshot does not replace it', async () => {
  const store = newStore();
  addMonitor(store, 'mon_3', 1);
  store.ingest(results('mon_3', 10), undefined, { streamPosition: 5 });
  const before = await latestSnapshot(os);
  assert.ok(before && before.position > 5);
  const publisher = publisherOf(store, 'n4');
  assert.equal(await publisher.publish(), undefined);
  assert.deepEqual(await latestSnapshot(os), before);
  store.close();
});

test('a snapshot that cannot be read is passed over: the replica follows the stream from where it starts', async () => {
  await os.putBlob(
    { name: 'replica', metadata: { position: '900', node: 'n9', takenAt: String(Date.now()) } },
    new TextEncoder().encode('not a database'),
  );
  const joining = newStore();
  await catchUpFromSnapshot({ os, store: joining, streamFirst: 1, log });
  assert.equal(joining.streamPosition(), 0);
  assert.equal(joining.countResults(), 0);
  joining.close();
});

test("a snapshot carries the results waiting for their monitor's config: the joining replica stores those of monitors it holds, the others wait", async () => {
  const source = newStore();
  // Other nodes' results, for monitors whose config had not reached this replica; the
  // stream position covers them.
  const early = [...results('mon_w1', 6), ...results('mon_w2', 4)];
  const ingested = source.ingest(early, undefined, { keepUnknown: true, streamPosition: 5000 });
  assert.equal(ingested.waiting, 10);
  const publisher = publisherOf(source, 'n1');
  assert.equal((await publisher.publish())?.position, 5000);

  const joining = newStore();
  // The config bucket gave it mon_w1; the stream no longer holds positions up to 5000.
  addMonitor(joining, 'mon_w1', 1);
  await catchUpFromSnapshot({ os, store: joining, streamFirst: 5001, log });
  assert.equal(joining.streamPosition(), 5000);
  assert.equal(joining.countResults(), 6);
  assert.equal(joining.countWaitingResults(), 4);

  // Judged, from the first, with the monitor's next result from the stream.
  const judged: number[] = [];
  const judge: Judge = (_monitor, _state, result) => {
    judged.push(result.slot);
    return { state: { lastSlot: result.slot }, notifications: [] };
  };
  joining.ingest(results('mon_w1', 7).slice(6), judge, { streamPosition: 5001 });
  assert.deepEqual(judged, [60_000, 0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);

  addMonitor(joining, 'mon_w2', 1);
  assert.equal(joining.countWaitingResults(), 0);
  assert.equal(joining.countResults(), 11);
  source.close();
  joining.close();
});
