/**
 * kill -9 in the middle of a run: every result and every write the API had answered for is
 * still there after a restart, nothing is stored twice, and checking resumes at once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  ApiClient,
  startRecordingHttpServer,
  startTireless,
  tempDir,
  waitFor,
} from '../testing/index.js';

interface Item {
  slot: number;
  node: string;
  region: string;
  status: string;
}

test('SIGKILL mid-run loses no acknowledged result or write, and stores none twice', async (t) => {
  const target = await startRecordingHttpServer(() => ({ status: 200, body: 'ok' }));
  const dataDir = tempDir();
  const first = await startTireless(dataDir);
  t.after(async () => {
    await first.kill().catch(() => undefined);
    await target.close();
  });
  const api = new ApiClient(first.url);
  api.token = (
    await api.expect<{ token: string }>(201, 'POST', '/api/v1/setup', {
      email: 'o@example.com',
      password: 'crash test password',
    })
  ).token;

  const monitorIds: string[] = [];
  for (let i = 0; i < 20; i++) {
    const created = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
      name: `m${i}`,
      type: i % 2 === 0 ? 'http' : 'tcp',
      ...(i % 2 === 0 ? { url: `${target.url}/m${i}` } : { host: '127.0.0.1', port: target.port }),
      intervalSeconds: 1,
    });
    monitorIds.push(created.id);
  }

  // Read results (what the API answered for) while monitors keep being created (writes it acknowledged).
  const answered = new Map<string, Set<string>>();
  const key = (r: Item) => `${r.slot}/${r.node}/${r.region}`;
  let writing = true;
  const acknowledged: string[] = [];
  const writer = (async () => {
    for (let i = 0; writing; i++) {
      const reply = await api
        .request<{ id: string }>('POST', '/api/v1/monitors', {
          name: `late${i}`,
          type: 'tcp',
          host: '127.0.0.1',
          port: target.port,
          intervalSeconds: 60,
        })
        .catch(() => undefined);
      if (reply?.status === 201) acknowledged.push(reply.body.id);
    }
  })();
  const deadline = Date.now() + 4000;
  while (Date.now() < deadline) {
    for (const id of monitorIds) {
      const { items } = await api.expect<{ items: Item[] }>(
        200,
        'GET',
        `/api/v1/monitors/${id}/results?limit=1000`,
      );
      const seen = answered.get(id) ?? new Set<string>();
      for (const item of items) seen.add(key(item));
      answered.set(id, seen);
    }
  }
  await first.kill();
  const killedAt = Date.now();
  writing = false;
  await writer;
  const answeredCount = [...answered.values()].reduce((n, s) => n + s.size, 0);
  assert.ok(answeredCount >= 40, `the API answered for ${answeredCount} results before the kill`);
  assert.ok(acknowledged.length > 0);

  const db = new Database(join(dataDir, 'tireless.db'), { readonly: true });
  assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  db.close();

  const second = await startTireless(dataDir);
  t.after(() => second.kill());
  const again = new ApiClient(second.url, api.token);
  for (const id of monitorIds) {
    const { items } = await again.expect<{ items: Item[] }>(
      200,
      'GET',
      `/api/v1/monitors/${id}/results?limit=10000`,
    );
    const stored = items.map(key);
    assert.equal(new Set(stored).size, stored.length, `${id}: a result stored twice`);
    const storedSet = new Set(stored);
    for (const seen of answered.get(id) ?? [])
      assert.ok(storedSet.has(seen), `${id}: result ${seen} was answered for, then lost`);
  }
  for (const id of acknowledged) await again.expect(200, 'GET', `/api/v1/monitors/${id}`);

  // Checking resumes within one interval of the restart.
  const probe = monitorIds[0] as string;
  await waitFor(
    'a result after the restart',
    async () => {
      const { items } = await again.expect<{ items: Item[] }>(
        200,
        'GET',
        `/api/v1/monitors/${probe}/results?limit=1`,
      );
      return items[0] && items[0].slot > killedAt ? true : undefined;
    },
    5000,
  );
});
