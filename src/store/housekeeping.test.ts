import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../clock/index.js';
import type { Incident } from '../model/index.js';
import { DAY_MS, Store, type CheckedResult, type ConfigChange, type Judge } from './index.js';
import { applyMonitor, tempStore } from './test-fixtures.js';

const ACCOUNT = 'acc_1';
const NOW = 500 * DAY_MS;
const RETENTION_MS = 30 * DAY_MS;
/** A slot on day `day`. */
const on = (day: number) => day * DAY_MS + 10_000;

function result(day: number, error?: string): CheckedResult {
  return {
    monitorId: 'mon_a',
    slot: on(day),
    checkedAt: on(day) + 3,
    status: error === undefined ? 'up' : 'down',
    latencyMs: 5,
    ...(error === undefined ? {} : { error }),
    node: 'n1',
    region: 'local',
  };
}

/** Opens and closes the incidents the table names for a result's day. */
function incidentJudge(plan: Record<number, { open?: string; close?: string }>): Judge {
  return (monitor, _state, r) => {
    const step = plan[Math.floor(r.slot / DAY_MS)];
    const open: Incident | undefined = step?.open
      ? {
          id: step.open,
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
      ...(step?.close ? { closeIncident: { id: step.close, endedAt: r.slot } } : {}),
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
