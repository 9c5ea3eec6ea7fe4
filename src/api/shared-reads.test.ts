import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../clock/index.js';
import type { CheckedResult } from '../store/index.js';
import { SHARED_READ_TTL_MS } from './shared-reads.js';
import { createTestApi, signUp, type TestApi } from './testing.js';

type Json = Record<string, unknown>;

const NOW = Date.UTC(2030, 0, 10, 12, 30, 0);
const SUMMARY = '/api/v1/monitors/summary';

interface Item {
  monitorId: string;
  id: string;
  name: string;
  status: string;
  inMaintenance: boolean;
  recent: string;
}

void describe("an account's list and summary, shared by its readers for a short time", () => {
  const clock = new FakeClock(NOW);
  let api: TestApi;
  let other: string;
  let shop: string;
  let theirs: string;

  const items = async (url: string, token?: string) => {
    const reply = await api.call('GET', url, token ? { token } : {});
    assert.equal(reply.statusCode, 200, reply.body);
    assert.match(String(reply.headers['content-type']), /^application\/json; charset=utf-8/);
    return reply.json<{ items: Item[] }>().items;
  };
  const create = async (name: string, token?: string) => {
    const reply = await api.call('POST', '/api/v1/monitors', {
      ...(token ? { token } : {}),
      payload: { name, type: 'http', url: 'https://shop.example.com' },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    return reply.json<{ id: string }>().id;
  };
  const result = (monitorId: string, slot: number, status: 'up' | 'down'): CheckedResult => ({
    monitorId,
    slot,
    checkedAt: slot + 100,
    status,
    latencyMs: 20,
    ...(status === 'down' ? { error: 'connection refused' } : {}),
    node: 'node-a',
    region: 'eu',
  });

  before(async () => {
    api = await createTestApi({ clock, settings: { signup: 'open' } });
    other = await signUp(api.app, 'other@example.com');
    shop = await create('shop');
    theirs = await create('theirs', other);
  });
  after(() => api.close());

  void it('answers a new result from the same computation until the TTL has passed', async () => {
    const first = await items(SUMMARY);
    assert.deepEqual(
      first.map((item) => [item.monitorId, item.recent]),
      [[shop, '']],
    );
    assert.equal((await items('/api/v1/monitors')).find((m) => m.id === shop)?.status, 'unknown');
    api.record([result(shop, NOW - 10_000, 'down')]);
    clock.advance(SHARED_READ_TTL_MS - 1);
    const shared = await items(SUMMARY);
    assert.deepEqual(shared, first, 'within the TTL: the answer computed before the result');
    assert.equal((await items('/api/v1/monitors')).find((m) => m.id === shop)?.status, 'unknown');
    clock.advance(1);
    const fresh = await items(SUMMARY);
    assert.equal(fresh[0]?.recent, 'd');
    assert.equal(fresh[0]?.status, 'down');
    assert.equal((await items('/api/v1/monitors')).find((m) => m.id === shop)?.status, 'down');
  });

  void it('keeps one answer per query: another count of recent results is its own', async () => {
    api.record([result(shop, NOW - 5_000, 'up')]);
    assert.equal((await items(`${SUMMARY}?recent=1`))[0]?.recent, 'u');
    assert.equal((await items(`${SUMMARY}?recent=2`))[0]?.recent, 'du');
  });

  void it('is fresh after any config change of the account', async () => {
    await items(SUMMARY);
    await items('/api/v1/monitors');
    const added = await create('added');
    assert.deepEqual(
      (await items(SUMMARY)).map((item) => item.monitorId).sort(),
      [shop, added].sort(),
      'a new monitor is in the next summary',
    );
    assert.deepEqual(
      (await items('/api/v1/monitors')).map((item) => item.name).sort(),
      ['added', 'shop'],
      'and in the next list',
    );
    const renamed = await api.call('PATCH', `/api/v1/monitors/${added}`, {
      payload: { name: 'renamed', paused: true },
    });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal((await items('/api/v1/monitors')).find((m) => m.id === added)?.name, 'renamed');
    assert.equal((await items(SUMMARY)).find((m) => m.monitorId === added)?.status, 'paused');
    // A maintenance window is no monitor, yet it changes what the list says of one.
    const window = await api.call('POST', '/api/v1/maintenance', {
      payload: {
        name: 'now',
        monitorIds: [shop],
        schedule: { kind: 'once', startsAt: NOW - 60_000, endsAt: NOW + 3_600_000 },
      },
    });
    assert.equal(window.statusCode, 201, window.body);
    assert.equal((await items(SUMMARY)).find((m) => m.monitorId === shop)?.inMaintenance, true);
    assert.equal((await items('/api/v1/monitors')).find((m) => m.id === shop)?.inMaintenance, true);
    assert.equal((await api.call('DELETE', `/api/v1/monitors/${added}`)).statusCode, 204);
    assert.deepEqual(
      (await items(SUMMARY)).map((item) => item.monitorId),
      [shop],
    );
  });

  void it("never answers one account with another's, though both are kept at once", async () => {
    const mine = await items(SUMMARY);
    const mineListed = await items('/api/v1/monitors');
    const theirsRead = await items(SUMMARY, other);
    const theirsListed = await items('/api/v1/monitors', other);
    assert.deepEqual(
      theirsRead.map((item) => item.monitorId),
      [theirs],
    );
    assert.deepEqual(
      theirsListed.map((item) => item.id),
      [theirs],
    );
    assert.deepEqual(
      mine.map((item) => item.monitorId),
      [shop],
    );
    assert.deepEqual(await items('/api/v1/monitors'), mineListed, 'each its own, both kept');
    // A change of one account leaves the other's shared answer as it was.
    api.record([result(shop, NOW - 1_000, 'down')]);
    await create('more', other);
    assert.deepEqual(await items(SUMMARY), mine, "another account's change leaves this one shared");
    assert.equal((await items(SUMMARY, other)).length, 2);
  });
});

void describe('shared reads with a TTL of 0', () => {
  let api: TestApi;
  before(async () => {
    api = await createTestApi({ settings: { sharedReadTtlMs: 0 } });
  });
  after(() => api.close());

  void it('computes each read afresh', async () => {
    const reply = await api.call('POST', '/api/v1/monitors', {
      payload: { name: 'shop', type: 'http', url: 'https://shop.example.com' },
    });
    const id = reply.json<Json>().id as string;
    const read = async () =>
      (await api.call('GET', SUMMARY)).json<{ items: { recent: string }[] }>().items[0]?.recent;
    assert.equal(await read(), '');
    const now = Date.now();
    api.record([
      {
        monitorId: id,
        slot: now - 1_000,
        checkedAt: now - 900,
        status: 'up',
        latencyMs: 5,
        node: 'node-a',
        region: 'eu',
      },
    ]);
    assert.equal(await read(), 'u');
  });
});
