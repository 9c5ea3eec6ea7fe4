/**
 * Sessions end when idle or old (and go from the store), without a config write per request;
 * a user lists and ends their own sessions (nobody else's); a password change ends the other
 * sessions; API tokens can expire and can be read-only, which every changing route obeys.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ConfigDoc } from '../cluster/index.js';
import { FakeClock } from '../clock/index.js';
import type { Token, User } from '../model/index.js';
import { badFields, bearer, createTestApi, errorOf, signUp, type TestApi } from './testing.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const HTTP_MONITOR = { name: 'shop', type: 'http', url: 'https://shop.example.com' };

interface SessionItem {
  id: string;
  name: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

function idOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Logs in (as the owner by default) from `ip` with `userAgent`; the session's secret. */
async function login(
  api: TestApi,
  as: { email: string; password: string } = api.owner,
  userAgent = 'test-agent',
  ip = '127.0.0.1',
): Promise<string> {
  const reply = await api.call('POST', '/api/v1/auth/login', {
    token: null,
    payload: as,
    headers: { 'user-agent': userAgent },
    remoteAddress: ip,
  });
  assert.equal(reply.statusCode, 200, reply.body);
  return reply.json<{ token: string }>().token;
}

async function sessionsOf(api: TestApi, token: string): Promise<SessionItem[]> {
  const reply = await api.call('GET', '/api/v1/sessions', { token });
  assert.equal(reply.statusCode, 200, reply.body);
  return reply.json<{ items: SessionItem[] }>().items;
}

/** The status of a read with `token`. */
async function readWith(api: TestApi, token: string): Promise<number> {
  return (await api.call('GET', '/api/v1/monitors', { token })).statusCode;
}

/** Adds a member user to the owner's account (there is no route for it yet). */
async function addMember(api: TestApi): Promise<{ email: string; password: string }> {
  const owner = api.deps.store.findUserByEmail<User>(api.owner.email);
  assert.ok(owner);
  const member = { email: 'member@example.com', password: 'member-password' };
  const hasher = api.deps.passwords;
  assert.ok(hasher);
  const now = api.deps.clock.now();
  await api.deps.config.put<User & ConfigDoc>(
    'user',
    {
      id: 'usr_member',
      accountId: owner.accountId,
      email: member.email,
      passwordHash: await hasher.hash(member.password),
      role: 'member',
      createdAt: now,
      updatedAt: now,
    },
    0,
  );
  return member;
}

/** Counts the config writes of tokens from now on. */
function tokenWrites(api: TestApi): () => number {
  let writes = 0;
  api.deps.config.onChange((change) => {
    if (change.kind === 'token') writes++;
  });
  return () => writes;
}

void describe('session limits', () => {
  void it('a session unused for the idle timeout answers 401 and is removed; use keeps it alive', async (t) => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const api = await createTestApi({ clock, settings: { sessionIdleMs: 60 * MIN } });
    t.after(() => api.close());
    const session = await login(api);
    const idle = await login(api);

    clock.advance(60 * MIN - 1);
    assert.equal(await readWith(api, session), 200, 'a moment before the idle timeout');
    clock.advance(60 * MIN - 1);
    assert.equal(await readWith(api, session), 200, 'the use restarted its idle clock');
    assert.equal(await readWith(api, idle), 401, 'the unused one ended');
    assert.equal(api.deps.store.getConfig('token', idOf(idle)), undefined, 'and is gone');
    assert.equal(
      errorOf(await api.call('GET', '/api/v1/monitors', { token: idle })).code,
      'TIRELESS_UNAUTHORIZED',
    );

    clock.advance(60 * MIN);
    assert.equal(await readWith(api, session), 401);
    assert.equal(api.deps.store.getConfig('token', idOf(session)), undefined);
  });

  void it('a session ends at its maximum age however much it is used', async (t) => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const api = await createTestApi({
      clock,
      settings: { sessionTtlMs: 3 * DAY, sessionIdleMs: DAY },
    });
    t.after(() => api.close());
    const session = await login(api);
    for (let hour = 1; hour < 72; hour++) {
      clock.advance(60 * MIN);
      assert.equal(await readWith(api, session), 200, `hour ${hour}`);
    }
    clock.advance(60 * MIN);
    assert.equal(await readWith(api, session), 401, 'three days after login');
    assert.equal(api.deps.store.getConfig('token', idOf(session)), undefined);
  });

  void it('records use at most once per 5 minutes, not once per request', async (t) => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const api = await createTestApi({ clock });
    t.after(() => api.close());
    const session = await login(api);
    const writes = tokenWrites(api);
    const seen = () => api.deps.store.getConfig<Token>('token', idOf(session))?.lastSeenAt;
    const loginAt = clock.now();

    for (let i = 0; i < 50; i++) assert.equal(await readWith(api, session), 200);
    clock.advance(5 * MIN - 1);
    for (let i = 0; i < 50; i++) assert.equal(await readWith(api, session), 200);
    assert.equal(writes(), 0, '100 requests within 5 minutes of login: no write');
    assert.equal(seen(), loginAt);

    clock.advance(1);
    for (let i = 0; i < 50; i++) assert.equal(await readWith(api, session), 200);
    assert.equal(writes(), 1, 'one write once 5 minutes passed, for 50 requests');
    assert.equal(seen(), loginAt + 5 * MIN);
  });

  void it('an API token does not expire by the session limits, nor costs a write per use', async (t) => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const api = await createTestApi({ clock, settings: { sessionIdleMs: 60 * MIN } });
    t.after(() => api.close());
    const token = (await api.call('POST', '/api/v1/tokens', { payload: { name: 'cron' } })).json<{
      token: string;
    }>().token;
    const writes = tokenWrites(api);
    clock.advance(400 * DAY);
    assert.equal(await readWith(api, token), 200);
    assert.equal(writes(), 0);
  });
});

void describe('listing and ending sessions', () => {
  void it("lists the caller's own sessions with where they came from, the current one marked", async (t) => {
    const api = await createTestApi({ settings: { signup: 'open' } });
    t.after(() => api.close());
    const laptop = await login(api, api.owner, 'Firefox on a laptop', '127.0.0.2');
    const phone = await login(api, api.owner, 'Safari on a phone', '127.0.0.3');
    const member = await login(api, await addMember(api));
    const stranger = await signUp(api.app, 'stranger@example.com', 'stranger-password');

    const items = await sessionsOf(api, laptop);
    const ids = [idOf(api.token), idOf(laptop), idOf(phone)];
    assert.deepEqual(items.map((item) => item.id).sort(), [...ids].sort(), "no other user's");
    const byId = new Map(items.map((item) => [item.id, item]));
    assert.deepEqual(
      [byId.get(idOf(laptop))?.userAgent, byId.get(idOf(laptop))?.ip, byId.get(idOf(laptop))?.name],
      ['Firefox on a laptop', '127.0.0.2', 'login'],
    );
    assert.equal(byId.get(idOf(phone))?.ip, '127.0.0.3');
    assert.deepEqual(
      items.filter((item) => item.current).map((item) => item.id),
      [idOf(laptop)],
    );
    const reply = await api.call('GET', '/api/v1/sessions', { token: laptop });
    for (const secret of [api.token, laptop, phone, member, stranger]) {
      assert.ok(!reply.body.includes(secret), 'no secret in the list');
    }
    assert.deepEqual(
      (await sessionsOf(api, member)).map((item) => item.id),
      [idOf(member)],
    );
  });

  void it("ends one session everywhere; another user's or another account's id is not found", async (t) => {
    const api = await createTestApi({ settings: { signup: 'open' } });
    t.after(() => api.close());
    const laptop = await login(api);
    const phone = await login(api);
    const member = await login(api, await addMember(api));
    const stranger = await signUp(api.app, 'stranger@example.com', 'stranger-password');

    for (const other of [member, stranger]) {
      const refused = await api.call('DELETE', `/api/v1/sessions/${idOf(other)}`, {
        token: laptop,
      });
      assert.equal(refused.statusCode, 404);
      assert.equal(errorOf(refused).code, 'TIRELESS_NOT_FOUND');
      assert.equal(await readWith(api, other), 200, 'still alive');
    }
    // Nor through the API tokens' route: sessions are each user's own.
    const viaTokens = await api.call('DELETE', `/api/v1/tokens/${idOf(member)}`, { token: laptop });
    assert.equal(viaTokens.statusCode, 404);
    assert.equal(await readWith(api, member), 200);

    const ended = await api.call('DELETE', `/api/v1/sessions/${idOf(phone)}`, { token: laptop });
    assert.equal(ended.statusCode, 204);
    assert.equal(await readWith(api, phone), 401);
    assert.equal(await readWith(api, laptop), 200);
    assert.equal(
      (await api.call('DELETE', `/api/v1/sessions/${idOf(phone)}`, { token: laptop })).statusCode,
      404,
      'ended already',
    );
  });

  void it('a browser ending its own session by id loses its cookie too', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const signIn = await api.call('POST', '/api/v1/auth/session', {
      token: null,
      payload: api.owner,
    });
    const cookie = String(signIn.headers['set-cookie']).split(';')[0] ?? '';
    const { csrfToken } = signIn.json<{ csrfToken: string }>();
    const browser = { cookie, 'x-csrf-token': csrfToken };
    const [current] = (
      await api.call('GET', '/api/v1/sessions', { token: null, headers: { cookie } })
    )
      .json<{ items: SessionItem[] }>()
      .items.filter((item) => item.current);
    assert.ok(current);
    assert.equal(current.name, 'browser');
    const reply = await api.call('DELETE', `/api/v1/sessions/${current.id}`, {
      token: null,
      headers: browser,
    });
    assert.equal(reply.statusCode, 204);
    assert.match(String(reply.headers['set-cookie']), /^tireless_session=; Path=\/; Max-Age=0;/);
    const after = await api.call('GET', '/api/v1/monitors', { token: null, headers: { cookie } });
    assert.equal(after.statusCode, 401);
  });

  void it('logging out everywhere ends every other session of the user, keeps this one and API tokens', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const here = await login(api);
    const others = [await login(api), await login(api)];
    const member = await login(api, await addMember(api));
    const apiToken = (await api.call('POST', '/api/v1/tokens', { payload: { name: 'ci' } })).json<{
      token: string;
    }>().token;

    const reply = await api.call('DELETE', '/api/v1/sessions', { token: here });
    assert.equal(reply.statusCode, 200, reply.body);
    assert.deepEqual(reply.json(), { ended: 3 }, "setup's session and the two others");
    for (const ended of [api.token, ...others]) assert.equal(await readWith(api, ended), 401);
    assert.equal(await readWith(api, here), 200);
    assert.equal(await readWith(api, apiToken), 200);
    assert.equal(await readWith(api, member), 200, "another user's session stays");
    assert.deepEqual(
      (await sessionsOf(api, here)).map((item) => item.id),
      [idOf(here)],
    );
  });
});

/** Opens the event stream with `token`; resolves `ended` when the server ends it. */
async function eventStream(base: string, token: string) {
  const controller = new AbortController();
  const reply = await fetch(`${base}/api/v1/events`, {
    headers: bearer(token),
    signal: controller.signal,
  });
  assert.equal(reply.status, 200);
  const reader = reply.body?.getReader();
  assert.ok(reader);
  let chunks = 0;
  // True when the server ends the stream; false when the test aborts it.
  const ended = (async () => {
    for (;;) {
      const { done } = await reader.read().catch(() => ({ done: null }));
      if (done !== false) return done === true;
      chunks++;
    }
  })();
  return { ended, chunks: () => chunks, close: () => controller.abort() };
}

/** Whether `promise` settles within `ms`. */
function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([
    promise.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms)),
  ]);
}

void describe('event streams of ended sessions and removed members', () => {
  void it("an ended session's open event stream ends at its next keep-alive; a live one's goes on", async (t) => {
    const api = await createTestApi({ settings: { eventHeartbeatMs: 50 } });
    t.after(() => api.close());
    const base = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const phone = await login(api);
    const doomed = await eventStream(base, phone);
    const live = await eventStream(base, api.token);
    t.after(() => {
      doomed.close();
      live.close();
    });
    const ended = await api.call('DELETE', `/api/v1/sessions/${idOf(phone)}`);
    assert.equal(ended.statusCode, 204);
    assert.equal(await within(doomed.ended, 5000), true, "the ended session's stream ended");
    assert.equal(await doomed.ended, true, 'by the server');
    const before = live.chunks();
    assert.equal(await within(live.ended, 300), false, 'the live one is still open');
    assert.ok(live.chunks() > before, 'and gets its keep-alives');
  });

  void it('a member removed from the account a stream watches has it end, though the session lives on at home', async (t) => {
    const api = await createTestApi({ settings: { eventHeartbeatMs: 50, signup: 'open' } });
    t.after(() => api.close());
    const base = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const guest = await signUp(api.app, 'guest@example.com');
    const invited = await api.call('POST', '/api/v1/invitations', {
      payload: { email: 'guest@example.com', role: 'viewer' },
    });
    const accepted = await api.call('POST', '/api/v1/invitations/accept', {
      token: guest,
      payload: { token: invited.json<{ token: string }>().token },
    });
    assert.equal(accepted.statusCode, 201, accepted.body);
    const watching = await eventStream(base, guest);
    const live = await eventStream(base, api.token);
    t.after(() => {
      watching.close();
      live.close();
    });
    const guestId = api.deps.store.findUserByEmail<User>('guest@example.com')?.id ?? '';
    const removed = await api.call('DELETE', `/api/v1/members/${guestId}`);
    assert.equal(removed.statusCode, 204);
    assert.equal(await within(watching.ended, 5000), true, "the removed member's stream ended");
    assert.equal(await watching.ended, true, 'by the server');
    assert.equal(await readWith(api, guest), 200, 'the session goes on at home');
    assert.equal(await within(live.ended, 300), false, "the owner's stream is still open");
  });
});

void describe('password change', () => {
  void it('needs the current password and the new-password rules; changes nothing otherwise', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const other = await login(api);
    const change = (payload: object) => api.call('POST', '/api/v1/auth/password', { payload });
    const wrong = await change({
      currentPassword: 'not-the-password',
      newPassword: 'a new password',
    });
    assert.equal(wrong.statusCode, 400);
    assert.deepEqual(badFields(wrong), ['currentPassword']);
    const short = await change({ currentPassword: api.owner.password, newPassword: 'short' });
    assert.equal(short.statusCode, 400);
    assert.deepEqual(badFields(short), ['newPassword']);
    assert.equal(await readWith(api, other), 200, 'no session ended');
    await login(api); // the old password still logs in
  });

  void it('ends the other sessions, keeps the current one and API tokens; the old password no longer logs in', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const here = await login(api);
    const other = await login(api);
    const member = await login(api, await addMember(api));
    const apiToken = (await api.call('POST', '/api/v1/tokens', { payload: { name: 'ci' } })).json<{
      token: string;
    }>().token;

    const newPassword = 'a much longer new password';
    const reply = await api.call('POST', '/api/v1/auth/password', {
      token: here,
      payload: { currentPassword: api.owner.password, newPassword },
    });
    assert.equal(reply.statusCode, 204, reply.body);
    assert.equal(await readWith(api, here), 200);
    assert.equal(await readWith(api, other), 401);
    assert.equal(await readWith(api, api.token), 401);
    assert.equal(await readWith(api, apiToken), 200);
    assert.equal(await readWith(api, member), 200);

    const old = await api.call('POST', '/api/v1/auth/login', { token: null, payload: api.owner });
    assert.equal(old.statusCode, 401);
    await login(api, { email: api.owner.email, password: newPassword });
  });
});

void describe('API token limits', () => {
  void it('an expiring token works until expiresAt, then answers 401, is removed and no longer listed', async (t) => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const api = await createTestApi({ clock });
    t.after(() => api.close());
    const expiresAt = clock.now() + 60 * MIN;
    const created = await api.call('POST', '/api/v1/tokens', {
      payload: { name: 'deploy', expiresAt },
    });
    assert.equal(created.statusCode, 201, created.body);
    const { token, id, ...shown } = created.json<{ token: string; id: string }>();
    assert.deepEqual(shown, {
      name: 'deploy',
      userId: api.deps.store.findUserByEmail<User>(api.owner.email)?.id,
      createdAt: clock.now(),
      expiresAt,
      readOnly: false,
      role: 'owner',
    });
    const listed = () =>
      api.call('GET', '/api/v1/tokens').then((reply) => reply.json<{ items: { id: string }[] }>());

    clock.advance(60 * MIN - 1);
    assert.equal(await readWith(api, token), 200);
    assert.deepEqual(
      (await listed()).items.map((item) => item.id),
      [id],
    );
    clock.advance(1);
    assert.deepEqual((await listed()).items, [], 'expired: not listed');
    assert.equal(await readWith(api, token), 401);
    assert.equal(api.deps.store.getConfig('token', id), undefined, 'removed');
  });

  void it('refuses an expiry in the past or of the wrong type, naming the field', async (t) => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const api = await createTestApi({ clock });
    t.after(() => api.close());
    for (const expiresAt of [clock.now(), clock.now() - 1, '2031-01-01', 1.5]) {
      const reply = await api.call('POST', '/api/v1/tokens', {
        payload: { name: 'x', expiresAt },
      });
      assert.equal(reply.statusCode, 400, String(expiresAt));
      assert.deepEqual(badFields(reply), ['expiresAt']);
    }
    const readOnly = await api.call('POST', '/api/v1/tokens', {
      payload: { name: 'x', readOnly: 'yes' },
    });
    assert.deepEqual(badFields(readOnly), ['readOnly']);
    assert.equal(api.deps.store.listAll('token').length, 1, "only setup's session");
  });

  void it('a read-only token reads, and gets 403 on every changing route of the OpenAPI document', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const monitor = (await api.call('POST', '/api/v1/monitors', { payload: HTTP_MONITOR })).json<{
      id: string;
    }>();
    const created = await api.call('POST', '/api/v1/tokens', {
      payload: { name: 'grafana', readOnly: true },
    });
    const { token, readOnly } = created.json<{ token: string; readOnly: boolean }>();
    assert.equal(readOnly, true);
    assert.equal(await readWith(api, token), 200);
    assert.equal(
      (await api.call('GET', `/api/v1/monitors/${monitor.id}`, { token })).statusCode,
      200,
    );
    assert.equal((await api.call('GET', '/api/v1/sessions', { token })).statusCode, 200);

    const spec = (await api.call('GET', '/api/docs/json', { token: null })).json<{
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    }>();
    const before = JSON.stringify(api.deps.store.listConfigEntries());
    const walked: string[] = [];
    for (const [path, operations] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (['get', 'head', 'options'].includes(method)) continue;
        // Public routes (login, setup, push, …) do not act with a token at all.
        if (operation.security?.length === 0) continue;
        const url = path.replace(/\{[^}]+\}/g, monitor.id);
        const reply = await api.call(method.toUpperCase(), url, {
          token,
          payload: {
            name: 'changed',
            currentPassword: api.owner.password,
            newPassword: 'x'.repeat(20),
          },
        });
        assert.equal(reply.statusCode, 403, `${method} ${path}: ${reply.body}`);
        assert.equal(errorOf(reply).code, 'TIRELESS_FORBIDDEN');
        assert.match(errorOf(reply).message, /read-only/);
        walked.push(`${method.toUpperCase()} ${path}`);
      }
    }
    for (const route of [
      'POST /api/v1/monitors',
      'DELETE /api/v1/monitors/{id}',
      'POST /api/v1/tokens',
      'POST /api/v1/auth/password',
      'DELETE /api/v1/sessions',
      'POST /api/v1/auth/logout',
    ]) {
      assert.ok(walked.includes(route), `${route} walked (of ${walked.length})`);
    }
    assert.ok(walked.length >= 15, `only ${walked.length} changing routes`);
    assert.equal(JSON.stringify(api.deps.store.listConfigEntries()), before, 'nothing changed');
    assert.equal(await readWith(api, token), 200, 'the token lives on');
  });
});
