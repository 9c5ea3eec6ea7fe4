import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock/index.js';
import type { Incident } from '../model/index.js';
import { accountCutoffs } from './housekeeping.js';
import { DAY_MS, Store, type CheckedResult, type ConfigChange, type Judge } from './index.js';
import { applyMonitor, tempStore } from './test-fixtures.js';

const ACCOUNT = 'acc_1';
const NOW = 500 * DAY_MS;
const RETENTION_MS = 30 * DAY_MS;
/** A slot on day `day`. */
const on = (day: number) => day * DAY_MS + 10_000;

function result(day: number, error?: string, monitorId = 'mon_a'): CheckedResult {
  return {
    monitorId,
    slot: on(day),
    checkedAt: on(day) + 3,
    status: error === undefined ? 'up' : 'down',
    latencyMs: 5,
    ...(error === undefined ? {} : { error }),
    node: 'n1',
    region: 'local',
  };
}

/**
 * Opens and closes the incidents the table names for a result's day; with `perMonitor`, each
 * monitor's incident ids begin with its own id (`mon_a:inc-old`).
 */
function incidentJudge(
  plan: Record<number, { open?: string; close?: string }>,
  perMonitor = false,
): Judge {
  return (monitor, _state, r) => {
    const step = plan[Math.floor(r.slot / DAY_MS)];
    const idOf = (name: string) => (perMonitor ? `${monitor.id}:${name}` : name);
    const open: Incident | undefined = step?.open
      ? {
          id: idOf(step.open),
          accountId: monitor.accountId,
          monitorId: monitor.id,
          startedAt: r.slot,
          endedAt: null,
          cause: 'down',
          inMaintenance: false,
        }
      : undefined;
    return {
      state: { lastSlot: r.slot },
      ...(open ? { openIncident: open } : {}),
      ...(step?.close ? { closeIncident: { id: idOf(step.close), endedAt: r.slot } } : {}),
      notifications: [],
    };
  };
}

function token(id: string, expiresAt: number | null): ConfigChange {
  const doc = { id, accountId: ACCOUNT, revision: 1, userId: 'usr_1', kind: 'x', expiresAt };
  return { kind: 'token', id, accountId: ACCOUNT, revision: 1, doc };
}

function deleted(kind: 'monitor' | 'channel', id: string, revision: number): ConfigChange {
  return { kind, id, accountId: ACCOUNT, revision, doc: null };
}

test('housekeeping prunes each kind past its retention and keeps what must stay', () => {
  const clock = new FakeClock(0);
  const store = new Store(tempStore().path, { clock });
  applyMonitor(store);

  // Results: six older than the 30-day retention, two recent; error texts shared and not.
  const judge = incidentJudge({
    10: { open: 'inc-open' },
    40: { open: 'inc-old' },
    50: { close: 'inc-old' },
    140: { open: 'inc-mid' },
    150: { close: 'inc-mid' },
  });
  store.ingest(
    [
      result(10, 'old error'),
      result(20, 'shared error'),
      result(40),
      result(50),
      result(140),
      result(150),
      result(495, 'recent error'),
      result(496, 'shared error'),
    ],
    judge,
  );

  // Deliveries: finished ones past the retention go, pending ones stay whatever their age.
  const delivery = (id: string) => ({
    id,
    accountId: ACCOUNT,
    channelId: 'ch_1',
    event: 'x',
    payload: {},
  });
  store.queueDelivery(delivery('sent-old'), on(10));
  store.markDelivered('sent-old', on(10));
  store.queueDelivery(delivery('failed-old'), on(10));
  store.markDeliveryFailed('failed-old', 'refused', null);
  store.queueDelivery(delivery('pending-old'), on(10));
  store.queueDelivery(delivery('sent-recent'), on(495));
  store.markDelivered('sent-recent', on(495));

  // Tokens: expired, not yet, never.
  store.applyConfig(token('tok_expired', on(499)));
  store.applyConfig(token('tok_valid', on(520)));
  store.applyConfig(token('tok_api', null));

  // Tombstones: one older than the 400-day long retention, one younger.
  clock.advance(50 * DAY_MS);
  store.applyConfig(deleted('monitor', 'mon_gone', 5));
  clock.advance(250 * DAY_MS);
  store.applyConfig(deleted('channel', 'ch_gone', 6));

  const report = store.housekeep({ now: NOW, retentionMs: RETENTION_MS });
  assert.deepEqual(report, {
    results: 6,
    deliveries: 2,
    incidents: 1,
    tokens: 1,
    tombstones: 1,
    errorTexts: 1,
  });

  const listed = store.listResults(ACCOUNT, 'mon_a', { since: 0, until: NOW, limit: 100 });
  assert.deepEqual(
    listed.map((r) => [r.slot, r.error]),
    [
      [on(496), 'shared error'],
      [on(495), 'recent error'],
    ],
  );
  assert.deepEqual(
    store.uptime(ACCOUNT, 'mon_a', 0, NOW),
    { up: 4, down: 4 },
    'hour and day rollups stay',
  );
  assert.deepEqual(
    store.uptime(ACCOUNT, 'mon_a', on(10) - 10_000, on(10) + 50_000),
    { up: 0, down: 0 },
    'minute rollups of pruned results go',
  );

  assert.equal(store.getDelivery('sent-old'), undefined);
  assert.equal(store.getDelivery('failed-old'), undefined);
  assert.equal(store.getDelivery('pending-old')?.status, 'pending');
  assert.equal(store.getDelivery('sent-recent')?.status, 'sent');

  assert.deepEqual(
    store
      .listIncidents(ACCOUNT, { limit: 10 })
      .map((incident) => incident.id)
      .sort(),
    ['inc-mid', 'inc-open'],
    'an incident closed 450 days ago goes; one closed 350 days ago and an open one stay',
  );

  assert.deepEqual(
    store
      .listAll<{ id: string }>('token')
      .map((t) => t.id)
      .sort(),
    ['tok_api', 'tok_valid'],
  );

  const tombstones = store.listConfigEntries().filter((entry) => entry.doc === null);
  assert.deepEqual(
    tombstones.map((entry) => entry.id),
    ['ch_gone'],
  );
  const channel = { id: 'ch_gone', accountId: ACCOUNT, revision: 4 };
  assert.equal(
    store.applyConfig({
      kind: 'channel',
      id: 'ch_gone',
      accountId: ACCOUNT,
      revision: 4,
      doc: channel,
    }),
    false,
    'a kept tombstone still refuses an older revision',
  );

  // A text whose key was pruned is keyed afresh, not read through a stale cached key.
  store.ingest([result(497, 'old error')]);
  assert.equal(
    store.listResults(ACCOUNT, 'mon_a', { since: on(497), until: NOW, limit: 1 })[0]?.error,
    'old error',
  );

  assert.deepEqual(store.housekeep({ now: NOW, retentionMs: RETENTION_MS }), {
    results: 0,
    deliveries: 0,
    incidents: 0,
    tokens: 0,
    tombstones: 0,
    errorTexts: 0,
  });
  store.close();
});

test("an account cutoff is its own retention, never longer than the node's", () => {
  const options = { now: 100 * DAY_MS, retentionMs: 30 * DAY_MS };
  assert.deepEqual(
    accountCutoffs(
      [
        { id: 'acc_node' },
        { id: 'acc_short', retentionDays: 7 },
        { id: 'acc_same', retentionDays: 30 },
        // The node's retention was lowered below what the account chose: the node's wins.
        { id: 'acc_longer', retentionDays: 90 },
      ],
      options,
    ),
    [
      { accountId: 'acc_short', before: 93 * DAY_MS },
      { accountId: 'acc_same', before: 70 * DAY_MS },
      { accountId: 'acc_longer', before: 70 * DAY_MS },
    ],
  );
  assert.deepEqual(accountCutoffs([], options), []);
});

test("an account with its own retention loses its history past it; another keeps the node's", () => {
  const clock = new FakeClock(NOW);
  const store = new Store(tempStore().path, { clock });
  applyMonitor(store, { id: 'mon_short', accountId: 'acc_short' });
  applyMonitor(store, { id: 'mon_node', accountId: 'acc_node' });
  // acc_short keeps 10 days; acc_node has no retention of its own (the node's 30 days).
  store.applyConfig({
    kind: 'account',
    id: 'acc_short',
    accountId: 'acc_short',
    revision: 2,
    doc: { id: 'acc_short', accountId: 'acc_short', revision: 2, name: 'S', retentionDays: 10 },
  });

  // Results 50, 15 and 5 days old; an incident closed 45 days ago, one 12 days ago, one open.
  const days = [450, 455, 485, 488, 495];
  const judge = incidentJudge(
    {
      450: { open: 'old' },
      455: { close: 'old' },
      485: { open: 'recent' },
      488: { close: 'recent' },
      495: { open: 'now' },
    },
    true,
  );
  for (const monitorId of ['mon_short', 'mon_node']) {
    store.ingest(
      days.map((day) => result(day, day === 450 ? `error of ${monitorId}` : undefined, monitorId)),
      judge,
    );
  }
  for (const accountId of ['acc_short', 'acc_node']) {
    const delivery = (id: string) => ({
      id,
      accountId,
      channelId: 'ch_1',
      event: 'x',
      payload: {},
    });
    store.queueDelivery(delivery(`${accountId}:sent`), on(485));
    store.markDelivered(`${accountId}:sent`, on(485));
    store.queueDelivery(delivery(`${accountId}:pending`), on(485));
  }

  const slots = (monitorId: string, accountId: string) =>
    store
      .listResults(accountId, monitorId, { since: 0, until: clock.now(), limit: 100 })
      .map((r) => Math.floor(r.slot / DAY_MS));
  const incidents = (accountId: string) =>
    store
      .listIncidents(accountId, { limit: 10 })
      .map((incident) => incident.id)
      .sort();
  const deliveries = (accountId: string) =>
    store
      .listDeliveries(accountId, 10)
      .map((d) => d.id as string)
      .sort();
  const housekeep = () => store.housekeep({ now: clock.now(), retentionMs: RETENTION_MS });

  assert.deepEqual(housekeep(), {
    results: 2 + 2 + 2, // each's 2 past the node's 30 days, then acc_short's 2 past 10 days
    deliveries: 1,
    incidents: 2,
    tokens: 0,
    tombstones: 0,
    errorTexts: 2,
  });
  assert.deepEqual(slots('mon_short', 'acc_short'), [495]);
  assert.deepEqual(
    store.uptime('acc_short', 'mon_short', 0, NOW),
    { up: 1, down: 0 },
    'its hour and day rollups past 10 days go too',
  );
  assert.deepEqual(incidents('acc_short'), ['mon_short:now'], 'closed incidents past 10 days go');
  assert.deepEqual(deliveries('acc_short'), ['acc_short:pending'], 'finished deliveries go');

  assert.deepEqual(slots('mon_node', 'acc_node'), [495, 488, 485]);
  assert.deepEqual(
    store.uptime('acc_node', 'mon_node', 0, NOW),
    { up: 4, down: 1 },
    "the node's rules: hour and day rollups stay",
  );
  assert.deepEqual(
    incidents('acc_node'),
    ['mon_node:now', 'mon_node:old', 'mon_node:recent'],
    'incidents stay 400 days',
  );
  assert.deepEqual(deliveries('acc_node'), ['acc_node:pending', 'acc_node:sent']);

  // Eight days on, the result 13 days old is past acc_short's retention; acc_node keeps its own.
  clock.advance(8 * DAY_MS);
  store.ingest([result(503, undefined, 'mon_short')], judge);
  assert.equal(housekeep().results, 1);
  assert.deepEqual(slots('mon_short', 'acc_short'), [503]);
  assert.deepEqual(slots('mon_node', 'acc_node'), [495, 488, 485]);
  store.close();
});
