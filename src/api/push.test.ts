import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../clock/index.js';
import { buildApi } from './build-api.js';
import { badFields, createTestApi, errorOf, type TestApi } from './testing.js';

type PushMonitor = { id: string; token: string; pushUrl: string };

void describe('push heartbeats', () => {
  const clock = new FakeClock(Date.UTC(2030, 0, 1));
  let api: TestApi;
  before(async () => {
    api = await createTestApi({ clock });
  });
  after(() => api.close());

  const createPush = async (extra: Record<string, unknown> = {}): Promise<PushMonitor> => {
    const reply = await api.call('POST', '/api/v1/monitors', {
      payload: { name: 'nightly backup', type: 'push', ...extra },
    });
    assert.equal(reply.statusCode, 201, reply.body);
    return reply.json<PushMonitor>();
  };

  void it('records a heartbeat by GET or POST, without a bearer token and with any body', async () => {
    const monitor = await createPush();
    assert.equal(monitor.pushUrl, `/api/push/${monitor.token}`);

    const get = await api.call('GET', monitor.pushUrl, { token: null });
    assert.equal(get.statusCode, 200);
    assert.deepEqual(get.json(), { ok: true });
    assert.equal(api.deps.store.lastPushAt(monitor.id), clock.now());

    clock.advance(60_000);
    const post = await api.call('POST', monitor.pushUrl, {
      token: null,
      payload: 'exit=0&duration=12',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(post.statusCode, 200);
    assert.equal(api.deps.store.lastPushAt(monitor.id), clock.now());
  });

  void it('answers 404 for an unknown token and for a deleted monitor', async () => {
    const unknown = await api.call('POST', '/api/push/no-such-token-anywhere-at-all', {
      token: null,
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(errorOf(unknown).code, 'TIRELESS_NOT_FOUND');

    const monitor = await createPush();
    await api.call('DELETE', `/api/v1/monitors/${monitor.id}`);
    assert.equal((await api.call('GET', monitor.pushUrl, { token: null })).statusCode, 404);
  });

  void it('follows a changed token and a change of type', async () => {
    const monitor = await createPush();
    const token = 'my-own-token-of-24-chars-or-more';
    await api.call('PATCH', `/api/v1/monitors/${monitor.id}`, { payload: { token } });
    assert.equal((await api.call('GET', monitor.pushUrl, { token: null })).statusCode, 404);
    assert.equal((await api.call('GET', `/api/push/${token}`, { token: null })).statusCode, 200);

    await api.call('PATCH', `/api/v1/monitors/${monitor.id}`, {
      payload: { type: 'tcp', host: 'db.example.com', port: 5432 },
    });
    assert.equal((await api.call('GET', `/api/push/${token}`, { token: null })).statusCode, 404);
  });

  void it('gives one token to one monitor only', async () => {
    const first = await createPush();
    const second = await api.call('POST', '/api/v1/monitors', {
      payload: { name: 'copy', type: 'push', token: first.token },
    });
    assert.equal(second.statusCode, 400);
    assert.deepEqual(badFields(second), ['token']);
  });

  void it('finds the push monitors that existed before the API started', async () => {
    const monitor = await createPush();
    const restarted = await buildApi(api.deps);
    try {
      const reply = await restarted.inject({ method: 'GET', url: monitor.pushUrl });
      assert.equal(reply.statusCode, 200);
    } finally {
      await restarted.close();
    }
  });
});
