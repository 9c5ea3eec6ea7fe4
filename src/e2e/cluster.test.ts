import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpTarget, waitFor, type HttpTarget } from '../testing/index.js';
import { TestCluster, type StoredResult } from './cluster-fixture.js';

/** Monitors at 1 s (failover time) and at 10 s (no slot missed). */
const FAST = 30;
const SLOW = 15;

let cluster: TestCluster | undefined;
let target: HttpTarget | undefined;

after(async () => {
  await cluster?.close();
  await target?.close();
});

test('three nodes: config and results on every node, work shared, a node killed -9 has its monitors checked elsewhere within 5 s, no 10 s slot missed, and it catches up when back', async () => {
  target = await startHttpTarget();
  // Setup on node 1; its token works on the others once the config has replicated.
  cluster = await TestCluster.start(3);
  const c = cluster;
  // Once replicated, no node offers the setup again.
  assert.equal(
    (
      await c.api(1).request('POST', '/api/v1/setup', {
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
    const created = await c.api(i % 3).expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
      name: `m${i}`,
      type: 'http',
      url: `${target.url}/ok`,
      intervalSeconds: i < FAST ? 1 : 10,
    });
    (i < FAST ? fast : slow).push(created.id);
  }
  const ids = [...fast, ...slow];

  const status = await c.waitState(0, 'joined', 3);
  assert.equal(status.mode, 'cluster');

  // Every monitor checked by exactly one node, every node with a share, results visible on
  // every node (read on node 2 whichever node checked).
  await waitFor(
    'results of every monitor on node 2',
    async () => {
      for (const id of ids) {
        const results = await c.resultsOf(1, id);
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
    const recent = (await c.resultsOf(1, id)).filter((r) =>
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
  const survivor = (k + 1) % 3;
  const orphaned = ids.filter((id) => owner.get(id) === victim);
  const killedAt = Date.now();
  await c.killNode(k);
  const takenOver = await waitFor(
    `every one of ${victim}'s 1 s monitors checked by another node`,
    async () => {
      const firsts: number[] = [];
      for (const id of orphaned.filter((m) => fast.includes(m))) {
        const after = (await c.resultsOf(survivor, id)).filter(
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
    const results = await c.resultsOf(survivor, id);
    const slots = new Set(results.map((r) => r.slot));
    const lastBefore = Math.max(...results.filter((r) => r.slot < killedAt).map((r) => r.slot));
    for (let slot = lastBefore; slot <= Date.now() - 11_000; slot += 10_000) {
      assert.ok(slots.has(slot), `${id}: slot ${slot - killedAt} ms after the kill has no result`);
    }
  }

  // The victim comes back on its data dir: the same node, and it receives every result
  // recorded meanwhile (none twice: one result per slot and node).
  const backAt = Date.now();
  await c.startNode(k);
  const probe = orphaned[0] as string;
  await waitFor(`${victim} holding what was recorded while it was away`, async () => {
    const key = (r: StoredResult) => `${r.slot}:${r.node}`;
    const meanwhile = (list: StoredResult[]) =>
      list
        .filter((r) => r.slot < backAt && r.slot >= killedAt)
        .map(key)
        .sort()
        .join();
    const there = meanwhile(await c.resultsOf(survivor, probe));
    return there !== '' && there === meanwhile(await c.resultsOf(k, probe)) ? true : undefined;
  });
  for (const id of ids) {
    const keys = (await c.resultsOf(k, id)).map((r) => `${r.slot}:${r.node}`);
    assert.equal(new Set(keys).size, keys.length, `${id}: a result stored twice`);
  }
  assert.equal((await c.status(k)).node, victim);
});
