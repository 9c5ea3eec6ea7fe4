import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Monitor } from '../model/index.js';
import { Store, type CheckedResult, type Judge } from './index.js';
import { applyMonitor, tempStore } from './test-fixtures.js';
import { httpMonitorDoc } from '../testing/index.js';

const openTemp = tempStore;
const withMonitor = (store: Store) => applyMonitor(store);

const result = (slot: number, status: 'up' | 'down' = 'up', node = 'n1'): CheckedResult => ({
  monitorId: 'mon_a',
  slot,
  checkedAt: slot + 7,
  status,
  latencyMs: 12,
  ...(status === 'down' ? { error: 'connection refused' } : {}),
  node,
  region: 'local',
});

test('ingest is idempotent: the same results twice are stored once and rolled up once', () => {
  const store = openTemp();
  withMonitor(store);
  const batch = [result(10_000), result(20_000, 'down'), result(30_000)];
  assert.deepEqual(store.ingest(batch), {
    applied: 3,
    duplicates: 0,
    unknownMonitor: 0,
    queued: 0,
    waiting: 0,
  });
  assert.deepEqual(store.ingest(batch), {
    applied: 0,
    duplicates: 3,
    unknownMonitor: 0,
    queued: 0,
    waiting: 0,
  });
  assert.equal(store.countResults(), 3);
  assert.deepEqual(store.uptime('acc_1', 'mon_a', 0, 60_000), { up: 2, down: 1 });
  const listed = store.listResults('acc_1', 'mon_a', { since: 0, until: 1e15, limit: 10 });
  assert.deepEqual(listed[1], {
    slot: 20_000,
    checkedAt: 20_007,
    status: 'down',
    latencyMs: 12,
    error: 'connection refused',
    node: 'n1',
    region: 'local',
  });
  assert.deepEqual(
    listed.map((r) => r.slot),
    [30_000, 20_000, 10_000],
  );
});

test("an HTTP result's timing phases are stored and listed, in whole ms; one without reads none", () => {
  const store = openTemp();
  withMonitor(store);
  const timed = { ...result(10_000), timing: { dnsMs: 0.4, connectMs: 12.6, firstByteMs: 180.2 } };
  store.ingest([timed, result(20_000)]);
  const listed = store.listResults('acc_1', 'mon_a', { since: 0, until: 1e15, limit: 10 });
  assert.deepEqual(listed[1]?.timing, { dnsMs: 0, connectMs: 13, firstByteMs: 180 });
  assert.equal('timing' in (listed[0] ?? {}), false);
});

test('the same slot from two nodes is two results; another account sees none', () => {
  const store = openTemp();
  withMonitor(store);
  store.ingest([result(10_000, 'up', 'n1'), result(10_000, 'up', 'n2')]);
  assert.equal(store.listResults('acc_1', 'mon_a', { since: 0, until: 1e15, limit: 10 }).length, 2);
  assert.deepEqual(store.listResults('acc_2', 'mon_a', { since: 0, until: 1e15, limit: 10 }), []);
  assert.deepEqual(store.uptime('acc_2', 'mon_a', 0, 60_000), { up: 0, down: 0 });
});

test('results of unknown monitors are dropped and counted', () => {
  const store = openTemp();
  assert.equal(store.ingest([result(1)]).unknownMonitor, 1);
  assert.equal(store.countResults(), 0);
});

test('a judgement is written with its result: state, incident and one delivery per channel, once', () => {
  const store = openTemp();
  withMonitor(store);
  const judge: Judge = (monitor, _state, r) =>
    r.status === 'down'
      ? {
          state: { status: 'down' },
          openIncident: {
            id: `${monitor.id}:${r.slot}`,
            accountId: monitor.accountId,
            monitorId: monitor.id,
            startedAt: r.slot,
            endedAt: null,
            cause: 'x',
            inMaintenance: false,
          },
          notifications: [
            {
              key: `${monitor.id}:${r.slot}:down`,
              event: 'monitor.down',
              accountId: monitor.accountId,
              channelIds: monitor.channelIds,
              payload: { hello: 1 },
            },
          ],
        }
      : { state: { status: 'up' }, notifications: [] };
  assert.equal(store.ingest([result(10_000, 'down')], judge).queued, 1);
  assert.equal(store.ingest([result(10_000, 'down')], judge).queued, 0);
  assert.deepEqual(store.getMonitorState('mon_a'), { status: 'down' });
  assert.equal(store.listIncidents('acc_1', { limit: 10 }).length, 1);
  const [claimed] = store.claimDueDeliveries(20_000, 10, 30_000);
  assert.deepEqual(claimed, {
    id: 'mon_a:10000:down:ch_1',
    accountId: 'acc_1',
    channelId: 'ch_1',
    event: 'monitor.down',
    payload: { hello: 1 },
    attempts: 0,
    createdAt: 10_007,
  });
  assert.deepEqual(
    store.claimDueDeliveries(20_001, 10, 30_000),
    [],
    'a claimed delivery is leased',
  );
  store.markDeliveryFailed(claimed.id, 'boom', 25_000);
  assert.equal(store.claimDueDeliveries(25_000, 10, 30_000).length, 1);
  store.markDelivered(claimed.id, 26_000);
  assert.equal(store.countPendingDeliveries(), 0);
  assert.deepEqual(store.getDelivery(claimed.id), { status: 'sent', attempts: 2, lastError: null });
});

test('config applies by revision: older or equal revisions change nothing; deletes remove data', () => {
  const store = openTemp();
  withMonitor(store);
  const doc = (revision: number, name: string) => ({
    kind: 'monitor' as const,
    id: 'mon_a',
    accountId: 'acc_1',
    revision,
    doc: { ...store.getConfig<Record<string, unknown>>('monitor', 'mon_a'), revision, name },
  });
  assert.equal(store.applyConfig(doc(3, 'three')), true);
  assert.equal(store.applyConfig(doc(2, 'two')), false);
  assert.equal(store.applyConfig(doc(3, 'again')), false);
  assert.equal(store.getScoped<{ name: string }>('monitor', 'acc_1', 'mon_a')?.name, 'three');
  assert.equal(store.getScoped('monitor', 'acc_2', 'mon_a'), undefined);
  store.ingest([result(10_000)]);
  assert.equal(
    store.applyConfig({ kind: 'monitor', id: 'mon_a', accountId: 'acc_1', revision: 4, doc: null }),
    true,
  );
  assert.equal(store.countResults(), 0);
  assert.equal(store.ingest([result(20_000)]).unknownMonitor, 1);
});

test('pruning removes old raw results and keeps hour and day rollups', () => {
  const store = openTemp();
  withMonitor(store);
  const day = 86_400_000;
  store.ingest([result(1 * day + 10_000), result(5 * day + 10_000)]);
  assert.equal(store.pruneBefore(3 * day), 1);
  assert.equal(store.countResults(), 1);
  assert.deepEqual(store.uptime('acc_1', 'mon_a', 0, 10 * day), { up: 2, down: 0 });
});

test('a store reopened after close keeps everything', () => {
  const store = openTemp();
  withMonitor(store);
  store.ingest([result(10_000)]);
  store.setMeta('node_id', 'node-x');
  store.close();
  const again = new Store(store.path);
  assert.equal(again.countResults(), 1);
  assert.equal(again.getMeta('node_id'), 'node-x');
});

/** A judge that counts its judgements in the state and records the state it was given. */
function countingJudge() {
  const seen: (object | undefined)[] = [];
  const judge: Judge = (_monitor, state, r) => {
    seen.push(state);
    const count = ((state as { count?: number } | undefined)?.count ?? 0) + 1;
    return { state: { count, lastSlot: r.slot }, notifications: [] };
  };
  return { judge, seen };
}

test('the judge gets the state it returned last: after a monitor change, a removal and a reopen', () => {
  const store = openTemp();
  withMonitor(store);
  const { judge, seen } = countingJudge();
  store.ingest([result(10_000), result(20_000)], judge);
  assert.deepEqual(seen, [undefined, { count: 1, lastSlot: 10_000 }]);
  assert.ok(Object.isFrozen(seen[1]), 'the cached state is handed out frozen');

  applyMonitor(store, { revision: 2, name: 'renamed' });
  store.ingest([result(30_000)], judge);
  assert.deepEqual(seen[2], { count: 2, lastSlot: 20_000 });
  assert.deepEqual(store.getMonitorState('mon_a'), { count: 3, lastSlot: 30_000 });

  store.close();
  const reopened = new Store(store.path);
  reopened.ingest([result(40_000)], judge);
  assert.deepEqual(seen[3], { count: 3, lastSlot: 30_000 });

  reopened.applyConfig({
    kind: 'monitor',
    id: 'mon_a',
    accountId: 'acc_1',
    revision: 3,
    doc: null,
  });
  applyMonitor(reopened, { revision: 4 });
  reopened.ingest([result(50_000)], judge);
  assert.equal(seen[4], undefined, 'a removed monitor starts afresh');
  assert.deepEqual(reopened.getMonitorState('mon_a'), { count: 1, lastSlot: 50_000 });
});

test('listMonitors, and each change applied, hand their documents to the first judgement', () => {
  const store = openTemp();
  withMonitor(store);
  applyMonitor(store, { id: 'mon_b' });
  const judged: Monitor[] = [];
  const judge: Judge = (monitor, _state, r) => {
    judged.push(monitor);
    return { state: { lastSlot: r.slot }, notifications: [] };
  };
  const listed = store.listMonitors();
  const listedA = listed.find((monitor) => monitor.id === 'mon_a');
  assert.ok(listedA);
  store.ingest([result(10_000)], judge);
  // The object itself: the scheduler's copy and ingest's are one.
  assert.equal(judged[0], listedA);

  // mon_b changes between the listing and its first result: judged with the document the
  // change carried (the one its writer hands the scheduler), not the listed one.
  const renamed = httpMonitorDoc({ id: 'mon_b', accountId: 'acc_1', revision: 2, name: 'renamed' });
  const change = { kind: 'monitor', id: 'mon_b', accountId: 'acc_1', revision: 2 } as const;
  assert.ok(store.applyConfig({ ...change, doc: renamed }));
  store.ingest([{ ...result(10_000), monitorId: 'mon_b' }], judge);
  assert.equal(judged[1], renamed);

  // A change that does not apply (an older revision) hands over nothing: the row stands.
  const stale = httpMonitorDoc({ id: 'mon_a', accountId: 'acc_1', revision: 1, name: 'stale' });
  const pushed = httpMonitorDoc({ id: 'mon_a', accountId: 'acc_1', revision: 3, name: 'new' });
  assert.ok(store.applyConfig({ ...change, id: 'mon_a', revision: 3, doc: pushed }));
  assert.equal(store.applyConfig({ ...change, id: 'mon_a', revision: 1, doc: stale }), false);
  store.ingest([result(20_000)], judge);
  assert.equal(judged[2]?.name, 'new');
});

test('a batch that fails is rolled back with its states: its retry is judged as the first time', () => {
  const store = openTemp();
  withMonitor(store);
  const { judge, seen } = countingJudge();
  store.ingest([result(10_000)], judge);
  const failing: Judge = (monitor, state, r) => {
    if (r.slot === 30_000) throw new Error('judge failed');
    return judge(monitor, state, r);
  };
  const batch = [result(20_000, 'down'), result(30_000)];
  assert.throws(() => store.ingest(batch, failing), /judge failed/);
  assert.deepEqual(store.getMonitorState('mon_a'), { count: 1, lastSlot: 10_000 });

  assert.equal(store.ingest(batch, judge).applied, 2);
  assert.deepEqual(seen.slice(-2), [
    { count: 1, lastSlot: 10_000 },
    { count: 2, lastSlot: 20_000 },
  ]);
  assert.deepEqual(store.getMonitorState('mon_a'), { count: 3, lastSlot: 30_000 });
  assert.equal(
    store.listResults('acc_1', 'mon_a', { since: 0, until: 1e15, limit: 10 })[1]?.error,
    'connection refused',
    'the error text keyed in the failed batch is keyed again',
  );
});

test('own results go to the outbox in the transaction that stores them, once; published ones leave it', () => {
  const store = openTemp();
  withMonitor(store);
  store.ingest([result(10_000), result(20_000)], undefined, { outbox: true });
  // Ingested again (a retried batch): stored once, queued once.
  const timed = { ...result(30_000), timing: { connectMs: 2.5, firstByteMs: 9 } };
  store.ingest([result(10_000), timed], undefined, { outbox: true });
  const pending = store.outboxPending(10);
  assert.deepEqual(
    pending.map((batch) => batch.results.map((r) => r.slot)),
    [[10_000, 20_000], [30_000]],
  );
  store.outboxPublished([pending[0]?.seq as number]);
  assert.equal(store.outboxDepth(), 1);
  store.close();
  const reopened = new Store(store.path);
  assert.deepEqual(
    reopened.outboxPending(10).map((batch) => batch.results),
    [[timed]],
    'with its timing phases',
  );
});

test('the stream position is stored with the results it reached, and not when their batch fails', () => {
  const store = openTemp();
  withMonitor(store);
  assert.equal(store.streamPosition(), 0);
  store.ingest([result(10_000)], undefined, { streamPosition: 41 });
  assert.equal(store.streamPosition(), 41);
  const failing: Judge = () => {
    throw new Error('judge failed');
  };
  assert.throws(() => store.ingest([result(20_000)], failing, { streamPosition: 42 }));
  assert.equal(store.streamPosition(), 41);
  assert.equal(store.countResults(), 1);
});

test("results for a monitor whose config has not arrived wait for it; a deleted monitor's are dropped", () => {
  const store = openTemp();
  const early = { ...result(10_000), monitorId: 'mon_later' };
  const report = store.ingest([early, { ...early, slot: 20_000 }], undefined, {
    keepUnknown: true,
  });
  assert.equal(report.waiting, 2);
  assert.equal(store.countResults(), 0);
  applyMonitor(store, { id: 'mon_later' });
  assert.equal(store.countWaitingResults(), 0);
  assert.equal(store.countResults(), 2);
  assert.equal(
    store.listResults('acc_1', 'mon_later', { since: 0, until: 1e15, limit: 5 }).length,
    2,
  );

  store.applyConfig({
    kind: 'monitor',
    id: 'mon_gone',
    accountId: 'acc_1',
    revision: 50,
    doc: null,
  });
  const late = store.ingest([{ ...early, monitorId: 'mon_gone' }], undefined, {
    keepUnknown: true,
  });
  assert.deepEqual([late.waiting, late.unknownMonitor], [0, 1]);
  // Without keepUnknown (this node's own results), an unknown monitor's results are dropped.
  assert.equal(store.ingest([{ ...early, monitorId: 'mon_x' }]).unknownMonitor, 1);
  assert.equal(store.countWaitingResults(), 0);
});

test('a delivery another node holds is postponed without an attempt; one it finished is settled and never claimed again', () => {
  const store = openTemp();
  const queue = (id: string) =>
    store.queueDelivery(
      { id, accountId: 'acc_1', channelId: id, event: 'monitor.down', payload: {} },
      1000,
    );
  queue('a');
  queue('b');
  queue('c');
  assert.deepEqual(
    store.claimDueDeliveries(1000, 10, 30_000).map((d) => [d.id, d.createdAt]),
    [
      ['a', 1000],
      ['b', 1000],
      ['c', 1000],
    ],
  );
  store.postponeDelivery('a', 5000);
  store.settleDeliveryElsewhere('b', 'sent', 2000, null);
  store.settleDeliveryElsewhere('c', 'failed', 2000, 'given up by node n2');
  assert.deepEqual(store.getDelivery('a'), { status: 'pending', attempts: 0, lastError: null });
  assert.deepEqual(store.getDelivery('b'), { status: 'sent', attempts: 0, lastError: null });
  assert.deepEqual(store.getDelivery('c'), {
    status: 'failed',
    attempts: 0,
    lastError: 'given up by node n2',
  });
  assert.deepEqual(store.claimDueDeliveries(4999, 10, 30_000), []);
  assert.deepEqual(
    store.claimDueDeliveries(5000, 10, 30_000).map((d) => d.id),
    ['a'],
  );
});
