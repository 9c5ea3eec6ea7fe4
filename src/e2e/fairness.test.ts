/**
 * One account cannot starve another, through the real binary: account A floods the node with
 * 2,000 monitors of a target that answers after 3 s, far more than the node's small
 * concurrency (5 checks starting, 20 in flight) can run; account B's few monitors of a quick
 * target still start close to their slots (checkedAt − slot), slot after slot. The operator
 * raised both accounts' quotas for this (A's monitors, both accounts' smallest interval).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiClient,
  startHttpTarget,
  startTireless,
  tempDir,
  type HttpTarget,
  type TirelessProcess,
} from '../testing/index.js';

const FLOOD = 2000;
const B_MONITORS = 3;
const B_INTERVAL_S = 2;
/** How long B's checks are watched while A floods, ms. */
const WATCH_MS = 16_000;
/**
 * B's checks must start within this of their slot: generous, for a machine running other test
 * files at once (a CI run saw 1,993 ms). Without fairness B's checks do not run at all.
 */
const MAX_LATENESS_MS = 3000;

interface Result {
  slot: number;
  checkedAt: number;
}

void describe("fair scheduling: one account's flood", () => {
  let node: TirelessProcess;
  let slow: HttpTarget;
  let quick: HttpTarget;
  let operator: ApiClient;

  before(async () => {
    slow = await startHttpTarget((_request, response) => {
      setTimeout(() => response.end('slow'), 3000).unref();
    });
    quick = await startHttpTarget();
    node = await startTireless(tempDir(), {
      args: ['--signup', 'open', '--allow-private-targets'],
      env: { TIRELESS_MAX_CONCURRENT_CHECKS: '5', TIRELESS_CHECK_WORKERS: '1' },
    });
    operator = new ApiClient(node.url);
    await operator.setUp({ email: 'operator@example.com', password: 'the operator password' });
  });
  after(async () => {
    await node?.kill();
    await Promise.all([slow?.close(), quick?.close()]);
  });

  /** Signs up an account and has the operator set its quotas; answers its client. */
  async function account(email: string, quotas: Record<string, number>): Promise<ApiClient> {
    const credentials = { email, password: 'a long enough password' };
    await new ApiClient(node.url).expect(202, 'POST', '/api/v1/auth/signup', credentials);
    const { token } = await new ApiClient(node.url).expect<{ token: string }>(
      200,
      'POST',
      '/api/v1/auth/login',
      credentials,
    );
    const client = new ApiClient(node.url, token);
    const { accountId } = (
      await client.expect<{ user: { accountId: string } }>(200, 'GET', '/api/v1/auth/session')
    ).user;
    await operator.expect(200, 'PATCH', `/api/v1/accounts/${accountId}/quotas`, quotas);
    return client;
  }

  void it("keeps B's checks on time while A's 2,000 slow checks wait", async () => {
    const a = await account('flood@example.com', {
      monitors: FLOOD,
      minIntervalSeconds: 0,
      apiRequestsPerMinute: 0,
    });
    const b = await account('quiet@example.com', { minIntervalSeconds: 0 });
    // B is bound by the defaults the operator left: a body cap beyond 1 MiB is refused.
    const refused = await b.request('POST', '/api/v1/monitors', {
      name: 'b',
      type: 'http',
      url: `${quick.url}/`,
      intervalSeconds: 1,
      maxBodyBytes: 1 << 25,
    });
    assert.equal(refused.status, 403);

    for (let i = 0; i < FLOOD; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, FLOOD - i) }, (_, j) =>
          a.expect(201, 'POST', '/api/v1/monitors', {
            name: `flood ${i + j}`,
            type: 'http',
            url: `${slow.url}/${i + j}`,
            intervalSeconds: 5,
          }),
        ),
      );
    }
    const watchFrom = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < B_MONITORS; i++) {
      const created = await b.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
        name: `b ${i}`,
        type: 'http',
        url: `${quick.url}/`,
        intervalSeconds: B_INTERVAL_S,
      });
      ids.push(created.id);
    }
    await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
    // Slots up to 2 s ago have had time to be checked and stored.
    const until = Date.now() - 2000;

    const lateness: number[] = [];
    for (const id of ids) {
      const { items } = await b.expect<{ items: Result[] }>(
        200,
        'GET',
        `/api/v1/monitors/${id}/results?since=${watchFrom}&until=${until}&limit=1000`,
      );
      for (const result of items) lateness.push(result.checkedAt - result.slot);
    }
    // Every slot of B's from its first (within one interval of its creation) to `until`.
    const slots =
      B_MONITORS * Math.floor((until - watchFrom - B_INTERVAL_S * 1000) / (B_INTERVAL_S * 1000));
    const worst = Math.max(...lateness);
    assert.ok(
      lateness.length >= slots * 0.8,
      `B's checks ran for ${lateness.length} of about ${slots} slots (lateness ${lateness.join(', ')} ms)`,
    );
    assert.ok(worst <= MAX_LATENESS_MS, `B's checks started up to ${worst} ms after their slots`);

    // And A did flood: most of its slots found no room.
    const metrics = await fetch(`${node.url}/metrics`).then((reply) => reply.text());
    const missed = /tireless_scheduler_missed_slots_total\{reason="late"\} (\d+)/.exec(metrics);
    assert.ok(Number(missed?.[1]) > FLOOD, `slots missed for lack of room: ${missed?.[1]}`);
  });
});
