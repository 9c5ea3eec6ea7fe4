/** `tireless backup` of a running node and `tireless restore` into a new data dir, through the binary. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Store, type StoredResult } from '../store/index.js';
import {
  ApiClient,
  runTireless,
  startRecordingHttpServer,
  startOwnedNode,
  startTireless,
  tempDir,
  waitFor,
} from '../testing/index.js';

test('a backup taken while the node runs restores into a node with every result and secret', async (t) => {
  const target = await startRecordingHttpServer();
  const dataDir = tempDir();
  const { api } = await startOwnedNode(t, dataDir);
  t.after(() => target.close());
  const channel = await api.expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'w',
    config: { url: target.url, secret: 's3cret' },
  });
  const monitor = await api.expect<{ id: string; accountId: string }>(
    201,
    'POST',
    '/api/v1/monitors',
    {
      name: 'm',
      type: 'http',
      url: target.url,
      intervalSeconds: 1,
      channelIds: [channel.id],
    },
  );
  const { accountId } = monitor;
  const resultsPath = `/api/v1/monitors/${monitor.id}/results?limit=10000`;
  const answered = async (client: ApiClient) =>
    resultSet((await client.expect<{ items: StoredResult[] }>(200, 'GET', resultsPath)).items);
  await waitFor('three results', async () => ((await answered(api)).size >= 3 ? true : undefined));

  const out = join(tempDir(), 'tireless.backup');
  const before = await answered(api);
  // --with-key: the key travels with this backup (by default it is kept apart).
  const backup = await runTireless(['backup', '--data', dataDir, '--out', out, '--with-key']);
  assert.equal(backup.code, 0, backup.stderr);
  const after = await answered(api);
  const again = await runTireless(['backup', '--data', dataDir, '--out', out, '--with-key']);
  assert.equal(again.code, 1, 'an existing backup is not overwritten');
  assert.match(again.stderr, new RegExp(`${escape(out)} already exists`));

  // The copy holds every result the node had answered for before it, and none it had not
  // answered for after it: one moment of the node's results.
  const copy = new Store(out);
  const inCopy = resultSet(
    copy.listResults(accountId, monitor.id, {
      since: 0,
      until: Number.MAX_SAFE_INTEGER,
      limit: 1e6,
    }),
  );
  copy.close();
  for (const result of before) assert.ok(inCopy.has(result), `${result} missing from the backup`);
  for (const result of inCopy)
    assert.ok(after.has(result), `${result} in the backup, not on the node`);
  assert.match(
    backup.stdout,
    new RegExp(
      `^backup written: ${escape(out)} \\([^,]+, ${inCopy.size} results, 1 monitors\\) in .*, verified by SQLite's integrity check$`,
      'm',
    ),
  );

  const restoredDir = join(tempDir(), 'restored');
  const restore = await runTireless(['restore', '--from', out, '--data', restoredDir]);
  assert.equal(restore.code, 0, restore.stderr);
  const restored = await startTireless(restoredDir);
  t.after(() => restored.kill());
  const client = new ApiClient(restored.url, api.token);
  // The restored node checks on: its own new results come after the restore.
  const restoredAt = Date.now();
  const onRestored = await answered(client);
  for (const result of inCopy) assert.ok(onRestored.has(result), `${result} lost in the restore`);
  for (const result of onRestored)
    assert.ok(
      inCopy.has(result) || (JSON.parse(result) as StoredResult).slot > restoredAt - 2000,
      `${result} appeared in the restore`,
    );
  // The channel secret was sealed with the key that travelled with the backup: a test send works.
  const sent = target.requests.length;
  await client.expect(202, 'POST', `/api/v1/channels/${channel.id}/test`);
  await waitFor('the test notification', () =>
    target.requests
      .slice(sent)
      .some((r) => (r.json as { event?: string } | undefined)?.event === 'test')
      ? true
      : undefined,
  );
});

/** Results as a set of their every field, in one key order, to compare copies exactly. */
function resultSet(results: readonly StoredResult[]): Set<string> {
  return new Set(
    results.map(({ slot, checkedAt, status, latencyMs, error, node, region }) =>
      JSON.stringify({ slot, checkedAt, status, latencyMs, error, node, region }),
    ),
  );
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
