import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../clock/index.js';
import type { CheckedResult } from '../store/index.js';
import { createTestApi, signUp, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Half past noon: the summary's windows end at the next whole hour, 13:00. */
const NOW = Date.UTC(2030, 0, 10, 12, 30, 0);
const WINDOW_END = Date.UTC(2030, 0, 10, 13, 0, 0);

interface SummaryItem {
  monitorId: string;
  status: string;
  inMaintenance: boolean;
  latest: Json | null;
  recent: string;
  uptime: Record<'24h' | '30d', number | null>;
  checks: Record<'24h' | '30d', number>;
}

void describe('monitor summary and series', () => {
  const clock = new FakeClock(NOW);
  let api: TestApi;
  let other: string;
  let shop: string;
  let quiet: string;
  let paused: string;
  let foreign: string;
  let twoNodes: string;

  const result = (
    monitorId: string,
    slot: number,
    status: 'up' | 'down',
    latencyMs = 40,
  ): CheckedResult => ({
    monitorId,
    slot,
    checkedAt: slot + 100,
    status,
    latencyMs,
    ...(status === 'down' ? { error: 'connection refused' } : {}),
    node: 'node-a',
    region: 'eu',
  });

  before(async () => {
    api = await createTestApi({ clock, settings: { signup: 'open' } });
    other = await signUp(api.app, 'other@example.com');
    const create = async (name: string, token?: string, extra: Json = {}) => {
      const reply = await api.call('POST', '/api/v1/monitors', {
        ...(token ? { token } : {}),
        payload: { name, type: 'http', url: 'https://shop.example.com', ...extra },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      return reply.json<{ id: string }>().id;
    };
    shop = await create('shop');
    quiet = await create('quiet');
    paused = await create('paused', undefined, { paused: true });
    foreign = await create('foreign', other);
    twoNodes = await create('two nodes');
    api.record([
      // Outside 30 days (only the 90-day series sees it).
      result(shop, NOW - 40 * DAY, 'down', 900),
      // Inside 30 days, outside 24 hours.
      result(shop, NOW - 3 * DAY, 'down', 500),
      result(shop, NOW - 2 * DAY, 'up', 100),
      // Inside 24 hours.
      result(shop, NOW - 3 * HOUR, 'up', 10),
      result(shop, NOW - 2 * MINUTE, 'down', 30),
      result(shop, NOW - MINUTE, 'up', 20),
      result(foreign, NOW - MINUTE, 'down', 5),
      // Cluster mode: two nodes check the same slot; each result counts and has its bar.
      result(twoNodes, NOW - 2 * MINUTE, 'up'),
      result(twoNodes, NOW - MINUTE, 'up'),
      { ...result(twoNodes, NOW - MINUTE, 'down'), node: 'node-b' },
    ]);
  });
  after(() => api.close());

  const summary = async (
    token?: string,
    query = '',
  ): Promise<{ to: number; items: SummaryItem[] }> => {
    const reply = await api.call('GET', `/api/v1/monitors/summary${query}`, token ? { token } : {});
    assert.equal(reply.statusCode, 200, reply.body);
    return reply.json();
  };

  void it("gives every monitor of the account, and none of another account's", async () => {
    const mine = await summary();
    assert.deepEqual(
      mine.items.map((item) => item.monitorId),
      [shop, quiet, paused, twoNodes].sort(),
    );
    const theirs = await summary(other);
    assert.deepEqual(
      theirs.items.map((item) => item.monitorId),
      [foreign],
    );
    assert.equal(theirs.items[0]?.recent, 'd');
    assert.equal(theirs.items[0]?.checks['24h'], 1);
  });

  void it('gives state, latest result, recent statuses and uptimes as stored', async () => {
    const { to, items } = await summary();
    assert.equal(to, WINDOW_END);
    const byId = new Map(items.map((item) => [item.monitorId, item]));
    assert.deepEqual(byId.get(shop), {
      monitorId: shop,
      status: 'up',
      inMaintenance: false,
      latest: {
        slot: NOW - MINUTE,
        checkedAt: NOW - MINUTE + 100,
        status: 'up',
        latencyMs: 20,
        error: null,
        node: 'node-a',
        region: 'eu',
      },
      recent: 'dduudu',
      uptime: { '24h': 2 / 3, '30d': 3 / 5 },
      checks: { '24h': 3, '30d': 5 },
    });
    assert.deepEqual(byId.get(quiet), {
      monitorId: quiet,
      status: 'unknown',
      inMaintenance: false,
      latest: null,
      recent: '',
      uptime: { '24h': null, '30d': null },
      checks: { '24h': 0, '30d': 0 },
    });
    assert.equal(byId.get(paused)?.status, 'paused');
    const both = byId.get(twoNodes);
    assert.equal(both?.recent, 'uud');
    assert.deepEqual(both?.checks, { '24h': 3, '30d': 3 });
    assert.equal(both?.latest?.slot, NOW - MINUTE);
  });

  void it('agrees with the uptime endpoint over the same windows', async () => {
    const { to, items } = await summary();
    const shopItem = items.find((item) => item.monitorId === shop);
    for (const [name, days] of [
      ['24h', 1],
      ['30d', 30],
    ] as const) {
      const reply = await api.call(
        'GET',
        `/api/v1/monitors/${shop}/uptime?from=${to - days * DAY}&to=${to}`,
      );
      const uptime = reply.json<{ uptime: number; checks: number }>();
      assert.equal(shopItem?.uptime[name], uptime.uptime, name);
      assert.equal(shopItem?.checks[name], uptime.checks, name);
    }
  });

  void it('keeps only the newest results asked for, and names a bad count', async () => {
    const { items } = await summary(undefined, '?recent=2');
    assert.equal(items.find((item) => item.monitorId === shop)?.recent, 'du');
    const bad = await api.call('GET', '/api/v1/monitors/summary?recent=1000');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /recent/);
  });

  void it('gives a series from the rollups that suit the span', async () => {
    const get = async (query: string) => {
      const reply = await api.call('GET', `/api/v1/monitors/${shop}/series${query}`);
      assert.equal(reply.statusCode, 200, reply.body);
      return reply.json<{ granularity: string; items: Json[] }>();
    };
    const day = await get('');
    assert.equal(day.granularity, 'minute');
    assert.deepEqual(
      day.items.map((point) => [point.at, point.latencyAvg]),
      [
        [NOW - 3 * HOUR, 10],
        [NOW - 2 * MINUTE, 30],
        [NOW - MINUTE, 20],
      ],
    );
    const month = await get(`?from=${NOW - 30 * DAY}&to=${NOW}`);
    assert.equal(month.granularity, 'hour');
    assert.equal(month.items.length, 4, 'three hours with results, one with two');
    const lastHour = month.items.at(-1);
    assert.deepEqual(lastHour, {
      at: Math.floor(NOW / HOUR) * HOUR,
      up: 1,
      down: 1,
      latencyAvg: 25,
      latencyMin: 20,
      latencyMax: 30,
    });
    const quarter = await get(`?from=${NOW - 90 * DAY}&to=${NOW}`);
    assert.equal(quarter.granularity, 'day');
    assert.equal(quarter.items[0]?.latencyMax, 900);
  });

  void it("answers 404 for another account's series and a bad range", async () => {
    const reply = await api.call('GET', `/api/v1/monitors/${foreign}/series`);
    assert.equal(reply.statusCode, 404);
    const bad = await api.call('GET', `/api/v1/monitors/${shop}/series?from=${NOW}&to=${NOW - 1}`);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /from/);
  });
});
