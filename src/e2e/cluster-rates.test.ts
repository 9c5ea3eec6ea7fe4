import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { overshootBound, RATE_WINDOW_MS } from '../cluster/index.js';
import { waitFor } from '../testing/index.js';
import { TestCluster } from './cluster-fixture.js';

// Rate quotas across a cluster, through two started nodes: an account's API requests to
// both count against one limit (not one per node).

const LIMIT = 40;
let cluster: TestCluster | undefined;

after(() => cluster?.close());

test('two nodes share one account’s API rate: together they accept at most the limit and the bound', async () => {
  cluster = await TestCluster.start(3, { nodes: [{}, {}] });
  const [a, b] = [cluster.api(0), cluster.api(1)];
  const { id } = await a.expect<{ id: string }>(200, 'GET', '/api/v1/account');
  // The operator's account has no quota unless set: it sets one on itself.
  await a.expect(200, 'PATCH', `/api/v1/accounts/${id}/quotas`, { apiRequestsPerMinute: LIMIT });
  await waitFor('the quota on node 2', async () => {
    const reply = await b.request<{ quotas: { apiRequestsPerMinute: number } }>(
      'GET',
      '/api/v1/quotas',
    );
    return reply.body.quotas.apiRequestsPerMinute === LIMIT ? true : undefined;
  });
  // The requests above counted in this minute: start the flood in a fresh one.
  await new Promise((resolve) =>
    setTimeout(resolve, RATE_WINDOW_MS - (Date.now() % RATE_WINDOW_MS) + 200),
  );
  const accepted = [0, 0];
  for (let sent = 0; sent < 3 * LIMIT; sent += 8) {
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const at = (sent + i) % 2;
        const reply = await (at === 0 ? a : b).request('GET', '/api/v1/quotas');
        if (reply.status === 200) accepted[at]!++;
        else assert.equal(reply.status, 429, JSON.stringify(reply.body));
      }),
    );
  }
  assert.ok(
    Date.now() % RATE_WINDOW_MS < RATE_WINDOW_MS - 1000,
    'the flood ended within its minute',
  );
  const total = accepted[0]! + accepted[1]!;
  const most = LIMIT + overshootBound(LIMIT, 2);
  assert.ok(total <= most, `${total} accepted (${accepted.join(' + ')}), at most ${most}`);
  assert.ok(total >= LIMIT, `${total} accepted: the whole limit`);
  assert.ok(accepted[0]! > 0 && accepted[1]! > 0, `both nodes accepted: ${accepted.join(' + ')}`);
});
