import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from '../store/index.js';
import { READ_PAGE_SIZE, readInPages } from './paged-read.js';
import { createTestApi, type TestApi } from './testing.js';

void describe('readInPages', () => {
  const ids = ['a', 'b', 'c', 'd', 'e'];
  const pageOf = (page: Page) =>
    ids.filter((id) => id > page.after).slice(0, page.limit === -1 ? undefined : page.limit);

  void it('reads every item once, in order, each page after the last one read', async () => {
    const asked: Page[] = [];
    const items = await readInPages(
      (page) => (asked.push(page), pageOf(page)),
      (id) => id,
      2,
    );
    assert.deepEqual(items, ids);
    assert.deepEqual(asked, [
      { after: '', limit: 2 },
      { after: 'b', limit: 2 },
      { after: 'd', limit: 2 },
    ]);
  });

  void it('lets the event loop run between pages, not within one', async () => {
    const seen: string[] = [];
    setImmediate(() => seen.push('other work'));
    await readInPages(
      (page) => (seen.push(`page after '${page.after}'`), pageOf(page)),
      (id) => id,
      2,
    );
    assert.deepEqual(seen.slice(0, 3), ["page after ''", 'other work', "page after 'b'"]);
  });

  void it('asks once when the first page is short', async () => {
    let calls = 0;
    assert.deepEqual(
      await readInPages(
        () => (calls++, ['x']),
        (id) => id,
        2,
      ),
      ['x'],
    );
    assert.equal(calls, 1);
  });
});

void describe('the list and the summary of an account of several pages', () => {
  const count = 2 * READ_PAGE_SIZE + 1;
  let api: TestApi;
  let ids: string[];

  before(async () => {
    api = await createTestApi();
    ids = [];
    for (let n = 0; n < count; n++) {
      const reply = await api.call('POST', '/api/v1/monitors', {
        payload: { name: `m${n}`, type: 'http', url: `http://127.0.0.1:9/${n}` },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      ids.push((JSON.parse(reply.body) as { id: string }).id);
    }
    ids.sort();
    // One down result on each page: the summary must carry each monitor's own state.
    const slot = Date.now() - 5_000;
    api.record(
      [ids[0], ids[READ_PAGE_SIZE], ids[count - 1]].map((monitorId) => ({
        monitorId: monitorId as string,
        slot,
        checkedAt: slot + 10,
        status: 'down' as const,
        latencyMs: 3,
        error: 'connection refused',
        node: 'node-a',
        region: 'eu',
      })),
    );
  });
  after(() => api.close());

  void it('lists every monitor once, in id order', async () => {
    const reply = await api.call('GET', '/api/v1/monitors');
    const items = (JSON.parse(reply.body) as { items: { id: string; status: string }[] }).items;
    assert.deepEqual(
      items.map((item) => item.id),
      ids,
    );
    const down = items.filter((item) => item.status === 'down').map((item) => item.id);
    assert.deepEqual(down, [ids[0], ids[READ_PAGE_SIZE], ids[count - 1]]);
  });

  void it('summarizes every monitor once, in id order, each with its own state', async () => {
    const reply = await api.call('GET', '/api/v1/monitors/summary');
    const { items } = JSON.parse(reply.body) as {
      items: { monitorId: string; status: string; recent: string }[];
    };
    assert.deepEqual(
      items.map((item) => item.monitorId),
      ids,
    );
    const down = items.filter((item) => item.status === 'down');
    assert.deepEqual(
      down.map((item) => [item.monitorId, item.recent]),
      [ids[0], ids[READ_PAGE_SIZE], ids[count - 1]].map((id) => [id, 'd']),
    );
  });
});
