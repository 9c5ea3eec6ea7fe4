import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ConfigDoc } from '../cluster/index.js';
import { FakeClock } from '../clock/index.js';
import type { Monitor } from '../model/index.js';
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

  void it('refuses a token that cannot be one at once, with a 400 naming it, without waiting on the cluster', async () => {
    await createPush();
    let catchUps = 0;
    const caughtUp = api.deps.config.caughtUp.bind(api.deps.config);
    api.deps.config.caughtUp = () => {
      catchUps++;
      return caughtUp();
    };
    try {
      const malformed = ['x', 'a'.repeat(23), 'a'.repeat(129), `${'a'.repeat(30)}%24%2F..`];
      for (const token of malformed) {
        const reply = await api.call('GET', `/api/push/${token}`, { token: null });
        assert.equal(reply.statusCode, 400, token);
        assert.equal(errorOf(reply).code, 'TIRELESS_VALIDATION', token);
        assert.deepEqual(badFields(reply), ['token'], token);
      }
      assert.equal(catchUps, 0, 'no catch-up for a token no monitor can have');
      // Past the router's bounds (a 250-character token, a broken escape): the same error shape.
      for (const path of [`/api/push/${'a'.repeat(250)}`, '/api/push/%zz']) {
        const reply = await api.call('POST', path, { token: null });
        assert.equal(reply.statusCode, 400, path);
        assert.equal(errorOf(reply).code, 'TIRELESS_VALIDATION', path);
      }
      // A well-formed unknown token is looked for (after a catch-up) and not found.
      const unknown = await api.call('GET', `/api/push/${'b'.repeat(32)}`, { token: null });
      assert.equal(unknown.statusCode, 404);
      assert.equal(catchUps, 1);
    } finally {
      api.deps.config.caughtUp = caughtUp;
    }
  });

  void it('makes a fresh token on request (null), and follows a change of type', async () => {
    const monitor = await createPush();
    const rotated = await api.call('PATCH', `/api/v1/monitors/${monitor.id}`, {
      payload: { token: null },
    });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const { token } = rotated.json<PushMonitor>();
    assert.notEqual(token, monitor.token);
    assert.equal((await api.call('GET', monitor.pushUrl, { token: null })).statusCode, 404);
    assert.equal((await api.call('GET', `/api/push/${token}`, { token: null })).statusCode, 200);
    // Sending its own token back (a patch of something else, a replace) keeps it.
    const renamed = await api.call('PATCH', `/api/v1/monitors/${monitor.id}`, {
      payload: { name: 'renamed', token },
    });
    assert.equal(renamed.json<PushMonitor>().token, token);

    await api.call('PATCH', `/api/v1/monitors/${monitor.id}`, {
      payload: { type: 'tcp', host: 'db.example.com', port: 5432 },
    });
    assert.equal((await api.call('GET', `/api/push/${token}`, { token: null })).statusCode, 404);
  });

  void it('makes tokens of 192 random bits itself, and refuses a chosen one alike whether taken or free', async () => {
    const first = await createPush();
    assert.match(first.token, /^[A-Za-z0-9_-]{32}$/);
    const tries = [first.token, 'my-own-token-of-24-chars-or-more'];
    const replies = [];
    for (const token of tries) {
      replies.push(
        await api.call('POST', '/api/v1/monitors', {
          payload: { name: 'copy', type: 'push', token },
        }),
      );
    }
    const [taken, free] = replies;
    assert.ok(taken && free);
    assert.equal(taken.statusCode, 400);
    assert.deepEqual(badFields(taken), ['token']);
    assert.equal(taken.body, free.body, 'a taken token answers as a free one');
    const other = await createPush();
    const patched = await api.call('PATCH', `/api/v1/monitors/${other.id}`, {
      payload: { token: 'my-own-token-of-24-chars-or-more' },
    });
    assert.equal(patched.statusCode, 400);
    assert.deepEqual(badFields(patched), ['token']);
  });

  void it('keeps tokens chosen before, at every allowed length (24 to 128 characters)', async () => {
    for (const length of [24, 100, 101, 128]) {
      const monitor = await createPush();
      const stored = api.deps.store.getConfig<Monitor>('monitor', monitor.id);
      assert.ok(stored);
      const token = 'k'.repeat(length - 4) + String(length).padStart(4, '0');
      await api.deps.config.put<Monitor & ConfigDoc>(
        'monitor',
        { ...stored, token },
        stored.revision,
      );
      const reply = await api.call('POST', `/api/push/${token}`, { token: null });
      assert.equal(reply.statusCode, 200, `${length} characters: ${reply.body}`);
      assert.equal(api.deps.store.lastPushAt(monitor.id), clock.now());
      // Its own token sent back in a patch is still fine.
      const renamed = await api.call('PATCH', `/api/v1/monitors/${monitor.id}`, {
        payload: { name: `kept ${length}`, token },
      });
      assert.equal(renamed.statusCode, 200, renamed.body);
    }
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
