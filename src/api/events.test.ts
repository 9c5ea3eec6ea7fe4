/**
 * `GET /api/v1/events` over a real socket: a snapshot, then each judged result of the
 * caller's account and never another's, serialized once for all of its streams; the cap per
 * account; heartbeats; a slow reader gets its whole snapshot, a stuck one is cut off; the
 * server closes with streams open.
 */
import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { parseMonitorInput } from '../model/index.js';
import { openEventStream, waitFor, type EventStream } from '../testing/index.js';

type Received = EventStream['events'][number];
import { READ_PAGE_SIZE } from './paged-read.js';
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

/** A stream's response, not read until the caller reads it (until then the socket fills up). */
function openRaw(url: string, token: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    get(url, { headers: bearer(token) }, (reply) => {
      assert.equal(reply.statusCode, 200);
      reply.pause();
      resolve(reply);
    }).on('error', reject);
  });
}

async function createMonitor(api: TestApi, token: string, name: string): Promise<string> {
  const reply = await api.call('POST', '/api/v1/monitors', {
    token,
    payload: { name, type: 'http', url: 'https://shop.example.com' },
  });
  assert.equal(reply.statusCode, 201, reply.body);
  return reply.json<{ id: string }>().id;
}

function result(
  monitorId: string,
  status: 'up' | 'down',
  slot = 1_767_225_600_000,
  error = 'HTTP 503',
) {
  return {
    monitorId,
    slot,
    checkedAt: slot + 3,
    status,
    latencyMs: 42,
    ...(status === 'down' ? { error } : {}),
    node: 'node-test',
    region: 'local',
  };
}

/** `count` monitors of the owner's account written straight to the store (fast), ids in order. */
async function seedMonitors(api: TestApi, prefix: string, count: number): Promise<string[]> {
  const session = await api.call('GET', '/api/v1/auth/session');
  const accountId = session.json<{ user: { accountId: string } }>().user.accountId;
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
  for (const [i, id] of ids.entries()) {
    const fields = parseMonitorInput({ name: `m ${i}`, type: 'http', url: 'http://127.0.0.1:9/' });
    const doc = { ...fields, id, accountId, revision: 1, createdAt: 0, updatedAt: 0 };
    api.deps.store.applyConfig({ kind: 'monitor', id, accountId, revision: 1, doc });
  }
  return ids;
}

/** A listening API with two accounts (the owner's and `other`), a monitor each. */
async function twoAccounts(t: TestContext) {
  const api = await createTestApi({ settings: { signup: 'open' } });
  t.after(() => api.close());
  const url = `${await listen(api)}/api/v1/events`;
  const other = await signUp(api.app, 'other@example.com', 'other password long');
  const mine = await createMonitor(api, api.token, 'mine');
  const theirs = await createMonitor(api, other, 'theirs');
  return { api, url, other, mine, theirs };
}

void describe('GET /api/v1/events', () => {
  void it("streams the account's judged results after a snapshot; another account's never arrive", async (t) => {
    const { api, url, other, mine, theirs } = await twoAccounts(t);
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

  void it("serializes a batch once for all of an account's streams, and sends it only to them", async (t) => {
    const { api, url, other, mine, theirs } = await twoAccounts(t);
    const streams = await Promise.all(
      [api.token, api.token, api.token, other].map((token) => openStream(url, bearer(token))),
    );
    t.after(() => streams.forEach((stream) => stream.close()));
    const [a1, a2, a3, b] = streams as [EventStream, EventStream, EventStream, EventStream];
    await waitFor('the snapshots', () => (streams.every((s) => s.events[0]) ? true : undefined));
    // Each state item is made (and serialized) with one look at the maintenance calendar.
    const made = t.mock.method(api.deps.maintenance, 'covers');

    api.record([result(mine, 'down')]);
    await waitFor("a's three streams", () =>
      [a1, a2, a3].every((s) => s.events.length >= 2) ? true : undefined,
    );
    assert.equal(made.mock.callCount(), 1, 'one batch, serialized once for three streams');
    for (const stream of [a1, a2, a3]) {
      assert.deepEqual(stream.events[1]?.data, a1.events[1]?.data);
      assert.equal((stream.events[1]?.data as { monitorId: string }).monitorId, mine);
    }
    api.record([result(theirs, 'up')]);
    await waitFor("b's up", () => (b.events.length >= 2 ? true : undefined));
    assert.deepEqual(
      b.events.map((event) => (event.data as { monitorId?: string }).monitorId ?? event.event),
      ['snapshot', theirs],
    );
    for (const stream of [a1, a2, a3]) assert.equal(stream.events.length, 2, 'none of b');
  });

  void it('streams opening at once share one paged read of the snapshot; a change judged during it follows it', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const url = `${await listen(api)}/api/v1/events`;
    // 10 pages of READ_PAGE_SIZE, the last one short: the read lasts long enough for every
    // stream to join it.
    const ids = await seedMonitors(api, 'mon_page_', 9.5 * READ_PAGE_SIZE);
    const first = ids[0] ?? '';
    api.record([result(first, 'up')]);
    const whole = t.mock.method(api.deps.store, 'listScoped');
    const store = api.deps.store;
    const readPage = store.listScopedPage.bind(store);
    let pagesOfMonitors = 0;
    // Between the second page and the third (the event loop runs between pages), the first
    // monitor, on the page read already, goes down.
    t.mock.method(store, 'listScopedPage', (...args: Parameters<typeof readPage>) => {
      if (args[0] === 'monitor' && ++pagesOfMonitors === 2) {
        setImmediate(() => api.record([result(first, 'down', 1_767_225_660_000)]));
      }
      return readPage(...args);
    });

    const streams = await Promise.all(
      Array.from({ length: 8 }, () => openStream(url, bearer(api.token))),
    );
    t.after(() => streams.forEach((stream) => stream.close()));
    await waitFor('each snapshot and the change after it', () =>
      streams.every((stream) => stream.events.length >= 2) ? true : undefined,
    );
    assert.equal(pagesOfMonitors, 10, 'one read of 10 pages for the 8 streams');
    assert.deepEqual(
      whole.mock.calls.filter((call) => call.arguments[0] === 'monitor'),
      [],
      'no read of the whole account at once',
    );
    for (const stream of streams) {
      const [snapshot, change] = stream.events as [Received, Received];
      const items = (snapshot.data as { items: { monitorId: string; status: string }[] }).items;
      assert.equal(snapshot.event, 'snapshot');
      assert.equal(items.length, ids.length);
      assert.deepEqual(items[0], { ...items[0], monitorId: first, status: 'up' }, 'read before');
      assert.equal(change.event, 'state');
      assert.deepEqual(change.data, {
        ...(change.data as object),
        monitorId: first,
        status: 'down',
      });
    }
  });

  void it('a slow reader gets a snapshot bigger than the unsent cap; a stuck one is cut off', async (t) => {
    const api = await createTestApi({ settings: { eventHeartbeatMs: 50 } });
    t.after(() => api.close());
    const url = `${await listen(api)}/api/v1/events`;
    const session = await api.call('GET', '/api/v1/auth/session');
    const accountId = session.json<{ user: { accountId: string } }>().user.accountId;
    // A snapshot of ~8 MB: more than loopback's socket buffers take (~4 MB) plus the 1 MB cap.
    const count = 12_000;
    const ids = await seedMonitors(api, 'mon_slow_', count);
    const error = `HTTP 503: ${'upstream unavailable '.repeat(24)}`;
    api.record(ids.map((id) => result(id, 'down', 1_767_225_600_000, error)));

    // Slow: reads nothing for a while (heartbeats and an event queue up meanwhile), then all.
    const slow = await openRaw(url, api.token);
    t.after(() => slow.destroy());
    await new Promise((resolve) => setTimeout(resolve, 300));
    api.record([result(ids[0] ?? '', 'up', 1_767_225_660_000)]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    let text = '';
    let ended = false;
    slow.setEncoding('utf8');
    slow.on('data', (chunk: string) => (text += chunk));
    slow.on('close', () => (ended = true));
    slow.resume();
    await waitFor('the snapshot and the event', () =>
      text.includes('event: state\n') || ended ? true : undefined,
    );
    assert.equal(ended, false, 'the slow reader was cut off');
    const snapshot = /event: snapshot\ndata: (.*)\n\n/.exec(text)?.[1] ?? '';
    assert.ok(snapshot.length > 4_000_000, `the snapshot is ${snapshot.length} bytes`);
    assert.equal((JSON.parse(snapshot) as { items: unknown[] }).items.length, count);
    slow.destroy();
    await waitFor('the slow stream gone', () =>
      api.deps.events.listening(accountId) === 0 ? true : undefined,
    );

    // Stuck: never reads; what queues beyond the snapshot passes the cap, and it is closed.
    const stuck = await openRaw(url, api.token);
    t.after(() => stuck.destroy());
    assert.equal(api.deps.events.listening(accountId), 1);
    api.record(ids.slice(0, 2_000).map((id) => result(id, 'down', 1_767_225_720_000, error)));
    await waitFor('the stuck stream closed', () =>
      api.deps.events.listening(accountId) === 0 ? true : undefined,
    );
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
