/**
 * A push monitor's first period, through the real binary: a new monitor stays pending (no
 * result, no alert) until its job had one interval plus the grace to call, and so does one
 * resumed after a pause or whose interval was edited, though its last heartbeat is stale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startOwnedNode, waitFor, type ApiClient } from '../testing/index.js';

interface Result {
  status: string;
  slot: number;
  checkedAt: number;
  error: string | null;
}

test('push monitor: pending for one interval plus the grace after it is added, resumed or re-timed', async (t) => {
  const { api } = await startOwnedNode(t);
  const monitor = await api.expect<{
    id: string;
    pushUrl: string;
    status: string;
    createdAt: number;
  }>(201, 'POST', '/api/v1/monitors', {
    name: 'nightly job',
    type: 'push',
    intervalSeconds: 1,
    graceSeconds: 2,
  });
  assert.equal(monitor.status, 'unknown');
  const results = async () =>
    (
      await api.expect<{ items: Result[] }>(
        200,
        'GET',
        `/api/v1/monitors/${monitor.id}/results?limit=100`,
      )
    ).items;

  // Added: the first verdict comes after 1 s + 2 s, and it is down (the job never called).
  const { createdAt } = monitor;
  const first = await firstResultAfter(results, 0);
  assert.equal(first.status, 'down');
  assert.equal(first.error, 'no heartbeat received yet');
  assert.ok(first.checkedAt > createdAt + 3000, `down ${first.checkedAt - createdAt} ms after`);

  await api.expect(200, 'POST', monitor.pushUrl);
  await waitFor('an up result', async () =>
    (await results()).some((r) => r.status === 'up') ? true : undefined,
  );

  // Paused longer than the period: the heartbeat before the pause is stale on resuming.
  await patch(api, monitor.id, { paused: true });
  await sleep(3500);
  const resumed = Date.now();
  await patch(api, monitor.id, { paused: false });
  const afterResume = await firstResultAfter(results, resumed);
  assert.equal(afterResume.status, 'down');
  assert.ok(afterResume.checkedAt > resumed + 3000, `${afterResume.checkedAt - resumed} ms after`);

  // Its interval edited: the new period (2 s + 2 s) starts from the edit.
  const retimed = Date.now();
  await patch(api, monitor.id, { intervalSeconds: 2 });
  const afterEdit = await firstResultAfter(results, retimed);
  assert.equal(afterEdit.status, 'down');
  assert.ok(afterEdit.checkedAt > retimed + 4000, `${afterEdit.checkedAt - retimed} ms after`);
});

async function patch(api: ApiClient, id: string, fields: Record<string, unknown>): Promise<void> {
  await api.expect(200, 'PATCH', `/api/v1/monitors/${id}`, fields);
}

/**
 * The first result of a slot after the change made at `changedAt`, ms (a check of an earlier
 * slot, in flight then, may land after it); 0: the first result.
 */
async function firstResultAfter(
  results: () => Promise<Result[]>,
  changedAt: number,
): Promise<Result> {
  const after = await waitFor('a result after the change', async () => {
    const found = (await results()).filter((r) => r.slot > changedAt);
    return found.length > 0 ? found : undefined;
  });
  return after.reduce((a, b) => (a.checkedAt < b.checkedAt ? a : b));
}
