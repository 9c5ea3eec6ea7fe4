/**
 * kill -9 in the middle of a run: every result and every write the API had answered for is
 * still there after a restart, the node keeps its id, nothing is stored twice from any
 * origin, checking resumes at once, and alerts that were being sent are sent again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../store/index.js';
import {
  ApiClient,
  startOwnedNode,
  startRecordingHttpServer,
  startTireless,
  tempDir,
  waitFor,
  type RecordedRequest,
} from '../testing/index.js';

interface Item {
  slot: number;
  node: string;
  region: string;
  status: string;
}

const nodeIdOf = async (api: ApiClient) =>
  (await api.expect<{ node: string }>(200, 'GET', '/healthz')).node;

test('SIGKILL mid-run loses no acknowledged result or write, keeps the node id, and stores no slot twice', async (t) => {
  const target = await startRecordingHttpServer(() => ({ status: 200, body: 'ok' }));
  const dataDir = tempDir();
  const { node: first, api } = await startOwnedNode(t, dataDir);
  t.after(() => target.close());
  const nodeId = await nodeIdOf(api);

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
  assert.equal(await nodeIdOf(again), nodeId, 'the restarted node keeps its id');
  for (const id of monitorIds) {
    const { items } = await again.expect<{ items: Item[] }>(
      200,
      'GET',
      `/api/v1/monitors/${id}/results?limit=10000`,
    );
    const stored = new Set(items.map(key));
    for (const seen of answered.get(id) ?? [])
      assert.ok(stored.has(seen), `${id}: result ${seen} was answered for, then lost`);
  }
  for (const id of acknowledged) await again.expect(200, 'GET', `/api/v1/monitors/${id}`);

  // Checking resumes within one interval of the restart, under the same node id.
  const probe = monitorIds[0] as string;
  const resumed = await waitFor(
    'a result after the restart',
    async () => {
      const { items } = await again.expect<{ items: Item[] }>(
        200,
        'GET',
        `/api/v1/monitors/${probe}/results?limit=1`,
      );
      return items[0] && items[0].slot > killedAt ? items[0] : undefined;
    },
    5000,
  );
  assert.equal(resumed.node, nodeId);

  // In the database: at most one result per (monitor, slot), whatever node or region it names.
  const { accountId } = await again.expect<{ accountId: string }>(
    200,
    'GET',
    `/api/v1/monitors/${probe}`,
  );
  assert.equal(await second.stop(), 0);
  const store = new Store(join(dataDir, 'tireless.db'));
  t.after(() => store.close());
  let checked = 0;
  for (const id of [...monitorIds, ...acknowledged]) {
    const origins = new Map<number, string[]>();
    for (const result of store.listResults(accountId, id, {
      since: 0,
      until: Number.MAX_SAFE_INTEGER,
      limit: 1_000_000,
    })) {
      origins.set(result.slot, [
        ...(origins.get(result.slot) ?? []),
        `${result.node}/${result.region}`,
      ]);
      checked++;
    }
    for (const [slot, from] of origins)
      assert.equal(
        from.length,
        1,
        `${id}: slot ${slot} stored ${from.length} times: ${from.join(', ')}`,
      );
  }
  assert.ok(checked >= answeredCount, `${checked} results in the database`);
});

test('SIGKILL while an alert is being sent: every transition is delivered, at most once more', async (t) => {
  const target = await startRecordingHttpServer(() => ({ status: 200, body: 'ok' }));
  // The receiver holds the first down alert without answering: the node is killed meanwhile.
  let holdDown = true;
  const receiver = await startRecordingHttpServer((request) => {
    if (eventOf(request) === 'monitor.down' && holdDown) return 'no-reply';
    return { status: 200, body: {} };
  });
  const dataDir = tempDir();
  const { node: first, api } = await startOwnedNode(t, dataDir);
  t.after(async () => {
    await target.close();
    await receiver.close();
  });
  const channel = await api.expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'hooks',
    config: { url: `${receiver.url}/alerts` },
  });
  const monitor = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'shop',
    type: 'http',
    url: `${target.url}/health`,
    intervalSeconds: 1,
    channelIds: [channel.id],
  });
  await waitFor('an up result', async () => {
    const { items } = await api.expect<{ items: Item[] }>(
      200,
      'GET',
      `/api/v1/monitors/${monitor.id}/results?limit=1`,
    );
    return items[0]?.status === 'up' ? true : undefined;
  });

  target.setResponder(() => ({ status: 503, body: 'down' }));
  await waitFor('the down alert on its way', () =>
    receiver.requests.some((r) => eventOf(r) === 'monitor.down') ? true : undefined,
  );
  await first.kill();
  holdDown = false;
  target.setResponder(() => ({ status: 200, body: 'back' }));

  // The delivery the dead process had claimed is taken again once its lease ends.
  const second = await startTireless(dataDir);
  t.after(() => second.kill());
  await waitFor(
    'the up alert',
    () => (receiver.requests.some((r) => eventOf(r) === 'monitor.up') ? true : undefined),
    60_000,
    200,
  );
  // Let any further copies arrive before counting.
  const again = new ApiClient(second.url, api.token);
  await waitFor(
    'every queued alert sent',
    async () => {
      const { items } = await again.expect<{ items: { status: string }[] }>(
        200,
        'GET',
        '/api/v1/deliveries',
      );
      return items.length >= 2 && items.every((d) => d.status === 'sent') ? true : undefined;
    },
    10_000,
  );

  const transitions = new Map<string, number>();
  for (const request of receiver.requests) {
    const body = request.json as { event: string; incident: { id: string } };
    const transition = `${body.event} ${body.incident.id}`;
    transitions.set(transition, (transitions.get(transition) ?? 0) + 1);
  }
  const incidents = new Set([...transitions.keys()].map((k) => k.split(' ')[1]));
  assert.equal(incidents.size, 1, `one incident: ${[...transitions.keys()].join(', ')}`);
  const [incident] = incidents;
  const down = transitions.get(`monitor.down ${incident}`) ?? 0;
  const up = transitions.get(`monitor.up ${incident}`) ?? 0;
  assert.ok(down >= 1 && up >= 1, `down ${down}, up ${up}: every transition delivered`);
  // One kill interrupts at most the one send in flight on the channel: at most one extra copy.
  const extra = down - 1 + (up - 1);
  assert.ok(extra <= 1, `down ${down}, up ${up}: ${extra} duplicates for one kill`);
  const events = receiver.requests.map(eventOf);
  assert.ok(
    events.lastIndexOf('monitor.down') < events.indexOf('monitor.up'),
    `down before up on the channel: ${events.join(', ')}`,
  );
});

function eventOf(request: RecordedRequest): string | undefined {
  return (request.json as { event?: string } | undefined)?.event;
}
