import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { openSync, writeSync, closeSync, copyFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../clock/index.js';
import { DAY_MS, Store, type CheckedResult, type Judge, type StoredResult } from './index.js';
import { copyReplica, inspectCopy, mergeInto } from './merge.js';
import { applyMonitor as applyMonitorFixture, tempStore } from './test-fixtures.js';

const ACCOUNT = 'acc_1';

function applyMonitor(store: Store, id: string, revision = 1, name = id): void {
  applyMonitorFixture(store, { id, accountId: ACCOUNT, revision, name });
}

interface Origin {
  node: string;
  region: string;
}

/**
 * Results every 10 s in [fromSlot, toSlot); every 7th is down with an error naming its node;
 * every 3rd has timing phases (whole ms, as stored).
 */
function results(monitorId: string, origin: Origin, fromSlot: number, toSlot: number) {
  const list: CheckedResult[] = [];
  for (let slot = fromSlot; slot < toSlot; slot += 10_000) {
    const n = slot / 10_000;
    const down = n % 7 === 0;
    list.push({
      monitorId,
      slot,
      checkedAt: slot + 3,
      status: down ? 'down' : 'up',
      latencyMs: n % 50,
      ...(down ? { error: `refused at ${origin.node}` } : {}),
      ...origin,
      ...(n % 3 === 0 ? { timing: { dnsMs: n % 4, connectMs: 2, firstByteMs: n % 200 } } : {}),
    });
  }
  return list;
}

/** Opens an incident on the first down result and closes it on the next up one. */
const judge: Judge = (monitor, state, result) => {
  const previous = state as { open?: string; lastSlot: number } | undefined;
  if (previous && previous.lastSlot >= result.slot) return undefined;
  const open = previous?.open;
  const next = { lastSlot: result.slot, open };
  if (result.status === 'down' && !open) {
    const id = `inc-${monitor.id}-${result.slot}`;
    return {
      state: { ...next, open: id },
      openIncident: {
        id,
        accountId: monitor.accountId,
        monitorId: monitor.id,
        startedAt: result.slot,
        endedAt: null,
        cause: result.error ?? '',
        inMaintenance: false,
      },
      notifications: [
        {
          key: id,
          event: 'monitor.down',
          accountId: monitor.accountId,
          channelIds: monitor.channelIds,
          payload: { id },
        },
      ],
    };
  }
  if (result.status === 'up' && open) {
    return {
      state: { ...next, open: undefined },
      closeIncident: { id: open, endedAt: result.slot },
      notifications: [],
    };
  }
  return { state: next, notifications: [] };
};

const EU: Origin = { node: 'node-a', region: 'eu' };
const US: Origin = { node: 'node-b', region: 'us' };
const AP: Origin = { node: 'node-c', region: 'ap' };

/**
 * Three partial copies of one history, as three nodes would hold it after a bad night.
 * Local keys differ between them: each met its monitors and origins in another order.
 */
function threeCopies() {
  const a = tempStore();
  a.setMeta('node_id', 'node-a');
  applyMonitor(a, 'mon_1');
  applyMonitor(a, 'mon_2');
  const aResults = [...results('mon_1', EU, 0, 600_000), ...results('mon_2', EU, 0, 300_000)];
  a.ingest(aResults, judge);
  a.recordPush('mon_2', 1_000);

  const b = tempStore();
  b.setMeta('node_id', 'node-b');
  applyMonitor(b, 'mon_3');
  applyMonitor(b, 'mon_1', 2, 'renamed');
  const bResults = [
    ...results('mon_3', US, 0, 200_000),
    // b holds part of a's results (replicated before the night) and its own.
    ...results('mon_1', US, 300_000, 900_000),
    ...results('mon_1', EU, 300_000, 700_000),
  ];
  b.ingest(bResults, judge);
  b.recordPush('mon_2', 5_000);

  const c = tempStore();
  applyMonitor(c, 'mon_2');
  const cResults = [...results('mon_2', AP, 0, 100_000), ...results('mon_2', EU, 200_000, 400_000)];
  c.ingest(cResults, judge);

  return { a, b, c, all: [...aResults, ...bResults, ...cResults] };
}

/** What listResults returns for a checked result. */
function stored(result: CheckedResult): StoredResult {
  return {
    slot: result.slot,
    checkedAt: result.checkedAt,
    status: result.status,
    latencyMs: result.latencyMs,
    error: result.error ?? null,
    node: result.node,
    region: result.region,
    ...(result.timing === undefined ? {} : { timing: result.timing }),
  };
}

function union(all: CheckedResult[], monitorId: string): StoredResult[] {
  const byKey = new Map<string, StoredResult>();
  for (const result of all.filter((r) => r.monitorId === monitorId)) {
    byKey.set(`${result.slot}/${result.node}/${result.region}`, stored(result));
  }
  return [...byKey.values()].sort(
    (x, y) => x.slot - y.slot || `${x.node}${x.region}`.localeCompare(`${y.node}${y.region}`),
  );
}

function totals(list: { status: 'up' | 'down' }[]) {
  const down = list.filter((r) => r.status === 'down').length;
  return { up: list.length - down, down };
}

function listed(store: Store, monitorId: string): StoredResult[] {
  return store
    .listResults(ACCOUNT, monitorId, { since: 0, until: 1e15, limit: 1e6 })
    .sort(
      (x, y) => x.slot - y.slot || `${x.node}${x.region}`.localeCompare(`${y.node}${y.region}`),
    );
}

function closeAll(...stores: Store[]): string[] {
  return stores.map((store) => {
    store.close();
    return store.path;
  });
}

test('merging partial copies rebuilds their exact union (timing phases too), with rollups that match it', () => {
  const { a, b, c, all } = threeCopies();
  const sources = closeAll(a, b, c);
  const target = tempStore();
  const reports = sources.map((source) => mergeInto(target, source, { chunkRows: 7 }));

  for (const monitorId of ['mon_1', 'mon_2', 'mon_3']) {
    const expected = union(all, monitorId);
    assert.deepEqual(listed(target, monitorId), expected, monitorId);
    assert.deepEqual(
      target.uptime(ACCOUNT, monitorId, 0, DAY_MS),
      totals(expected),
      `${monitorId}: rollups count the merged raw results`,
    );
  }
  const distinct = ['mon_1', 'mon_2', 'mon_3'].reduce((n, id) => n + union(all, id).length, 0);
  assert.equal(target.countResults(), distinct);
  assert.equal(
    reports.reduce((n, report) => n + report.results.added, 0),
    distinct,
  );
  assert.equal(
    reports.reduce((n, report) => n + report.results.added + report.results.duplicates, 0),
    all.length,
  );
});

test('config keeps the highest revision; incidents, states, pushes and node id the most advanced', () => {
  const { a, b, c } = threeCopies();
  const sources = closeAll(a, b, c);
  const target = tempStore();
  for (const source of sources) mergeInto(target, source);

  assert.equal(target.getConfig<{ name: string }>('monitor', 'mon_1')?.name, 'renamed');
  assert.equal(target.countAll('monitor'), 3);
  assert.equal(target.getMeta('node_id'), 'node-a', 'the first copy names the node');
  assert.equal(target.lastPushAt('mon_2'), 5_000);
  // a judged mon_1 up to slot 590 000, b up to 890 000: b's state is newer.
  assert.deepEqual(target.getMonitorState('mon_1'), { lastSlot: 890_000 });
  const incidents = target.listIncidents(ACCOUNT, { monitorId: 'mon_1', limit: 100 });
  const first = incidents.find((incident) => incident.id === 'inc-mon_1-0');
  assert.equal(first?.endedAt, 10_000);
});

test('an incident or delivery one copy saw finish is finished after the merge, in any order', () => {
  const deliveryId = 'inc-mon_1-70000:ch_1';
  const open = tempStore();
  applyMonitor(open, 'mon_1');
  open.ingest(results('mon_1', EU, 60_000, 80_000), judge);
  const closed = tempStore();
  applyMonitor(closed, 'mon_1');
  closed.ingest(results('mon_1', EU, 60_000, 90_000), judge);
  closed.markDelivered(deliveryId, 75_000);
  const [openPath, closedPath] = closeAll(open, closed) as [string, string];
  for (const order of [
    [openPath, closedPath],
    [closedPath, openPath],
  ]) {
    const target = tempStore();
    for (const source of order) mergeInto(target, source);
    const [incident] = target.listIncidents(ACCOUNT, { limit: 10 });
    assert.equal(incident?.endedAt, 80_000);
    assert.equal(target.getDelivery(deliveryId)?.status, 'sent');
  }
});

test('merging the same copy again changes nothing', () => {
  const { a, b, c } = threeCopies();
  const [pathA, pathB] = closeAll(a, b, c) as [string, string];
  const target = tempStore();
  mergeInto(target, pathA);
  mergeInto(target, pathB);
  const count = target.countResults();
  const again = mergeInto(target, pathA);
  assert.deepEqual(again, {
    results: { added: 0, duplicates: again.results.duplicates, deletedMonitor: 0 },
    waitingResults: { stored: 0, waiting: 0, deletedMonitor: 0 },
    config: { applied: 0, older: again.config.older, conflicts: [] },
    rollups: 0,
    incidents: { added: 0, updated: 0 },
    deliveries: { added: 0, updated: 0 },
    monitorStates: { added: 0, updated: 0 },
    pushes: { added: 0, updated: 0 },
  });
  assert.ok(again.results.duplicates > 0);
  assert.equal(target.countResults(), count);
});

test('buckets whose raw results were pruned keep the rollup of the copy that counted most', () => {
  const pruned = tempStore();
  applyMonitor(pruned, 'mon_1');
  pruned.ingest(results('mon_1', EU, 0, 200_000));
  pruned.ingest(results('mon_1', EU, 2 * DAY_MS, 2 * DAY_MS + 50_000));
  pruned.pruneBefore(DAY_MS);
  const fresh = tempStore();
  applyMonitor(fresh, 'mon_1');
  fresh.ingest(results('mon_1', US, 2 * DAY_MS, 2 * DAY_MS + 50_000));
  const sources = closeAll(pruned, fresh);

  const target = tempStore();
  for (const source of sources) mergeInto(target, source);
  assert.deepEqual(
    target.uptime(ACCOUNT, 'mon_1', 0, DAY_MS),
    totals(results('mon_1', EU, 0, 200_000)),
    'only the pruned copy has day 0: its rollup is kept',
  );
  assert.deepEqual(
    target.uptime(ACCOUNT, 'mon_1', 2 * DAY_MS, 3 * DAY_MS),
    totals([
      ...results('mon_1', EU, 2 * DAY_MS, 2 * DAY_MS + 50_000),
      ...results('mon_1', US, 2 * DAY_MS, 2 * DAY_MS + 50_000),
    ]),
    'day 2 is recomputed from the union of raw results',
  );
});

test('inspectCopy counts a sound copy and names a corrupt one', () => {
  const { a } = threeCopies();
  const [path] = closeAll(a) as [string];
  assert.deepEqual(inspectCopy(path), {
    results: 90,
    monitors: 2,
    nodeId: 'node-a',
    streamPosition: 0,
  });

  const size = statSync(path).size;
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(8192, 0xab), 0, 8192, Math.floor(size / 2 / 4096) * 4096);
  closeSync(fd);
  assert.throws(
    () => inspectCopy(path),
    (error: Error & { code?: string }) =>
      error.code === 'TIRELESS_BACKUP' && error.message.startsWith(path),
  );
});

test("a replica copy (cluster snapshot) keeps the stream position, less what is only its node's", async () => {
  const source = tempStore();
  source.setMeta('node_id', 'node-a');
  applyMonitor(source, 'mon_1');
  // Own results with outbox rows, judged: a down result queues a delivery still to send.
  source.ingest(results('mon_1', EU, 0, 100_000), judge, { outbox: true, streamPosition: 42 });
  assert.ok(source.outboxDepth() > 0 && source.countPendingDeliveries() > 0);
  const copy = join(source.path, '..', 'replica.db');

  assert.deepEqual(await copyReplica(source.path, copy), { streamPosition: 42 });
  assert.deepEqual(inspectCopy(copy), {
    results: 10,
    monitors: 1,
    nodeId: undefined,
    streamPosition: 42,
  });
  const opened = new Store(copy);
  assert.equal(opened.outboxDepth(), 0, "the source's outbox is not the copy's");
  assert.equal(opened.countPendingDeliveries(), 0, "the source's pending deliveries stay its own");
  opened.close();
  const target = tempStore();
  target.setMeta('node_id', 'node-c');
  const report = mergeInto(target, copy);
  assert.equal(report.results.added, 10);
  assert.equal(target.getMeta('node_id'), 'node-c');
  assert.equal(source.outboxDepth() > 0, true, 'the source itself is untouched');
  closeAll(source, target);
});

test('a state merged in is the one the next result is judged against', () => {
  const target = tempStore();
  applyMonitor(target, 'mon_1');
  target.ingest(results('mon_1', EU, 0, 50_000), judge);
  const source = tempStore();
  applyMonitor(source, 'mon_1');
  source.ingest(results('mon_1', US, 0, 300_000), judge);
  const [sourcePath] = closeAll(source) as [string];

  mergeInto(target, sourcePath);
  const seen: (object | undefined)[] = [];
  target.ingest(results('mon_1', EU, 300_000, 310_000), (monitor, state, result) => {
    seen.push(state);
    return judge(monitor, state, result);
  });
  assert.deepEqual(seen, [{ lastSlot: 290_000 }]);
});

test('an older backup and a newer copy in which a monitor was deleted: it stays deleted, in either order', () => {
  const backup = tempStore();
  applyMonitor(backup, 'mon_1', 2);
  applyMonitor(backup, 'mon_2');
  backup.ingest([...results('mon_1', EU, 0, 100_000), ...results('mon_2', EU, 0, 100_000)], judge);
  backup.recordPush('mon_1', 1_000);
  const [backupPath] = closeAll(backup) as [string];
  const newer = tempStore();
  newer.close();
  copyFileSync(backupPath, newer.path);
  const live = new Store(newer.path);
  live.ingest(results('mon_2', EU, 100_000, 200_000), judge);
  live.applyConfig({ kind: 'monitor', id: 'mon_1', accountId: ACCOUNT, revision: 3, doc: null });
  const [newerPath] = closeAll(live) as [string];

  for (const order of [
    [backupPath, newerPath],
    [newerPath, backupPath],
  ]) {
    const target = tempStore();
    const reports = order.map((source) => mergeInto(target, source));
    assert.equal(target.getConfig('monitor', 'mon_1'), undefined);
    assert.equal(target.countAll('monitor'), 1);
    assert.deepEqual(listed(target, 'mon_1'), []);
    assert.equal(target.countResults(), 20, "mon_2's results only");
    assert.deepEqual(
      target.uptime(ACCOUNT, 'mon_2', 0, DAY_MS),
      totals(union(results('mon_2', EU, 0, 200_000), 'mon_2')),
    );
    assert.equal(target.getMonitorState('mon_1'), undefined);
    assert.equal(target.lastPushAt('mon_1'), undefined);
    const fromBackup = reports[order.indexOf(backupPath)];
    if (order[0] === newerPath) {
      assert.equal(
        fromBackup?.results.deletedMonitor,
        10,
        "the backup's results of mon_1 are left out",
      );
    }
  }
});

test('two copies with one revision of different content: the same winner in either order, reported', () => {
  const left = tempStore();
  applyMonitor(left, 'mon_1', 3, 'left');
  const right = tempStore();
  applyMonitor(right, 'mon_1', 3, 'right');
  const docOf = (store: Store) =>
    JSON.stringify(store.listConfigEntries().find((entry) => entry.id === 'mon_1')?.doc);
  const hashOf = (store: Store) => createHash('sha256').update(docOf(store)).digest('hex');
  const winner = hashOf(left) > hashOf(right) ? 'left' : 'right';
  const paths = { left: left.path, right: right.path };
  closeAll(left, right);

  for (const [first, second] of [
    ['left', 'right'],
    ['right', 'left'],
  ] as const) {
    const target = tempStore();
    const firstReport = mergeInto(target, paths[first]);
    const report = mergeInto(target, paths[second]);
    assert.equal(target.getConfig<{ name: string }>('monitor', 'mon_1')?.name, winner);
    assert.deepEqual(firstReport.config.conflicts, []);
    assert.deepEqual(report.config.conflicts, [
      {
        kind: 'monitor',
        id: 'mon_1',
        revision: 3,
        kept: second === winner ? 'source' : 'target',
        rule: 'larger content hash',
      },
    ]);
  }
});

test('a merge raises the revision sequence to the copy’s, even past tombstones it pruned', () => {
  const clock = new FakeClock(1_000);
  const copy = new Store(tempStore().path, { clock });
  applyMonitor(copy, 'mon_1', 40);
  copy.applyConfig({ kind: 'monitor', id: 'mon_1', accountId: ACCOUNT, revision: 41, doc: null });
  const pruned = copy.housekeep({ now: 2_000, retentionMs: DAY_MS, longRetentionMs: 500 });
  assert.equal(pruned.tombstones, 1);
  const [path] = closeAll(copy) as [string];
  const target = tempStore();
  mergeInto(target, path);
  assert.equal(target.nextConfigRevision(), 42);
});

test("a copy's results waiting for their config: stored where the target holds the monitor, waiting where it does not, dropped where it is deleted; each once", () => {
  const source = tempStore();
  // Results of other nodes for monitors whose config this copy had not received.
  const early = [
    ...results('mon_known', US, 0, 50_000),
    ...results('mon_later', US, 0, 30_000),
    ...results('mon_gone', US, 0, 20_000),
  ];
  assert.equal(source.ingest(early, judge, { keepUnknown: true }).waiting, 10);
  source.applyConfig({
    kind: 'monitor',
    id: 'mon_dropped',
    accountId: ACCOUNT,
    revision: 3,
    doc: null,
  });
  const [sourcePath] = closeAll(source) as [string];

  const target = tempStore();
  applyMonitor(target, 'mon_known');
  applyMonitor(target, 'mon_gone');
  target.applyConfig({
    kind: 'monitor',
    id: 'mon_gone',
    accountId: ACCOUNT,
    revision: 2,
    doc: null,
  });
  // The target waits too: for mon_later's slot 0 (a result the copy also holds) and for a
  // monitor the copy deleted.
  const ownWaiting = [
    ...results('mon_later', US, 0, 10_000),
    ...results('mon_dropped', EU, 0, 20_000),
  ];
  assert.equal(target.ingest(ownWaiting, judge, { keepUnknown: true }).waiting, 3);

  const report = mergeInto(target, sourcePath);
  assert.deepEqual(report.waitingResults, { stored: 5, waiting: 2, deletedMonitor: 2 });
  const known = results('mon_known', US, 0, 50_000);
  assert.deepEqual(listed(target, 'mon_known'), union(known, 'mon_known'));
  assert.deepEqual(target.uptime(ACCOUNT, 'mon_known', 0, DAY_MS), totals(known));
  assert.equal(target.countResults(), 5);
  assert.equal(target.countWaitingResults(), 3, "mon_later's slots 0–20 000, once each");

  const again = mergeInto(target, sourcePath);
  assert.deepEqual(again.waitingResults, { stored: 0, waiting: 0, deletedMonitor: 2 });
  assert.equal(target.countResults(), 5);
  assert.equal(target.countWaitingResults(), 3);

  // Judged, from the first, with the monitor's next result: slot 0 was down.
  target.ingest(results('mon_known', EU, 50_000, 60_000), judge);
  assert.deepEqual(
    target
      .listIncidents(ACCOUNT, { monitorId: 'mon_known', limit: 10 })
      .map((incident) => [incident.id, incident.endedAt]),
    [['inc-mon_known-0', 10_000]],
  );
  assert.deepEqual(target.getMonitorState('mon_known'), { lastSlot: 50_000 });

  applyMonitor(target, 'mon_later');
  assert.equal(target.countWaitingResults(), 0);
  assert.deepEqual(
    listed(target, 'mon_later'),
    union(results('mon_later', US, 0, 30_000), 'mon_later'),
  );
});
