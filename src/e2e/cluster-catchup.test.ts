import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { startHttpTarget, waitFor, type ApiClient, type HttpTarget } from '../testing/index.js';
import { TestCluster, type StoredResult } from './cluster-fixture.js';

interface Doc {
  id: string;
  revision: number;
}

let cluster: TestCluster | undefined;
let target: HttpTarget | undefined;

after(async () => {
  await cluster?.close();
  await target?.close();
});

/** Options of a node that publishes snapshots every `ms` (when its period's top). */
function snapshotsEvery(ms: number) {
  return { env: { TIRELESS_SNAPSHOT_INTERVAL_MS: String(ms) } };
}

/** Every result of every monitor, as `monitor slot node region status`, sorted. */
async function resultKeys(api: ApiClient, monitorIds: readonly string[]): Promise<string[]> {
  const keys: string[] = [];
  for (const id of monitorIds) {
    const { items } = await api.expect<{ items: StoredResult[] }>(
      200,
      'GET',
      `/api/v1/monitors/${id}/results?limit=10000`,
    );
    for (const r of items) keys.push(`${id} ${r.slot} ${r.node} ${r.region} ${r.status}`);
  }
  return keys.sort();
}

/** The config a node serves: monitors and channels with their revisions. */
async function configOf(api: ApiClient): Promise<unknown> {
  const list = async (path: string) =>
    (await api.expect<{ items: Doc[] }>(200, 'GET', path)).items.sort((x, y) =>
      x.id.localeCompare(y.id),
    );
  return { monitors: await list('/api/v1/monitors'), channels: await list('/api/v1/channels') };
}

test('fault 7: a node with an empty data dir joins and holds every result and config, also after the stream was trimmed', async () => {
  target = await startHttpTarget();
  // n1 publishes a snapshot every 2 s in the periods whose rendezvous top it is; n2's own
  // period is an hour, so once n1 stops no snapshot is newer than the one the test trims to.
  cluster = await TestCluster.start(3, {
    nodes: [snapshotsEvery(2000), snapshotsEvery(3_600_000)],
  });
  const c = cluster;
  const nc = await c.client();
  const [a, b] = [c.api(0), c.api(1)];
  await a.expect(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'hook',
    config: { url: `${target.url}/hook` },
  });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const created = await ([a, b][i % 2] as ApiClient).expect<{ id: string }>(
      201,
      'POST',
      '/api/v1/monitors',
      { name: `m${i}`, type: 'http', url: `${target.url}/ok`, intervalSeconds: 1 },
    );
    ids.push(created.id);
  }
  // One monitor deleted before the snapshot, one after it: neither may come back.
  const [deletedEarly, deletedLate] = ids as [string, string];
  const live = ids.slice(2);
  await waitFor(
    'results of every monitor on node 2',
    async () => ((await resultKeys(b, ids)).length >= 3 * ids.length ? true : undefined),
    20_000,
    250,
  );
  await a.expect(204, 'DELETE', `/api/v1/monitors/${deletedEarly}`);

  // A snapshot taken after that, then n1 stops: no newer snapshot comes.
  const os = await new Objm(nc).open('tireless_snapshots');
  const deletedAt = Date.now();
  await waitFor(
    'a snapshot taken after the delete',
    async () => {
      const info = await os.info('replica');
      return Number(info?.metadata?.takenAt) > deletedAt + 500 ? true : undefined;
    },
    20_000,
    200,
  );
  await c.stopNode(0);
  const snapshot = await os.info('replica');
  const position = Number(snapshot?.metadata?.position);
  assert.ok(position > 0, `the snapshot's stream position is ${position}`);
  await b.expect(204, 'DELETE', `/api/v1/monitors/${deletedLate}`);

  // Trim the stream: everything the snapshot holds is purged; what came later stays.
  const jsm = await jetstreamManager(nc);
  await jsm.streams.purge('TIRELESS_RESULTS', { seq: position + 1 });
  const trimmedAt = Date.now();
  await waitFor(
    'results after the trim on node 2',
    async () => {
      const keys = await resultKeys(b, live);
      return live.every((id) =>
        keys.some((k) => k.startsWith(`${id} `) && Number(k.split(' ')[1]) > trimmedAt + 1000),
      )
        ? true
        : undefined;
    },
    20_000,
    250,
  );
  const stream = (await jsm.streams.info('TIRELESS_RESULTS')).state;
  assert.ok(stream.first_seq > 1, `the stream starts at ${stream.first_seq}`);

  // Stop the checks so the sets to compare hold still, and let node 2's outbox drain.
  for (const id of live) await b.expect(200, 'PATCH', `/api/v1/monitors/${id}`, { paused: true });
  let settled: string[] = [];
  await waitFor(
    'node 2 to stop recording',
    async () => {
      const cluster = await b.expect<{ outboxDepth: number }>(200, 'GET', '/api/v1/cluster');
      const keys = await resultKeys(b, live);
      const still = cluster.outboxDepth === 0 && keys.join() === settled.join();
      settled = keys;
      return still ? true : undefined;
    },
    20_000,
    1500,
  );

  // A node with an empty data dir: the first thing it answers is the whole replica.
  const third = await c.startNode(2, snapshotsEvery(3_600_000));
  assert.deepEqual(await resultKeys(third, live), settled, 'results as on a node there all along');
  assert.deepEqual(await configOf(third), await configOf(b), 'config as on a node there all along');
  for (const id of [deletedEarly, deletedLate]) {
    assert.equal((await third.request('GET', `/api/v1/monitors/${id}`)).status, 404, id);
  }
  // Rollups too: uptime over the whole test from each.
  const until = Date.now() + 60_000;
  const uptime = (api: ApiClient, id: string) =>
    api.expect(200, 'GET', `/api/v1/monitors/${id}/uptime?from=0&to=${until}`);
  for (const id of live) assert.deepEqual(await uptime(third, id), await uptime(b, id), id);
  // Both sources were needed: results from before the snapshot (gone from the stream) and
  // from after it (only in the stream).
  const slots = settled.map((k) => Number(k.split(' ')[1]));
  const takenAt = Number(snapshot?.metadata?.takenAt);
  assert.ok(slots.some((slot) => slot < takenAt - 2000));
  assert.ok(slots.some((slot) => slot > trimmedAt + 1000));
  assert.equal((await c.status(2)).node, 'n3');
});
