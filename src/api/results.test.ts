import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../clock/index.js';
import type { CheckedResult } from '../store/index.js';
import { createTestApi, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const NOW = Date.UTC(2030, 0, 10, 12, 0, 0);

void describe('results, uptime and incidents', () => {
  const clock = new FakeClock(NOW);
  let api: TestApi;
  let monitorId: string;
  let quietId: string;

  const result = (slot: number, status: 'up' | 'down'): CheckedResult => ({
    monitorId,
    slot,
    checkedAt: slot + 120,
    status,
    latencyMs: 42,
    ...(status === 'down' ? { error: 'connection refused' } : {}),
    node: 'node-a',
    region: 'eu',
  });
  before(async () => {
    api = await createTestApi({ clock });
    const create = async (name: string) =>
      (
        await api.call('POST', '/api/v1/monitors', {
          payload: { name, type: 'http', url: 'https://shop.example.com', intervalSeconds: 60 },
        })
      ).json<{ id: string }>().id;
    monitorId = await create('shop');
    quietId = await create('quiet');
    // Through the real judge (no retries): down 3 days ago, up again 3 minutes ago.
    api.record([
      result(NOW - 90 * DAY + MINUTE, 'up'),
      result(NOW - 40 * DAY, 'up'),
      result(NOW - 3 * DAY, 'down'),
      result(NOW - 4 * MINUTE, 'down'),
      result(NOW - 3 * MINUTE, 'up'),
      result(NOW - 2 * MINUTE, 'up'),
      {
        ...result(NOW - 1 * MINUTE, 'up'),
        timing: { dnsMs: 2, connectMs: 9, tlsMs: 14, firstByteMs: 12 },
      },
    ]);
  });
  after(() => api.close());

  const get = async (url: string): Promise<Json> => {
    const reply = await api.call('GET', url);
    assert.equal(reply.statusCode, 200, reply.body);
    return reply.json<Json>();
  };
  const slotsOf = (reply: Json) => (reply.items as { slot: number }[]).map((item) => item.slot);

  void it('lists results newest first, with every field (timing phases where measured)', async () => {
    const { items } = (await get(`/api/v1/monitors/${monitorId}/results`)) as { items: Json[] };
    assert.equal(items.length, 7);
    assert.deepEqual(items[0], {
      slot: NOW - MINUTE,
      checkedAt: NOW - MINUTE + 120,
      status: 'up',
      latencyMs: 42,
      error: null,
      node: 'node-a',
      region: 'eu',
      timing: { dnsMs: 2, connectMs: 9, tlsMs: 14, firstByteMs: 12 },
    });
    assert.equal('timing' in (items[1] ?? {}), false, 'a result without timing has none');
    assert.equal(items[3]?.error, 'connection refused');
    const slots = slotsOf({ items });
    assert.deepEqual(
      slots,
      [...slots].sort((a, b) => b - a),
    );
  });

  void it('filters by since (inclusive) and until (exclusive), in ms or ISO, and limits', async () => {
    const since = new Date(NOW - 3 * MINUTE).toISOString();
    const window = await get(
      `/api/v1/monitors/${monitorId}/results?since=${since}&until=${NOW - MINUTE}`,
    );
    assert.deepEqual(slotsOf(window), [NOW - 2 * MINUTE, NOW - 3 * MINUTE]);
    const newest = await get(`/api/v1/monitors/${monitorId}/results?limit=2`);
    assert.deepEqual(slotsOf(newest), [NOW - MINUTE, NOW - 2 * MINUTE]);
  });

  void it('computes uptime over each named window', async () => {
    const expected: Record<string, Json> = {
      '24h': { uptime: 0.75, checks: 4, up: 3, down: 1, downSeconds: 60 },
      '7d': { uptime: 0.6, checks: 5, up: 3, down: 2, downSeconds: 120 },
      '30d': { uptime: 0.6, checks: 5, up: 3, down: 2, downSeconds: 120 },
      '90d': { uptime: 5 / 7, checks: 7, up: 5, down: 2, downSeconds: 120 },
    };
    for (const [window, totals] of Object.entries(expected)) {
      const reply = await get(`/api/v1/monitors/${monitorId}/uptime?window=${window}`);
      assert.deepEqual(
        reply,
        { from: NOW - (window === '24h' ? 1 : parseInt(window)) * DAY, to: NOW, ...totals },
        window,
      );
    }
    assert.deepEqual(
      await get(`/api/v1/monitors/${monitorId}/uptime`),
      await get(`/api/v1/monitors/${monitorId}/uptime?window=24h`),
    );
  });

  void it('computes uptime over a custom range, and null without checks', async () => {
    const from = new Date(NOW - 4 * MINUTE).toISOString();
    const custom = await get(
      `/api/v1/monitors/${monitorId}/uptime?from=${from}&to=${NOW - 2 * MINUTE}`,
    );
    assert.deepEqual(custom, {
      from: NOW - 4 * MINUTE,
      to: NOW - 2 * MINUTE,
      uptime: 0.5,
      checks: 2,
      up: 1,
      down: 1,
      downSeconds: 60,
    });
    const quiet = await get(`/api/v1/monitors/${quietId}/uptime?window=90d`);
    assert.equal(quiet.uptime, null);
    assert.equal(quiet.checks, 0);
  });

  void it('lists incidents of the account, of one monitor, and limited', async () => {
    const all = (await get('/api/v1/incidents')) as { items: Json[] };
    assert.deepEqual(all.items, [
      {
        id: `${monitorId}:${NOW - 3 * DAY}`,
        accountId: api.deps.store.getConfig<{ accountId: string }>('monitor', monitorId)?.accountId,
        monitorId,
        startedAt: NOW - 3 * DAY,
        endedAt: NOW - 3 * MINUTE,
        cause: 'connection refused',
        inMaintenance: false,
      },
    ]);
    assert.equal(
      ((await get(`/api/v1/incidents?monitorId=${monitorId}&limit=1`)).items as Json[]).length,
      1,
    );
    assert.deepEqual(await get(`/api/v1/incidents?monitorId=${quietId}`), { items: [] });
  });

  void it('records an outage inside a maintenance window as such', async () => {
    const window = await api.call('POST', '/api/v1/maintenance', {
      payload: {
        name: 'nightly',
        monitorIds: [quietId],
        schedule: {
          kind: 'recurring',
          every: 'day',
          startTime: '12:00',
          durationMinutes: 60,
          timeZone: 'Asia/Tokyo',
        },
      },
    });
    assert.equal(window.statusCode, 201, window.body);
    // NOW is 12:00 UTC, 21:00 in Tokyo; 03:00 UTC the day before was 12:00 there.
    const quiet = (slot: number, status: 'up' | 'down') => ({
      ...result(slot, status),
      monitorId: quietId,
    });
    api.record([
      quiet(NOW - DAY - 9 * 60 * MINUTE, 'down'),
      quiet(NOW - DAY - 8 * 60 * MINUTE - MINUTE, 'up'),
      quiet(NOW - 2 * MINUTE, 'down'),
      quiet(NOW - MINUTE, 'up'),
    ]);
    const { items } = (await get(`/api/v1/incidents?monitorId=${quietId}`)) as { items: Json[] };
    assert.deepEqual(
      items.map((incident) => [incident.startedAt, incident.inMaintenance]),
      [
        [NOW - 2 * MINUTE, false],
        [NOW - DAY - 9 * 60 * MINUTE, true],
      ],
    );
    assert.equal(api.deps.store.countPendingDeliveries(), 0, 'no channels, nothing queued');
  });
});
