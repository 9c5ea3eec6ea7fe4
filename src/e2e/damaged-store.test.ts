/**
 * A damaged database must not silence the node: pages of tireless.db overwritten before a
 * start, or under a running node, are found; the node goes on checking and alerting, writes
 * new results to a fresh store, says so in /healthz, /metrics and the log, and `tireless
 * restore` rebuilds one whole store from the damaged file and the fresh one.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store, type CheckedResult } from '../store/index.js';
import {
  ApiClient,
  damagePages,
  leafPages,
  runTireless,
  startOwnedNode,
  startRecordingHttpServer,
  startTireless,
  tempDir,
  waitFor,
  type RecordingHttpServer,
  type TablePage,
  type TirelessProcess,
} from '../testing/index.js';

interface Item {
  slot: number;
  status: string;
}

interface Health {
  status: string;
  reason?: string;
  recovery?: string;
}

/** Old results per history monitor, ingested straight into the stopped node's database. */
const HISTORY = 6000;

/**
 * A node with a webhook channel, a monitor of `target` alerting to it, and a monitor with a
 * long history (written while the node is stopped, 10 s apart, ending an hour ago): the
 * stopped node's data dir, ready to be damaged.
 */
async function preparedDataDir(
  t: TestContext,
  target: RecordingHttpServer,
  hooks: RecordingHttpServer,
) {
  const dataDir = tempDir();
  const { node: first, api } = await startOwnedNode(t, dataDir);
  const channel = await api.expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'hooks',
    config: { url: `${hooks.url}/tireless` },
  });
  const watched = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'watched',
    type: 'http',
    url: `${target.url}/health`,
    intervalSeconds: 1,
    channelIds: [channel.id],
  });
  const history = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'history',
    type: 'tcp',
    host: '127.0.0.1',
    port: target.port,
    intervalSeconds: 60,
  });
  const { node } = await api.expect<{ node: string }>(200, 'GET', '/healthz');
  await waitFor('an up result of the watched monitor', async () => {
    const { items } = await api.expect<{ items: Item[] }>(
      200,
      'GET',
      `/api/v1/monitors/${watched.id}/results`,
    );
    return items.some((r) => r.status === 'up') ? true : undefined;
  });
  assert.equal(await first.stop(), 0);

  const database = join(dataDir, 'tireless.db');
  const store = new Store(database);
  const start = Math.floor(Date.now() / 10_000) * 10_000 - 3_600_000 - HISTORY * 10_000;
  const old: CheckedResult[] = Array.from({ length: HISTORY }, (_, i) => ({
    monitorId: history.id,
    slot: start + i * 10_000,
    checkedAt: start + i * 10_000 + 4,
    status: 'up',
    latencyMs: 3,
    node,
    region: 'local',
  }));
  store.ingest(old);
  store.close();
  return { dataDir, database, token: api.token, watched: watched.id, history: history.id };
}

/** Every result in a database file (closed, checkpointed) as `monitorId/slot/node`. */
function resultsIn(file: string): Set<string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT m.id, r.slot, o.node FROM results r JOIN keys_monitor m ON m.n = r.monitor
         JOIN keys_origin o ON o.n = r.origin`,
      )
      .all() as { id: string; slot: number; node: string }[];
    return new Set(rows.map((row) => `${row.id}/${row.slot}/${row.node}`));
  } finally {
    db.close();
  }
}

/** Two results leaf pages next to each other, from the middle of the table (8 KiB). */
function middleLeaves(database: string): TablePage[] {
  const pages = leafPages(database, 'results');
  const middle = Math.floor(pages.length / 2);
  return pages.slice(middle, middle + 2);
}

async function health(url: string): Promise<{ status: number; body: Health }> {
  const reply = await fetch(`${url}/healthz`);
  return { status: reply.status, body: (await reply.json()) as Health };
}

async function degradedGauge(url: string): Promise<string | undefined> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  return /^tireless_store_degraded (\d)$/m.exec(text)?.[1];
}

async function newResults(api: ApiClient, monitorId: string, after: number): Promise<Item[]> {
  const { items } = await api.expect<{ items: Item[] }>(
    200,
    'GET',
    `/api/v1/monitors/${monitorId}/results?limit=1000`,
  );
  return items.filter((r) => r.slot > after);
}

test('pages overwritten before start: the node starts degraded, checks, alerts, and restore rebuilds one store', async (t) => {
  const target = await startRecordingHttpServer(() => ({ status: 200, body: 'ok' }));
  const hooks = await startRecordingHttpServer();
  t.after(async () => {
    await target.close();
    await hooks.close();
  });
  const prepared = await preparedDataDir(t, target, hooks);
  const before = resultsIn(prepared.database);
  const lost = damagePages(prepared.database, middleLeaves(prepared.database));
  assert.ok(lost > 50, `${lost} results on the damaged pages`);

  const node = await startTireless(prepared.dataDir);
  t.after(() => node.kill().catch(() => undefined));
  const startedAt = Date.now();
  const { status, body } = await health(node.url);
  assert.equal(status, 503);
  assert.equal(body.status, 'degraded');
  assert.match(body.reason ?? '', /quick_check|malformed|corrupt/i);
  assert.match(body.recovery ?? '', /tireless restore --from \S+ --data/);
  assert.equal(await degradedGauge(node.url), '1');
  const fresh = join(prepared.dataDir, 'tireless.fresh-1.db');
  assert.ok(existsSync(fresh));
  assert.match(
    node.output(),
    new RegExp(
      `To recover: stop the node, run \`tireless restore --from ${prepared.dataDir} --data`,
    ),
  );

  // Monitoring goes on: the config came over to the fresh store, results land there...
  const api = new ApiClient(node.url, prepared.token);
  await waitFor('new results in the fresh store', async () =>
    (await newResults(api, prepared.watched, startedAt - 1000)).length >= 2 ? true : undefined,
  );
  // ...and a down alert reaches the receiver.
  target.setResponder(() => ({ status: 500, body: 'broken' }));
  const down = await waitFor('the down alert', () =>
    hooks.requests.find((r) => (r.json as { event?: string })?.event === 'monitor.down'),
  );
  assert.equal((down.json as { monitor: { id: string } }).monitor.id, prepared.watched);
  assert.equal(await node.stop(), 0);

  // A restart stays on the fresh store, still degraded (nothing is restored yet).
  const again = await startTireless(prepared.dataDir);
  t.after(() => again.kill().catch(() => undefined));
  assert.equal((await health(again.url)).body.status, 'degraded');
  assert.match(again.output(), /degraded since an earlier run[^\n]*To recover: stop the node/);
  assert.equal(existsSync(join(prepared.dataDir, 'tireless.fresh-2.db')), false);
  assert.equal(await again.stop(), 0);

  const written = resultsIn(fresh);
  assert.ok(written.size >= 2);
  const restoredDir = tempDir();
  const restore = await runTireless(['restore', '--from', prepared.dataDir, '--data', restoredDir]);
  assert.equal(restore.code, 0, restore.stderr + restore.stdout);
  assert.match(restore.stdout, /tireless\.db is damaged/);
  const restored = resultsIn(join(restoredDir, 'tireless.db'));
  for (const key of written) assert.ok(restored.has(key), `new result ${key} restored`);
  const oldRestored = [...restored].filter((key) => before.has(key));
  for (const key of restored) assert.ok(before.has(key) || written.has(key), `${key} is real`);
  // Lost: the records of the two leaves, and at most the one parent record between them.
  assert.ok(oldRestored.length >= before.size - lost - 1, `${oldRestored.length} old results`);
  assert.ok(oldRestored.length <= before.size - lost);

  // The restored dir is sound: a node starts on it, not degraded.
  const healed = await startTireless(restoredDir);
  t.after(() => healed.kill().catch(() => undefined));
  assert.deepEqual((await health(healed.url)).status, 200);
  assert.equal(await healed.stop(), 0);
});

test('pages overwritten under a running node: found when SQLite reads them, and results go on being stored', async (t) => {
  const target = await startRecordingHttpServer(() => ({ status: 200, body: 'ok' }));
  const hooks = await startRecordingHttpServer();
  t.after(async () => {
    await target.close();
    await hooks.close();
  });
  const prepared = await preparedDataDir(t, target, hooks);
  const node: TirelessProcess = await startTireless(prepared.dataDir, {
    args: ['--log-level', 'info'],
  });
  t.after(() => node.kill().catch(() => undefined));
  // The background check of the sound file has passed: what follows is found by a read.
  await waitFor(
    'the full integrity check',
    () =>
      /"mode":"full"[^\n]*database integrity check passed/.test(node.output()) ? true : undefined,
    30_000,
  );
  assert.equal((await health(node.url)).status, 200);
  assert.equal(await degradedGauge(node.url), '0');

  const lost = damagePages(prepared.database, middleLeaves(prepared.database));
  assert.ok(lost > 50);
  // The node's connection still holds the old pages in its cache. A commit from another
  // connection makes it drop that cache, so its next reads come from the file.
  const other = new Database(prepared.database);
  other.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('test_touch', 'x')`).run();
  other.close();
  const api = new ApiClient(node.url, prepared.token);
  const damagedAt = Date.now();
  // Reading the whole history reads the damaged pages: answered from the fresh store, which has none.
  const history = await api.expect<{ items: Item[] }>(
    200,
    'GET',
    `/api/v1/monitors/${prepared.history}/results?limit=10000`,
  );
  assert.equal(history.items.length, 0);

  const { status, body } = await health(node.url);
  assert.equal(status, 503);
  assert.match(body.reason ?? '', /malformed|corrupt/i);
  assert.equal(await degradedGauge(node.url), '1');
  await waitFor('the quick check of the damaged file, in the log', () =>
    /"mode":"quick"[^\n]*database integrity check found damage/.test(node.output())
      ? true
      : undefined,
  );
  await waitFor('results stored after the damage', async () =>
    (await newResults(api, prepared.watched, damagedAt)).length >= 3 ? true : undefined,
  );
  assert.equal(await node.stop(), 0);
  const fresh = join(prepared.dataDir, 'tireless.fresh-1.db');
  assert.ok(statSync(fresh).size > 0);
  const stored = [...resultsIn(fresh)].filter((key) => key.startsWith(`${prepared.watched}/`));
  assert.ok(stored.length >= 3, `${stored.length} results in the fresh store`);
});
