/** `tireless backup` of a running node and `tireless restore` into a new data dir, through the binary. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  ApiClient,
  runTireless,
  startRecordingHttpServer,
  startTireless,
  tempDir,
  waitFor,
} from '../testing/index.js';

test('a backup taken while the node runs restores into a node with every result and secret', async (t) => {
  const target = await startRecordingHttpServer();
  const dataDir = tempDir();
  const node = await startTireless(dataDir);
  t.after(async () => {
    await node.kill().catch(() => undefined);
    await target.close();
  });
  const api = new ApiClient(node.url);
  api.token = (
    await api.expect<{ token: string }>(201, 'POST', '/api/v1/setup', {
      email: 'b@example.com',
      password: 'backup password',
    })
  ).token;
  const channel = await api.expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'w',
    config: { url: target.url, secret: 's3cret' },
  });
  const monitor = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'm',
    type: 'http',
    url: target.url,
    intervalSeconds: 1,
    channelIds: [channel.id],
  });
  const results = (client: ApiClient) =>
    client.expect<{ items: { slot: number }[] }>(
      200,
      'GET',
      `/api/v1/monitors/${monitor.id}/results?limit=10000`,
    );
  await waitFor('three results', async () =>
    (await results(api)).items.length >= 3 ? true : undefined,
  );

  const out = join(tempDir(), 'tireless.backup');
  const before = (await results(api)).items.length;
  const backup = await runTireless(['backup', '--data', dataDir, '--out', out]);
  assert.equal(backup.code, 0, backup.stderr);
  assert.match(backup.stdout, /integrity|verified|ok/i);
  const again = await runTireless(['backup', '--data', dataDir, '--out', out]);
  assert.equal(again.code, 1, 'an existing backup is not overwritten');
  assert.match(again.stderr, /exists/);

  const restoredDir = join(tempDir(), 'restored');
  const restore = await runTireless(['restore', '--from', out, '--data', restoredDir]);
  assert.equal(restore.code, 0, restore.stderr);
  const restored = await startTireless(restoredDir);
  t.after(() => restored.kill());
  const client = new ApiClient(restored.url, api.token);
  assert.ok((await results(client)).items.length >= before);
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
