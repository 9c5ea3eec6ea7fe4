/**
 * `GET /api/v1/events` over a real socket: a snapshot, then each judged result of the
 * caller's account and never another's; the cap per account; heartbeats; the server closes
 * with streams open.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openEventStream, waitFor, type EventStream } from '../testing/index.js';
import { bearer, createTestApi, signUp, type TestApi } from './testing.js';

async function openStream(url: string, headers: Record<string, string>): Promise<EventStream> {
  const stream = await openEventStream(url, headers);
  assert.match(stream.contentType, /^text\/event-stream/);
  assert.equal(stream.headers.get('x-content-type-options'), 'nosniff');
  return stream;
}

function listen(api: TestApi): Promise<string> {
  return api.app.listen({ port: 0, host: '127.0.0.1' });
}

async function createMonitor(api: TestApi, token: string, name: string): Promise<string> {
  const reply = await api.call('POST', '/api/v1/monitors', {
    token,
    payload: { name, type: 'http', url: 'https://shop.example.com' },
  });
  assert.equal(reply.statusCode, 201, reply.body);
  return reply.json<{ id: string }>().id;
}

function result(monitorId: string, status: 'up' | 'down', slot = 1_767_225_600_000) {
  return {
    monitorId,
    slot,
    checkedAt: slot + 3,
    status,
    latencyMs: 42,
    ...(status === 'down' ? { error: 'HTTP 503' } : {}),
    node: 'node-test',
    region: 'local',
  };
}

void describe('GET /api/v1/events', () => {
  void it("streams the account's judged results after a snapshot; another account's never arrive", async (t) => {
    const api = await createTestApi({ settings: { signup: 'open' } });
    t.after(() => api.close());
    const url = `${await listen(api)}/api/v1/events`;
    const other = await signUp(api.app, 'other@example.com', 'other password long');
    const mine = await createMonitor(api, api.token, 'mine');
    const theirs = await createMonitor(api, other, 'theirs');
    api.record([result(mine, 'up')]);

    const a = await openStream(url, bearer(api.token));
    const b = await openStream(url, bearer(other));
    t.after(() => {
      a.close();
      b.close();
    });
    await waitFor('both snapshots', () => (a.events[0] && b.events[0] ? true : undefined));
    assert.deepEqual(a.events[0], {
      event: 'snapshot',
      data: {
        items: [
          {
            monitorId: mine,
            status: 'up',
            inMaintenance: false,
            latest: {
              slot: 1_767_225_600_000,
              checkedAt: 1_767_225_600_003,
              status: 'up',
              latencyMs: 42,
              error: null,
              node: 'node-test',
              region: 'local',
            },
          },
        ],
      },
    });
    assert.deepEqual(b.events[0], {
      event: 'snapshot',
      data: {
        items: [{ monitorId: theirs, status: 'unknown', inMaintenance: false, latest: null }],
      },
    });

    api.record([result(mine, 'down', 1_767_225_660_000)]);
    await waitFor("a's down", () => (a.events.length >= 2 ? true : undefined));
    assert.deepEqual(a.events[1], {
      event: 'state',
      data: {
        monitorId: mine,
        status: 'down',
        inMaintenance: false,
        latest: {
          slot: 1_767_225_660_000,
          checkedAt: 1_767_225_660_003,
          status: 'down',
          latencyMs: 42,
          error: 'HTTP 503',
          node: 'node-test',
          region: 'local',
        },
      },
    });
    // B's own event comes after A's: had A's been sent to B, it would be there before it.
    api.record([result(theirs, 'up')]);
    await waitFor("b's up", () => (b.events.length >= 2 ? true : undefined));
    assert.deepEqual(
      b.events.map((event) => (event.data as { monitorId?: string }).monitorId ?? event.event),
      ['snapshot', theirs],
    );
    assert.equal(a.events.length, 2, "a hears nothing of b's monitor");
  });

  void it('takes the session cookie (an EventSource sends it) and refuses no credentials', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const base = await listen(api);
    const login = await api.call('POST', '/api/v1/auth/session', {
      token: null,
      payload: api.owner,
    });
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? '';
    const stream = await openStream(`${base}/api/v1/events`, { cookie });
    t.after(() => stream.close());
    await waitFor('the snapshot', () => stream.events[0]);
    assert.equal((await fetch(`${base}/api/v1/events`)).status, 401);
  });

  void it('caps the streams of one account, and sends heartbeats', async (t) => {
    const api = await createTestApi({ settings: { eventHeartbeatMs: 50 } });
    t.after(() => api.close());
    const url = `${await listen(api)}/api/v1/events`;
    const session = await api.call('GET', '/api/v1/auth/session');
    const accountId = session.json<{ user: { accountId: string } }>().user.accountId;
    const held = Array.from({ length: api.deps.events.maxPerAccount - 1 }, () =>
      api.deps.events.subscribe(accountId, () => undefined),
    );
    const last = await openStream(url, bearer(api.token));
    await waitFor('a heartbeat', () => (last.comments.length > 0 ? true : undefined));
    assert.deepEqual(last.comments.slice(0, 1), [': keep-alive']);

    const refused = await fetch(url, { headers: bearer(api.token) });
    assert.equal(refused.status, 429);
    assert.match(await refused.text(), /event streams open already/);

    last.close();
    await waitFor('the place freed', () =>
      api.deps.events.listening(accountId) < api.deps.events.maxPerAccount ? true : undefined,
    );
    const again = await openStream(url, bearer(api.token));
    again.close();
    for (const stop of held) stop?.();
  });

  void it('the server closes while streams are open', async (t) => {
    const api = await createTestApi();
    let closed = false;
    t.after(() => (closed ? undefined : api.close()));
    const stream = await openStream(`${await listen(api)}/api/v1/events`, bearer(api.token));
    await waitFor('the snapshot', () => stream.events[0]);
    await api.close();
    closed = true;
  });
});
