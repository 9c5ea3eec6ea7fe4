/** Synthetic config and results for in-process Store runs (ingest, query history). */
import { parseMonitorInput } from '../model/index.js';
import type { CheckedResult, Store } from '../store/index.js';

export const ACCOUNT_ID = 'acc_bench';

/** Adds the bench account and `count` HTTP monitors (ids mon_bench_0…) as the API stores them. */
export function applyMonitors(store: Store, count: number, intervalSeconds: number): string[] {
  store.applyConfig({
    kind: 'account',
    id: ACCOUNT_ID,
    accountId: ACCOUNT_ID,
    revision: 1,
    doc: { id: ACCOUNT_ID, accountId: ACCOUNT_ID, revision: 1, name: 'bench' },
  });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `mon_bench_${i}`;
    const fields = parseMonitorInput({
      name: `bench ${i}`,
      type: 'http',
      url: 'http://127.0.0.1:9/',
      intervalSeconds,
    });
    const doc = { ...fields, id, accountId: ACCOUNT_ID, revision: 1, createdAt: 0, updatedAt: 0 };
    store.applyConfig({ kind: 'monitor', id, accountId: ACCOUNT_ID, revision: 1, doc });
    ids.push(id);
  }
  return ids;
}

/**
 * A result as a checker makes it: up with a loopback-like latency, and down with one of a
 * few error texts every `downEvery` results, so errors and incidents cost what they cost.
 */
export function syntheticResult(
  monitorId: string,
  slot: number,
  seq: number,
  downEvery = 500,
): CheckedResult {
  const down = seq % downEvery === downEvery - 1;
  return {
    monitorId,
    slot,
    checkedAt: slot + (seq % 7),
    status: down ? 'down' : 'up',
    latencyMs: 1 + (seq % 23) / 10,
    ...(down ? { error: 'connect ECONNREFUSED 127.0.0.1:9' } : {}),
    node: 'node-bench',
    region: 'local',
  };
}
