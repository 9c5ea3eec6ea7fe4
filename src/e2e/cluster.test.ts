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
/** Monitors at 1 s (failover time) and at 10 s (no slot missed). */
const FAST = 30;
const SLOW = 15;

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

test('three nodes: config and results on every node, work shared, a node killed -9 has its monitors checked elsewhere within 5 s, no 10 s slot missed, and it catches up when back', async () => {
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
  const token = await a.setUp({ email: 'owner@example.com', password: 'a long password' });
  for (const api of [b, c]) api.token = token;
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

  const fast: string[] = [];
  const slow: string[] = [];
  for (let i = 0; i < FAST + SLOW; i++) {
    // Written through each node in turn.
    const created = await ([a, b, c][i % 3] as ApiClient).expect<{ id: string }>(
      201,
      'POST',
      '/api/v1/monitors',
      {
        name: `m${i}`,
        type: 'http',
        url: `${target.url}/ok`,
        intervalSeconds: i < FAST ? 1 : 10,
      },
    );
    (i < FAST ? fast : slow).push(created.id);
  }
  const ids = [...fast, ...slow];

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
  await waitFor(
    'results of every monitor on node 2',
    async () => {
      for (const id of ids) {
        const results = await resultsOf(b, id);
        if (results.length < (fast.includes(id) ? 3 : 1)) return undefined;
      }
      return true;
    },
    30_000,
    250,
  );
  const settledFrom = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const owner = new Map<string, string>();
  for (const id of ids) {
    const recent = (await resultsOf(b, id)).filter((r) =>
      fast.includes(id) ? r.slot >= settledFrom : true,
    );
    const checkers = new Set(recent.map((r) => r.node));
    assert.equal(checkers.size, 1, `${id} checked by ${[...checkers].join(', ')}`);
    owner.set(id, [...checkers][0] as string);
  }
  assert.deepEqual([...new Set(fast.map((id) => owner.get(id)))].sort(), ['n1', 'n2', 'n3']);

  // kill -9 the node that checks the most 10 s monitors: its monitors go to the others
  // within 5 s, and no slot of a 10 s monitor is left unchecked.
  const victim = ['n1', 'n2', 'n3']
    .map((id) => ({ id, slow: slow.filter((m) => owner.get(m) === id).length }))
    .sort((x, y) => y.slow - x.slow)[0]?.id as string;
  const k = Number(victim.slice(1)) - 1;
  const survivor = [a, b, c][(k + 1) % 3] as ApiClient;
  const orphaned = ids.filter((id) => owner.get(id) === victim);
  const killedAt = Date.now();
  await (nodes[k] as TirelessProcess).kill();
  const takenOver = await waitFor(
    `every one of ${victim}'s 1 s monitors checked by another node`,
    async () => {
      const firsts: number[] = [];
      for (const id of orphaned.filter((m) => fast.includes(m))) {
        const after = (await resultsOf(survivor, id)).filter(
          (r) => r.node !== victim && r.checkedAt >= killedAt,
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

  // Two more 10 s slots of every monitor: each slot from the last before the kill on has a
  // result from some node.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, killedAt + 22_000 - Date.now())));
  for (const id of orphaned.filter((m) => slow.includes(m))) {
    const results = await resultsOf(survivor, id);
    const slots = new Set(results.map((r) => r.slot));
    const lastBefore = Math.max(...results.filter((r) => r.slot < killedAt).map((r) => r.slot));
    for (let slot = lastBefore; slot <= Date.now() - 11_000; slot += 10_000) {
      assert.ok(slots.has(slot), `${id}: slot ${slot - killedAt} ms after the kill has no result`);
    }
  }

  // The victim comes back on its data dir: the same node, and it receives every result
  // recorded meanwhile (none twice: one result per slot and node).
  const backAt = Date.now();
  const again = await startNode(k, dirs[k] as string);
  const back = new ApiClient(again.url, token);
  const probe = orphaned[0] as string;
  await waitFor(`${victim} holding what was recorded while it was away`, async () => {
    const key = (r: StoredResult) => `${r.slot}:${r.node}`;
    const meanwhile = (list: StoredResult[]) =>
      list
        .filter((r) => r.slot < backAt && r.slot >= killedAt)
        .map(key)
        .sort()
        .join();
    const there = meanwhile(await resultsOf(survivor, probe));
    return there !== '' && there === meanwhile(await resultsOf(back, probe)) ? true : undefined;
  });
  for (const id of ids) {
    const keys = (await resultsOf(back, id)).map((r) => `${r.slot}:${r.node}`);
    assert.equal(new Set(keys).size, keys.length, `${id}: a result stored twice`);
  }
  const status = await back.expect<{ node: string }>(200, 'GET', '/api/v1/cluster');
  assert.equal(status.node, victim);
});
