import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parseMonitorInput, type MaintenanceWindow } from '../model/index.js';
import type { Notification } from '../notify/index.js';
import { Store, type CheckedResult } from '../store/index.js';
import { tempDir } from '../testing/index.js';
import { createJudge } from './coordinator.js';

const ACCOUNT = 'acc_1';

function setup(monitor: Record<string, unknown> = {}) {
  const path = join(tempDir(), 'tireless.db');
  let store = new Store(path);
  const doc = {
    ...parseMonitorInput({
      name: 'Shop',
      retries: 1,
      channelIds: ['ch_a', 'ch_b'],
      ...(monitor.type
        ? monitor
        : { type: 'http', url: 'http://127.0.0.1:8080/health', ...monitor }),
    }),
    id: 'mon_1',
    accountId: ACCOUNT,
    revision: 1,
  };
  store.applyConfig({ kind: 'monitor', id: 'mon_1', accountId: ACCOUNT, revision: 1, doc });
  const windows: MaintenanceWindow[] = [];
  let judge = createJudge({ maintenanceOf: () => windows });
  /** A node restart: the store closed and opened again on its file, a new judge. */
  const restart = () => {
    store.close();
    store = new Store(path);
    judge = createJudge({ maintenanceOf: () => windows });
  };
  const feed = (slot: number, status: 'up' | 'down', details?: Record<string, unknown>) => {
    const result: CheckedResult = {
      monitorId: 'mon_1',
      slot,
      checkedAt: slot + 15,
      status,
      latencyMs: 42,
      ...(status === 'down' ? { error: 'expected status 200-399, got 503' } : {}),
      node: 'node-1',
      region: 'local',
      ...(details ? { details } : {}),
    };
    return store.ingest([result], judge);
  };
  // What is queued now, taken as a deliverer would and marked sent (the next of a channel waits till then).
  const queued = () =>
    store.claimDueDeliveries(Number.MAX_SAFE_INTEGER, 100, 1).map((d) => {
      store.markDelivered(d.id, 0);
      return { id: d.id, payload: d.payload as Notification };
    });
  return { store, feed, queued, windows, restart };
}

test('after its retries a monitor goes down: one incident, one delivery per channel, with the webhook body', () => {
  const { store, feed, queued } = setup();
  feed(60_000, 'up');
  feed(120_000, 'down');
  assert.deepEqual(queued(), [], 'one failure is within retries');
  assert.equal(feed(180_000, 'down').queued, 2);
  const deliveries = queued();
  assert.deepEqual(deliveries.map((d) => d.id).sort(), [
    'mon_1:120000:down:ch_a',
    'mon_1:120000:down:ch_b',
  ]);
  const body = deliveries[0]?.payload;
  assert.equal(body?.event, 'monitor.down');
  assert.deepEqual(body?.monitor, {
    id: 'mon_1',
    name: 'Shop',
    type: 'http',
    target: 'http://127.0.0.1:8080/health',
  });
  assert.deepEqual(body?.incident, {
    id: 'mon_1:120000',
    started: new Date(120_000).toISOString(),
  });
  assert.equal(body?.result?.error, 'expected status 200-399, got 503');
  assert.equal(body?.at, new Date(180_015).toISOString());
  assert.match(body?.title ?? '', /DOWN/);
  const [incident] = store.listIncidents(ACCOUNT, { limit: 10 });
  assert.equal(incident?.endedAt, null);

  feed(240_000, 'up');
  const up = queued();
  assert.equal(up.length, 2);
  assert.equal(up[0]?.payload.event, 'monitor.up');
  assert.equal(up[0]?.payload.incident?.ended, new Date(240_000).toISOString());
  assert.equal(store.listIncidents(ACCOUNT, { limit: 10 })[0]?.endedAt, 240_000);
});

test('a replayed result changes nothing and queues nothing again', () => {
  const { feed } = setup({ retries: 0 });
  assert.equal(feed(60_000, 'down').queued, 2);
  assert.equal(feed(60_000, 'down').queued, 0);
  assert.equal(feed(60_000, 'down').duplicates, 1);
});

test('re-notify while down goes on across a restart, on the same schedule and keys', () => {
  const { feed, queued, restart } = setup({ retries: 0, renotifyMinutes: 1, channelIds: ['ch_a'] });
  const keys = () => queued().map((d) => d.id);
  feed(60_000, 'down');
  assert.deepEqual(keys(), ['mon_1:60000:down:ch_a']);
  feed(90_000, 'down');
  restart();
  feed(110_000, 'down');
  assert.deepEqual(keys(), [], 'not a minute yet, and no second down alert');
  feed(120_000, 'down');
  assert.deepEqual(keys(), ['mon_1:60000:down:1:ch_a'], 'the first reminder, a minute on');
  restart();
  feed(150_000, 'down');
  feed(180_000, 'down');
  assert.deepEqual(keys(), ['mon_1:60000:down:2:ch_a']);
  restart();
  feed(190_000, 'up');
  assert.deepEqual(keys(), ['mon_1:60000:up:ch_a']);
});

test('maintenance opens a quiet incident: nothing is sent, down or up', () => {
  const { store, feed, queued, windows } = setup({ retries: 0 });
  windows.push({
    id: 'mw',
    accountId: ACCOUNT,
    revision: 1,
    createdAt: 0,
    updatedAt: 0,
    name: 'upgrade',
    monitorIds: null,
    schedule: { kind: 'once', startsAt: 0, endsAt: 1_000_000 },
  });
  feed(60_000, 'down');
  feed(120_000, 'up');
  assert.deepEqual(queued(), []);
  assert.equal(store.listIncidents(ACCOUNT, { limit: 10 })[0]?.inMaintenance, true);
});

test('a certificate inside its warning days queues certificate.expiring once per threshold', () => {
  const { feed, queued } = setup({
    type: 'tls',
    host: '127.0.0.1',
    port: 443,
    warnDays: [30, 7],
    channelIds: ['ch_a'],
  });
  const expiresAt = Date.parse('2027-01-01T00:00:00Z');
  feed(60_000, 'up', { certDaysLeft: 20, certExpiresAt: expiresAt });
  feed(120_000, 'up', { certDaysLeft: 20, certExpiresAt: expiresAt });
  const [warning, ...rest] = queued();
  assert.deepEqual(rest, []);
  assert.equal(warning?.payload.event, 'certificate.expiring');
  assert.deepEqual(warning?.payload.certificate, {
    daysLeft: 20,
    expiresAt: '2027-01-01T00:00:00.000Z',
  });
  feed(180_000, 'up', { certDaysLeft: 6, certExpiresAt: expiresAt });
  assert.equal(queued().length, 1);
});

test('a result older than the newest judged is judged again in slot order: the incidents are those of the results in slot order, the alerts those judged live', () => {
  // Arrivals as `slot s status`, slots in seconds; retries 1, one channel.
  const rows: [string, string, { incidents: string[]; keys: string[] }][] = [
    [
      'in slot order',
      '60u 120d 180d 240u',
      { incidents: ['mon_1:120000 120000-240000'], keys: ['down', 'up'] },
    ],
    [
      'a late failure older than the incident moves its start (and id) back',
      '60u 120d 180d 90d 240u',
      { incidents: ['mon_1:90000 90000-240000'], keys: ['down', 'up'] },
    ],
    [
      // The down alert went out as judged live; the replay owes its "up" (the incident it
      // announced is gone, the monitor up).
      'a late success inside the outage breaks the streak: no incident',
      '60u 120d 180d 150u 240u',
      { incidents: [], keys: ['down', 'up'] },
    ],
    [
      'a late failure after the recovery opens nothing',
      '60u 120d 180d 240u 210d',
      { incidents: ['mon_1:120000 120000-240000'], keys: ['down', 'up'] },
    ],
    [
      'a late failure before any judged result does not start a streak',
      '120u 60d 180d 240u',
      { incidents: [], keys: [] },
    ],
  ];
  for (const [what, arrivals, expected] of rows) {
    const { store, feed, queued } = setup({ channelIds: ['ch_a'] });
    const keys: string[] = [];
    const list = arrivals.split(' ');
    for (const arrival of list) {
      feed(Number(arrival.slice(0, -1)) * 1000, arrival.endsWith('u') ? 'up' : 'down');
      keys.push(...queued().map((d) => d.id.split(':')[2] as string));
    }
    const incidents = store
      .listIncidents(ACCOUNT, { limit: 10 })
      .map((i) => `${i.id} ${i.startedAt}-${i.endedAt ?? 'open'}`);
    assert.deepEqual({ incidents, keys }, expected, what);
    assert.equal(store.countResults(), list.length, `${what}: every result is stored`);
  }
});
