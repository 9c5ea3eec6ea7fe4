/**
 * Settings from the environment, through the real binary: retention prunes old results at
 * start, the body limit refuses larger requests, the session limits bind, and X-Forwarded-For
 * is believed only from a trusted proxy (seen through the per-address rate limit on login).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { Store, type CheckedResult } from '../store/index.js';
import {
  ApiClient,
  OWNER,
  startOwnedNode,
  startTcpTarget,
  startTireless,
  tempDir,
} from '../testing/index.js';

const HOUR = 3_600_000;

test('retention, body limit and trusted proxies come from TIRELESS_* settings', async (t) => {
  const target = await startTcpTarget();
  const dataDir = tempDir();
  const { node: first, api } = await startOwnedNode(t, dataDir);
  t.after(() => target.close());
  const monitor = await api.expect<{ id: string; accountId: string }>(
    201,
    'POST',
    '/api/v1/monitors',
    // Paused: only the results written below are stored.
    { name: 'db', type: 'tcp', host: '127.0.0.1', port: target.port, paused: true },
  );
  assert.equal(await first.stop(), 0);

  // Results from 3 days to 1 hour old, written into the stopped node's database.
  const now = Date.now();
  const ages = [72, 48, 25, 23, 12, 1];
  const store = new Store(join(dataDir, 'tireless.db'));
  store.ingest(
    ages.map((hours): CheckedResult => ({
      monitorId: monitor.id,
      slot: now - hours * HOUR,
      checkedAt: now - hours * HOUR + 3,
      status: 'up',
      latencyMs: 3,
      node: 'node-old',
      region: 'local',
    })),
  );
  store.close();

  const node = await startTireless(dataDir, {
    env: {
      TIRELESS_RETENTION_DAYS: '1',
      TIRELESS_BODY_LIMIT_BYTES: '4096',
      TIRELESS_TRUSTED_PROXIES: '127.0.0.2',
      TIRELESS_AUTH_RATE_LIMIT_PER_MINUTE: '3',
      TIRELESS_SESSION_IDLE_MINUTES: '60',
      TIRELESS_SESSION_MAX_AGE_DAYS: '2',
    },
  });
  t.after(() => node.kill());
  const client = new ApiClient(node.url, api.token);

  // Retention: what is older than a day is gone at start; what is newer stays.
  const { items } = await client.expect<{ items: { slot: number }[] }>(
    200,
    'GET',
    `/api/v1/monitors/${monitor.id}/results?limit=100`,
  );
  assert.deepEqual(
    items.map((item) => Math.round((now - item.slot) / HOUR)),
    [1, 12, 23],
  );

  // Body limit: 413 above it, accepted below.
  const withBody = (size: number) => ({
    name: `b${size}`,
    type: 'http',
    url: 'http://127.0.0.1:9/',
    paused: true,
    body: 'x'.repeat(size),
  });
  const small = await client.request('POST', '/api/v1/monitors', withBody(3500));
  assert.equal(small.status, 201, JSON.stringify(small.body));
  const large = await client.request<{ error: { code: string } }>(
    'POST',
    '/api/v1/monitors',
    withBody(4200),
  );
  assert.equal(large.status, 413);
  assert.equal(large.body.error.code, 'TIRELESS_BODY_TOO_LARGE');

  // Session limits: the idle timeout binds a session made under the defaults too; the maximum
  // age is the session cookie's.
  const { items: sessions } = await client.expect<{
    items: { current: boolean; lastSeenAt: number; expiresAt: number }[];
  }>(200, 'GET', '/api/v1/sessions');
  const current = sessions.find((session) => session.current);
  assert.equal(current && current.expiresAt - current.lastSeenAt, 60 * 60_000);
  const browser = await fetch(`${node.url}/api/v1/auth/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(OWNER),
  });
  assert.equal(browser.status, 201);
  assert.match(browser.headers.get('set-cookie') ?? '', /; Max-Age=172800;/);

  // Trusted proxies: from 127.0.0.2 the forwarded address is the client (each its own
  // budget of 3 logins a minute); from 127.0.0.3 it is ignored, and the budget is its own.
  // Each series tries its own email: failures per email have a limit of their own.
  let series = 0;
  const statuses = async (from: string, forwardedFor: (i: number) => string, n: number) => {
    const email = `o${++series}@example.com`;
    const seen: number[] = [];
    for (let i = 0; i < n; i++) {
      seen.push(
        await post(`${node.url}/api/v1/auth/login`, from, forwardedFor(i), {
          email,
          password: 'wrong password',
        }),
      );
    }
    return seen;
  };
  assert.deepEqual(
    await statuses('127.0.0.2', (i) => `127.0.1.${i}`, 5),
    [401, 401, 401, 401, 401],
    'through the trusted proxy, five clients',
  );
  assert.deepEqual(
    await statuses('127.0.0.2', () => '127.0.2.1', 4),
    [401, 401, 401, 429],
    'through the trusted proxy, one client',
  );
  assert.deepEqual(
    await statuses('127.0.0.3', (i) => `127.0.3.${i}`, 4),
    [401, 401, 401, 429],
    'an untrusted sender cannot pick its address',
  );
});

/** POSTs JSON from a given local address with an X-Forwarded-For header; the status. */
function post(url: string, from: string, forwardedFor: string, body: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const sent = request(
      url,
      {
        method: 'POST',
        localAddress: from,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'x-forwarded-for': forwardedFor,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    sent.on('error', reject);
    sent.end(payload);
  });
}
