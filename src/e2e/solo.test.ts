/**
 * The whole loop through the real binary: setup, a monitor against a local HTTP server, a
 * webhook channel on a local receiver, down and up alerts, results, uptime, incidents,
 * metrics, graceful shutdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  ApiClient,
  runTireless,
  startRecordingHttpServer,
  startTireless,
  tempDir,
  waitFor,
} from '../testing/index.js';

interface Item {
  status: string;
  slot: number;
  node: string;
}

test('solo node: checks, records, alerts down and up, and stops gracefully', async (t) => {
  const target = await startRecordingHttpServer(() => ({ status: 200, body: 'all good' }));
  const hooks = await startRecordingHttpServer();
  const node = await startTireless(tempDir());
  t.after(async () => {
    await node.kill().catch(() => undefined);
    await target.close();
    await hooks.close();
  });
  assert.match(
    node.output(),
    /First run: create the owner account at http:\/\/127\.0\.0\.1:\d+\/setup/,
  );

  const api = new ApiClient(node.url);
  const { token } = await api.expect<{ token: string }>(201, 'POST', '/api/v1/setup', {
    email: 'owner@example.com',
    password: 'correct horse battery',
  });
  api.token = token;
  await api.expect(409, 'POST', '/api/v1/setup', {
    email: 'x@example.com',
    password: 'another password',
  });

  const channel = await api.expect<{ id: string; config: { secret: string } }>(
    201,
    'POST',
    '/api/v1/channels',
    {
      type: 'webhook',
      name: 'hooks',
      config: { url: `${hooks.url}/tireless`, secret: 'shared-secret' },
    },
  );
  assert.equal(channel.config.secret, '********');
  const monitor = await api.expect<{ id: string; intervalSeconds: number }>(
    201,
    'POST',
    '/api/v1/monitors',
    {
      name: 'local target',
      type: 'http',
      url: `${target.url}/health`,
      intervalSeconds: 1,
      channelIds: [channel.id],
    },
  );

  const results = (limit = 100) =>
    api.expect<{ items: Item[] }>(
      200,
      'GET',
      `/api/v1/monitors/${monitor.id}/results?limit=${limit}`,
    );
  await waitFor('two up results', async () =>
    (await results()).items.filter((r) => r.status === 'up').length >= 2 ? true : undefined,
  );

  target.setResponder(() => ({ status: 503, body: 'maintenance' }));
  const down = await waitFor('the down alert', () =>
    hooks.requests.find((r) => (r.json as { event?: string })?.event === 'monitor.down'),
  );
  const body = down.json as {
    event: string;
    monitor: { id: string; target: string };
    incident: { id: string };
    result: { error: string };
  };
  assert.equal(body.monitor.id, monitor.id);
  assert.match(body.result.error, /503/);
  const signature = createHmac('sha256', 'shared-secret').update(down.rawBody).digest('hex');
  assert.equal(down.headers['x-tireless-signature'], `sha256=${signature}`);

  target.setResponder(() => ({ status: 200, body: 'back' }));
  const up = await waitFor('the up alert', () =>
    hooks.requests.find((r) => (r.json as { event?: string })?.event === 'monitor.up'),
  );
  assert.equal(
    (up.json as { incident: { id: string; ended?: string } }).incident.id,
    body.incident.id,
  );
  assert.ok((up.json as { incident: { ended?: string } }).incident.ended);
  assert.equal(
    hooks.requests.filter((r) => (r.json as { event?: string })?.event === 'monitor.down').length,
    1,
    'one down alert per transition',
  );

  const incidents = await api.expect<{ items: { id: string; endedAt: number | null }[] }>(
    200,
    'GET',
    `/api/v1/incidents?monitorId=${monitor.id}`,
  );
  assert.equal(incidents.items.length, 1);
  assert.ok(incidents.items[0]?.endedAt);

  const { items } = await results();
  const slots = items.map((r) => r.slot);
  assert.equal(new Set(slots).size, slots.length, 'one result per slot');
  for (let i = 1; i < slots.length; i++)
    assert.equal(
      ((slots[i - 1] as number) - (slots[i] as number)) % 1000,
      0,
      'slots on a 1 s grid',
    );
  const uptime = await api.expect<{ uptime: number; checks: number }>(
    200,
    'GET',
    `/api/v1/monitors/${monitor.id}/uptime?window=24h`,
  );
  assert.ok(
    uptime.checks >= items.length - 1 && uptime.uptime > 0 && uptime.uptime < 1,
    JSON.stringify(uptime),
  );

  const metrics = await fetch(`${node.url}/metrics`).then((r) => r.text());
  assert.match(metrics, /tireless_checks_total\{type="http",status="down"\} [1-9]/);
  assert.match(metrics, /tireless_scheduler_lateness_seconds_count [1-9]/);

  const before = (await results(10_000)).items.length;
  assert.equal(await node.stop(), 0, 'SIGTERM exits cleanly');
  assert.match(node.output(), /SIGTERM: stopping/);
  const again = await startTireless(tempDirFromOutput(node.output()));
  t.after(() => again.kill());
  const kept = await new ApiClient(again.url, token).expect<{ items: Item[] }>(
    200,
    'GET',
    `/api/v1/monitors/${monitor.id}/results?limit=10000`,
  );
  assert.ok(
    kept.items.length >= before,
    `${kept.items.length} results after restart, ${before} before`,
  );
});

test('a bad setting stops the start with a message naming it', async () => {
  const { code, stderr } = await runTireless(['start', '--port', 'seventy', '--data', tempDir()]);
  assert.equal(code, 1);
  assert.match(stderr, /port \(TIRELESS_PORT\)/);
  const env = await runTireless(['start', '--data', tempDir()], { TIRELESS_REGION: 'Mars Base' });
  assert.equal(env.code, 1);
  assert.match(env.stderr, /region \(TIRELESS_REGION\)/);
});

function tempDirFromOutput(output: string): string {
  const match = /data in (\S+)\)/.exec(output);
  assert.ok(match, output);
  return match[1] as string;
}
