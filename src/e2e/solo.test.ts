/**
 * The whole loop through the real binary: setup, a monitor against a local HTTP server, a
 * webhook channel on a local receiver, down and up alerts, results, uptime, incidents,
 * metrics, graceful shutdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../store/index.js';
import {
  ApiClient,
  runTireless,
  makeCertificates,
  startHttpsTarget,
  startHttpTarget,
  startOwnedNode,
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
  // A data dir the node creates itself: readable by its owner only, like all it holds.
  const dataDir = join(tempDir(), 'data');
  const node = await startTireless(dataDir);
  t.after(async () => {
    await node.kill().catch(() => undefined);
    await target.close();
    await hooks.close();
  });
  assert.equal(statSync(dataDir).mode & 0o777, 0o700);
  for (const file of ['tireless.db', 'tireless.db-wal', 'secret.key']) {
    assert.equal(statSync(join(dataDir, file)).mode & 0o777, 0o600, file);
  }
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
      // Credentials, sealed at rest: the check thread must get them in the clear.
      url: `${target.url.replace('://', '://probe:url-secret@')}/health`,
      headers: { 'X-Api-Key': 'header-secret' },
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
  // The alert names the target without its credentials (nor their sealed form).
  assert.equal(body.monitor.target, `${target.url}/health`);
  assert.match(body.result.error, /503/);
  const checked = target.requests[0]!;
  assert.equal(checked.headers['x-api-key'], 'header-secret');
  const basic = Buffer.from('probe:url-secret').toString('base64');
  assert.equal(checked.headers.authorization, `Basic ${basic}`);
  const timestamp = String(down.headers['x-tireless-timestamp']);
  const signature = createHmac('sha256', 'shared-secret')
    .update(`${timestamp}.`)
    .update(down.rawBody)
    .digest('hex');
  assert.equal(down.headers['x-tireless-signature'], `t=${timestamp},v1=${signature}`);

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

  assert.equal(await node.stop(), 0, 'SIGTERM exits cleanly');
  assert.match(node.output(), /SIGTERM: stopping/);
});

test('SIGTERM: every request the target received, answered before the signal or after, has its stored result', async (t) => {
  // Answers after 300 ms, so that checks are in flight when the signal comes.
  // Before or after the signal by the order of events on this thread, not by clock readings
  // (an answer in the same millisecond as the signal could be either).
  let signalled = false;
  type Seen = { arrivedAt: number; arrivedBefore: boolean; answeredBefore?: boolean };
  const received = new Map<string, Seen[]>();
  const target = await startHttpTarget((request, response) => {
    const seen: Seen = { arrivedAt: Date.now(), arrivedBefore: !signalled };
    const path = request.url ?? '';
    received.set(path, [...(received.get(path) ?? []), seen]);
    setTimeout(() => {
      response.end('ok', () => (seen.answeredBefore = !signalled));
    }, 300);
  });
  const dataDir = tempDir();
  const { node, api } = await startOwnedNode(t, dataDir);
  t.after(() => target.close());
  const monitors: { id: string; accountId: string; path: string }[] = [];
  for (let i = 0; i < 8; i++) {
    const path = `/m${i}`;
    const created = await api.expect<{ id: string; accountId: string }>(
      201,
      'POST',
      '/api/v1/monitors',
      { name: `m${i}`, type: 'http', url: `${target.url}${path}`, intervalSeconds: 1 },
    );
    monitors.push({ ...created, path });
  }
  const all = () => [...received.values()].flat();
  await waitFor('three answered requests per monitor', () =>
    monitors.every(
      (m) => (received.get(m.path) ?? []).filter((r) => r.answeredBefore !== undefined).length >= 3,
    )
      ? true
      : undefined,
  );
  // Signal while a request waits for its answer.
  await waitFor('a request in flight', () =>
    all().some((r) => r.answeredBefore === undefined) ? true : undefined,
  );
  signalled = true;
  assert.equal(await node.stop(), 0, 'SIGTERM exits cleanly');
  const answeredBefore = all().filter((r) => r.answeredBefore === true);
  const inFlight = all().filter((r) => r.arrivedBefore && r.answeredBefore !== true);
  assert.ok(
    answeredBefore.length >= 24 && inFlight.length >= 1,
    `${answeredBefore.length} answered, ${inFlight.length} in flight`,
  );

  const store = new Store(join(dataDir, 'tireless.db'));
  t.after(() => store.close());
  for (const monitor of monitors) {
    const requests = received.get(monitor.path) ?? [];
    const stored = store
      .listResults(monitor.accountId, monitor.id, {
        since: 0,
        until: Number.MAX_SAFE_INTEGER,
        limit: 10_000,
      })
      .reverse();
    // One check at a time per monitor, one request per check: the k-th result (by slot) is
    // the k-th request's, and its slot came before the request arrived (a lost result would
    // pair a request with the next check's later slot).
    assert.equal(
      stored.length,
      requests.length,
      `${monitor.path}: ${stored.length} results for ${requests.length} requests`,
    );
    requests.forEach((request, k) => {
      const result = stored[k];
      assert.ok(
        result && result.slot <= request.arrivedAt,
        `${monitor.path}: request ${k} has no result`,
      );
      assert.equal(result.status, 'up');
    });
  }
});

test('a certificate that expires in 5 days: a certificate warning is delivered, once', async (t) => {
  const certs = await makeCertificates(tempDir(), { days: 5 });
  const site = await startHttpsTarget({ pair: certs.leaf });
  const hooks = await startRecordingHttpServer();
  const { api } = await startOwnedNode(t);
  t.after(async () => {
    await site.close();
    await hooks.close();
  });
  const channel = await api.expect<{ id: string }>(201, 'POST', '/api/v1/channels', {
    type: 'webhook',
    name: 'hooks',
    config: { url: `${hooks.url}/tireless` },
  });
  const monitor = await api.expect<{ id: string }>(201, 'POST', '/api/v1/monitors', {
    name: 'certificate',
    type: 'tls',
    host: '127.0.0.1',
    port: site.port,
    ca: certs.ca,
    warnDays: [30, 7],
    intervalSeconds: 1,
    channelIds: [channel.id],
  });
  const warnings = () =>
    hooks.requests.filter((r) => (r.json as { event?: string })?.event === 'certificate.expiring');
  const [warning] = await waitFor('the certificate warning', () =>
    warnings().length > 0 ? warnings() : undefined,
  );
  const body = warning?.json as {
    monitor: { id: string };
    certificate: { daysLeft: number; expiresAt: string };
  };
  assert.equal(body.monitor.id, monitor.id);
  const notAfter = new X509Certificate(certs.leaf.cert).validTo;
  assert.equal(body.certificate.expiresAt, new Date(notAfter).toISOString());
  assert.ok(body.certificate.daysLeft >= 4 && body.certificate.daysLeft <= 5, JSON.stringify(body));
  // Further checks of the same certificate, up and inside the same threshold, send nothing.
  const since = Date.now();
  await waitFor('three more up results', async () => {
    const { items } = await api.expect<{ items: Item[] }>(
      200,
      'GET',
      `/api/v1/monitors/${monitor.id}/results?limit=100`,
    );
    return items.filter((r) => r.slot > since && r.status === 'up').length >= 3 ? true : undefined;
  });
  assert.equal(warnings().length, 1, 'one warning per threshold');
});

test('a bad setting stops the start with a message naming it', async () => {
  const { code, stderr } = await runTireless(['start', '--port', 'seventy', '--data', tempDir()]);
  assert.equal(code, 1);
  assert.match(stderr, /port \(TIRELESS_PORT\)/);
  const env = await runTireless(['start', '--data', tempDir()], { TIRELESS_REGION: 'Mars Base' });
  assert.equal(env.code, 1);
  assert.match(env.stderr, /region \(TIRELESS_REGION\)/);
});
