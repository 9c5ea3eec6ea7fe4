import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startHttpTarget, waitFor, type HttpTarget } from '../testing/index.js';
import { assertConfigRefused, TestCluster } from './cluster-fixture.js';

/** Monitors at 2 s: enough slots in a short test, and room for a loaded machine. */
const MONITORS = 9;
const INTERVAL_MS = 2000;

let cluster: TestCluster | undefined;
let target: HttpTarget | undefined;

after(async () => {
  await cluster?.close();
  await target?.close();
});

test('a node loses its nats-server: it fails over to the others; all servers gone: every node in island mode checks every monitor, then rejoins, and every node holds every result once, no slot missed', async () => {
  target = await startHttpTarget();
  cluster = await TestCluster.start(3);
  const c = cluster;
  const ids: string[] = [];
  for (let i = 0; i < MONITORS; i++) {
    const created = await c.api(i % 3).expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
      name: `m${i}`,
      type: 'http',
      url: `${target.url}/ok`,
      intervalSeconds: INTERVAL_MS / 1000,
    });
    ids.push(created.id);
  }
  for (let i = 0; i < 3; i++) await c.waitState(i, 'joined', 3);
  const startedAt = Date.now();
  await waitFor('results of every monitor on every node', async () => {
    for (let i = 0; i < 3; i++) {
      for (const id of ids) {
        if (!(await c.resultsOf(i, id)).some((r) => r.slot >= startedAt)) return undefined;
      }
    }
    return true;
  });

  // The node that checks the most monitors loses its own server (the only URL it was
  // given): it learned the others' URLs from its server, and fails over.
  const latest = await Promise.all(
    ids.map(async (id) => {
      const results = await c.resultsOf(0, id);
      return results.reduce((a, b) => (b.slot > a.slot ? b : a)).node;
    }),
  );
  const k = [0, 1, 2]
    .map((i) => ({ i, owned: latest.filter((node) => node === `n${i + 1}`).length }))
    .sort((x, y) => y.owned - x.owned)[0]?.i as number;
  const other = (k + 1) % 3;
  const oneDownAt = Date.now();
  await c.nats.servers[k]?.stop();
  await waitFor(
    `a result checked by n${k + 1} after its server stopped, seen on n${other + 1}`,
    async () => {
      for (const id of ids) {
        const seen = await c.resultsOf(other, id);
        if (seen.some((r) => r.node === `n${k + 1}` && r.checkedAt > oneDownAt + 1000)) {
          return true;
        }
      }
      return undefined;
    },
    20_000,
    250,
  ).catch(async (error: unknown) => {
    const status = await c.status(k).catch(() => undefined);
    const counts = await Promise.all(
      [0, 1, 2].map(async (i) => {
        let n = 0;
        for (const id of ids) {
          n += (await c.resultsOf(i, id)).filter(
            (r) => r.node === `n${k + 1}` && r.checkedAt > oneDownAt + 1000,
          ).length;
        }
        return n;
      }),
    );
    const others = await Promise.all([0, 1, 2].map((i) => c.status(i)));
    throw new Error(
      `${(error as Error).message}; counts ${counts.join()}; n${k + 1}: ${JSON.stringify(status)}\n${JSON.stringify(others)}\n${c.nodes[(k + 1) % 3]?.output().slice(-3000)}`,
    );
  });
  await c.waitState(k, 'joined', 3);
  // A config change still reaches every node, even one whose config watch was on the
  // stopped server.
  const late = await c.api(other).expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'after the fail-over',
    type: 'http',
    url: `${target.url}/ok`,
    intervalSeconds: 60,
  });
  for (let i = 0; i < 3; i++) {
    await waitFor(
      `the new monitor on n${i + 1}`,
      async () =>
        (await c.api(i).request('GET', `/api/v1/monitors/${late.id}`)).status === 200
          ? true
          : undefined,
      20_000,
      250,
    );
  }

  // Every server goes: no node can reach any, each is alone and in island mode.
  const allDownAt = Date.now();
  await Promise.all(c.nats.servers.map((server) => server.stop()));
  for (let i = 0; i < 3; i++) {
    const island = await c.waitState(i, 'island', 1);
    assert.match(island.stateReason ?? '', /JetStream has not answered/);
  }
  await assertConfigRefused(c.api(0), /island mode.*nothing was changed/);
  // Each island checks every monitor it knows, its peers' too.
  const islandSince = Date.now();
  await waitFor(
    'every node checking every monitor',
    async () => {
      for (let i = 0; i < 3; i++) {
        for (const id of ids) {
          const own = (await c.resultsOf(i, id)).filter(
            (r) => r.node === `n${i + 1}` && r.slot > islandSince,
          );
          if (own.length < 2) return undefined;
        }
      }
      return true;
    },
    20_000,
    250,
  );
  const outbox = (await c.status(0)).outboxDepth;
  assert.ok(outbox > 0, `n1's outbox holds its island results (${outbox})`);

  // The servers return: every node rejoins, drains its outbox, applies the others' results.
  const backAt = Date.now();
  await Promise.all(c.nats.servers.map((server) => server.start()));
  for (let i = 0; i < 3; i++) await c.waitState(i, 'joined', 3, 40_000);
  const settledAt = Date.now();
  // Every node ends with the same results, each once, from before the first stop to after
  // the return: compared as sets of (monitor, slot, node).
  const from = oneDownAt - 2 * INTERVAL_MS;
  const to = settledAt;
  const everywhere = await c.sameResultsEverywhere(ids, from, to);
  const islandKeys = everywhere.filter(
    (key) => slotOf(key) > allDownAt + 4000 && slotOf(key) < backAt,
  );
  for (const node of ['n1', 'n2', 'n3']) {
    assert.ok(
      islandKeys.filter((key) => key.endsWith(`:${node}`)).length >= ids.length,
      `${node}'s island results reached every node`,
    );
  }
  // No slot of any monitor went unchecked, through both outages.
  for (const id of ids) {
    const slots = new Set(everywhere.filter((k) => k.startsWith(`${id}:`)).map(slotOf));
    const first = Math.min(...slots);
    for (let slot = first; slot < to - INTERVAL_MS; slot += INTERVAL_MS) {
      assert.ok(slots.has(slot), `${id}: slot ${slot - allDownAt} ms after all servers stopped`);
    }
  }
});

function slotOf(key: string): number {
  return Number(key.split(':')[1]);
}
