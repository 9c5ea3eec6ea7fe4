import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiClient,
  startHttpTarget,
  startNatsCluster,
  startTireless,
  tempDir,
  waitFor,
  type HttpTarget,
  type NatsCluster,
  type TirelessProcess,
} from '../testing/index.js';

interface StoredResult {
  slot: number;
  checkedAt: number;
  status: string;
  node: string;
}

const SECRET_KEY = 'c0ffee'.repeat(10) + 'c0ff';
const MONITORS = 30;

const running: TirelessProcess[] = [];
let nats: NatsCluster | undefined;
let target: HttpTarget | undefined;

after(async () => {
  await Promise.all(running.map((node) => node.kill()));
  await nats?.stop();
  await target?.close();
});

async function startNode(i: number, dataDir: string): Promise<TirelessProcess> {
  const node = await startTireless(dataDir, {
    args: ['--cluster', (nats as NatsCluster).urls[i] as string, '--node-id', `n${i + 1}`],
    env: { TIRELESS_SECRET_KEY: SECRET_KEY, TIRELESS_REGION: `r${i + 1}` },
  });
  running.push(node);
  return node;
}

async function resultsOf(api: ApiClient, monitorId: string): Promise<StoredResult[]> {
  const reply = await api.expect<{ items: StoredResult[] }>(
    200,
    'GET',
    `/api/v1/monitors/${monitorId}/results?limit=10000`,
  );
  return reply.items;
}

test('three nodes: config and results on every node, work shared, a node killed -9 has its monitors checked elsewhere within 5 s and catches up when back', async () => {
  nats = await startNatsCluster(3);
  target = await startHttpTarget();
  const dirs = [tempDir(), tempDir(), tempDir()];
  // One after another: a node that fails to start leaves no other still starting.
  const nodes: TirelessProcess[] = [];
  for (const [i, dir] of dirs.entries()) nodes.push(await startNode(i, dir));
  const [a, b, c] = nodes.map((node) => new ApiClient(node.url)) as [
    ApiClient,
    ApiClient,
    ApiClient,
  ];

  // Setup on one node; its token works on the others once the config has replicated.
  const setup = await a.expect<{ token: string }>(201, 'POST', '/api/v1/setup', {
    email: 'owner@example.com',
    password: 'a long password',
  });
  for (const api of [a, b, c]) api.token = setup.token;
  for (const api of [b, c]) {
    await waitFor('the token on the other nodes', async () =>
      (await api.request('GET', '/api/v1/monitors')).status === 200 ? true : undefined,
    );
  }
  // Once replicated, no node offers the setup again.
  assert.equal(
    (
      await b.request('POST', '/api/v1/setup', {
        email: 'x@example.com',
        password: 'another long one',
      })
    ).status,
    409,
  );

  const ids: string[] = [];
  for (let i = 0; i < MONITORS; i++) {
    // Written through each node in turn.
    const created = await ([a, b, c][i % 3] as ApiClient).expect<{ id: string }>(
      201,
      'POST',
      '/api/v1/monitors',
      { name: `m${i}`, type: 'http', url: `${target.url}/ok`, intervalSeconds: 1 },
    );
    ids.push(created.id);
  }

  const cluster = await waitFor('three live nodes on node 1', async () => {
    const reply = await a.expect<{ mode: string; nodes: { id: string; alive: boolean }[] }>(
      200,
      'GET',
      '/api/v1/cluster',
    );
    return reply.nodes.filter((n) => n.alive).length === 3 ? reply : undefined;
  });
  assert.equal(cluster.mode, 'cluster');

  // Every monitor checked by exactly one node, every node with a share, results visible on
  // every node (read on node 2 whichever node checked).
  const owner = new Map<string, string>();
  await waitFor(
    'three results of every monitor on node 2',
    async () => {
      for (const id of ids) {
        const results = await resultsOf(b, id);
        if (results.length < 3) return undefined;
      }
      return true;
    },
    30_000,
    250,
  );
  const settledFrom = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  for (const id of ids) {
    const recent = (await resultsOf(b, id)).filter((r) => r.slot >= settledFrom);
    const checkers = new Set(recent.map((r) => r.node));
    assert.equal(checkers.size, 1, `${id} checked by ${[...checkers].join(', ')}`);
    owner.set(id, [...checkers][0] as string);
  }
  const shares = new Set(owner.values());
  assert.deepEqual([...shares].sort(), ['n1', 'n2', 'n3']);

  // kill -9 node 3: its monitors go to the others within 5 s.
  const orphaned = ids.filter((id) => owner.get(id) === 'n3');
  const killedAt = Date.now();
  await (nodes[2] as TirelessProcess).kill();
  const takenOver = await waitFor(
    "every one of node 3's monitors checked by another node",
    async () => {
      const firsts: number[] = [];
      for (const id of orphaned) {
        const after = (await resultsOf(a, id)).filter(
          (r) => r.node !== 'n3' && r.checkedAt >= killedAt,
        );
        if (after.length === 0) return undefined;
        firsts.push(Math.min(...after.map((r) => r.checkedAt)));
      }
      return firsts;
    },
    20_000,
    200,
  );
  const failover = Math.max(...takenOver) - killedAt;
  assert.ok(failover < 5000, `failover took ${failover} ms`);

  // Node 3 comes back on its data dir: the same node, and it receives every result recorded
  // meanwhile (none twice: one result per slot and node).
  const backAt = Date.now();
  const again = await startNode(2, dirs[2] as string);
  const c2 = new ApiClient(again.url, setup.token);
  const probe = orphaned[0] as string;
  await waitFor('node 3 holding what node 1 recorded while it was away', async () => {
    const onA = (await resultsOf(a, probe)).filter((r) => r.slot < backAt && r.slot >= killedAt);
    const onC = (await resultsOf(c2, probe)).filter((r) => r.slot < backAt && r.slot >= killedAt);
    const key = (r: StoredResult) => `${r.slot}:${r.node}`;
    return onA.length > 0 && onA.map(key).sort().join() === onC.map(key).sort().join()
      ? true
      : undefined;
  });
  for (const id of ids) {
    const keys = (await resultsOf(c2, id)).map((r) => `${r.slot}:${r.node}`);
    assert.equal(new Set(keys).size, keys.length, `${id}: a result stored twice`);
  }
  const status = await c2.expect<{ node: string }>(200, 'GET', '/api/v1/cluster');
  assert.equal(status.node, 'n3');
});
