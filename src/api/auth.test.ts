import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { FakeClock } from '../clock/index.js';
import { PasswordHasher } from '../secrets/index.js';
import { badFields, createTestApi, errorOf, signUp, type TestApi } from './testing.js';

const HTTP_MONITOR = { name: 'shop', type: 'http', url: 'https://shop.example.com' };

void describe('setup', () => {
  void it('creates the first owner: 201 with a token that works, then 409 for ever', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    assert.match(api.token, /^tl_[A-Za-z0-9_-]{43}$/);
    assert.equal((await api.call('GET', '/api/v1/monitors')).statusCode, 200);

    const again = await api.call('POST', '/api/v1/setup', {
      token: null,
      payload: { email: 'second@example.com', password: 'another-password' },
    });
    assert.equal(again.statusCode, 409);
    assert.equal(errorOf(again).code, 'TIRELESS_CONFLICT');
    assert.equal(api.deps.store.countAll('user'), 1);
    assert.equal(api.deps.store.countAll('account'), 1);
  });

  void it('stores the token by its sha256 only, and the password as a scrypt hash', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const tokenId = createHash('sha256').update(api.token).digest('hex');
    assert.ok(api.deps.store.getConfig('token', tokenId));
    const everything = JSON.stringify(api.deps.store.listConfigEntries());
    assert.ok(!everything.includes(api.token));
    assert.ok(!everything.includes(api.owner.password));
    assert.match(everything, /"passwordHash":"scrypt\$/);
  });
});

void describe('login', () => {
  void it('answers a session token for the right password, and one 401 for any wrong pair', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const login = (email: string, password: string) =>
      api.call('POST', '/api/v1/auth/login', { token: null, payload: { email, password } });

    const ok = await login('OWNER@example.com', api.owner.password);
    assert.equal(ok.statusCode, 200);
    const token = ok.json<{ token: string }>().token;
    assert.notEqual(token, api.token);
    assert.equal((await api.call('GET', '/api/v1/monitors', { token })).statusCode, 200);

    const wrongPassword = await login(api.owner.email, 'not-the-password');
    const unknownEmail = await login('nobody@example.com', api.owner.password);
    for (const reply of [wrongPassword, unknownEmail]) {
      assert.equal(reply.statusCode, 401);
      assert.deepEqual(reply.json(), {
        error: { code: 'TIRELESS_UNAUTHORIZED', message: 'wrong email or password' },
      });
    }
  });

  void it('names the bad fields of a malformed login', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const reply = await api.call('POST', '/api/v1/auth/login', {
      token: null,
      payload: { email: 'not-an-email' },
    });
    assert.equal(reply.statusCode, 400);
    const fields = reply.json<{ error: { fields: { field: string }[] } }>().error.fields;
    assert.deepEqual(fields.map((f) => f.field).sort(), ['email', 'password']);
  });
});

void describe('rate limits', () => {
  void it('throttles login, setup and sign-up per address, never an authenticated client', async (t) => {
    const api = await createTestApi({
      settings: { authRateLimit: { max: 3, windowMs: 60_000 }, signup: 'open' },
    });
    t.after(() => api.close());
    const attacker = '10.0.0.66';
    const attempt = (url: string) =>
      api.call('POST', url, {
        token: null,
        remoteAddress: attacker,
        payload: { email: api.owner.email, password: 'guessing-wrong' },
      });
    for (let i = 0; i < 3; i++) assert.equal((await attempt('/api/v1/auth/login')).statusCode, 401);
    for (const url of [
      '/api/v1/auth/login',
      '/api/v1/setup',
      '/api/v1/auth/signup',
      '/api/v1/auth/session',
    ]) {
      const refused = await attempt(url);
      assert.equal(refused.statusCode, 429, url);
      assert.equal(errorOf(refused).code, 'TIRELESS_RATE_LIMITED');
      assert.ok(Number(refused.headers['retry-after']) > 0);
    }

    const elsewhere = await api.call('POST', '/api/v1/auth/login', {
      token: null,
      remoteAddress: '10.0.0.7',
      payload: api.owner,
    });
    assert.equal(elsewhere.statusCode, 200);

    // The throttled address, authenticated, creates 1,000 monitors at full speed.
    for (let i = 0; i < 1000; i++) {
      const created = await api.call('POST', '/api/v1/monitors', {
        remoteAddress: attacker,
        payload: { ...HTTP_MONITOR, name: `shop ${i}` },
      });
      assert.equal(created.statusCode, 201);
    }
    assert.equal(api.deps.store.countAll('monitor'), 1000);
  });
});

void describe('sign-up', () => {
  /** What GET /api/v1/auth/session tells the login page about sign-up. */
  const signupOpen = async (api: TestApi) =>
    (await api.call('GET', '/api/v1/auth/session', { token: null })).json<{ signupOpen: unknown }>()
      .signupOpen;

  void it('is refused while closed, and the session answer says so', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    assert.equal(await signupOpen(api), false);
    const reply = await api.call('POST', '/api/v1/auth/signup', {
      token: null,
      payload: { email: 'new@example.com', password: 'long-enough-too' },
    });
    assert.equal(reply.statusCode, 403);
    assert.equal(errorOf(reply).code, 'TIRELESS_FORBIDDEN');
    assert.equal(api.deps.store.countAll('user'), 1);
  });

  void it('creates a separate account when open; an email signs up once', async (t) => {
    const api = await createTestApi({ settings: { signup: 'open' } });
    t.after(() => api.close());
    assert.equal(await signupOpen(api), true, 'the session answer says sign-up is open');
    const token = await signUp(api.app, 'second@example.com');
    assert.equal(api.deps.store.countAll('account'), 2);
    await api.call('POST', '/api/v1/monitors', { token, payload: HTTP_MONITOR });
    assert.deepEqual((await api.call('GET', '/api/v1/monitors')).json(), { items: [] });

    const twice = await api.call('POST', '/api/v1/auth/signup', {
      token: null,
      payload: { email: 'Second@example.com', password: 'someone-elses-guess' },
    });
    assert.equal(twice.statusCode, 202);
    assert.equal(api.deps.store.countAll('account'), 2);
    const intruder = await api.call('POST', '/api/v1/auth/login', {
      token: null,
      payload: { email: 'second@example.com', password: 'someone-elses-guess' },
    });
    assert.equal(intruder.statusCode, 401, 'the taken email keeps its own password');
  });

  void it('answers a taken email exactly as a free one: no sign of who has an account', async (t) => {
    const hasher = new PasswordHasher({ params: { N: 2 ** 10, r: 8, p: 1 } });
    const api = await createTestApi({ settings: { signup: 'open' }, passwords: hasher });
    t.after(() => Promise.all([api.close(), hasher.close()]));
    const signup = (email: string) =>
      api.call('POST', '/api/v1/auth/signup', {
        token: null,
        payload: { email, password: 'a-long-password' },
      });
    let hashes = 0;
    const hash = hasher.hash.bind(hasher);
    hasher.hash = (password) => {
      hashes++;
      return hash(password);
    };
    const taken = await signup(api.owner.email);
    assert.equal(hashes, 1, 'a taken email costs the KDF too: its time does not tell');
    const free = await signup('free@example.com');
    assert.equal(hashes, 2);
    assert.equal(taken.statusCode, 202);
    assert.equal(taken.statusCode, free.statusCode);
    assert.equal(taken.body, free.body);
    const headersOf = (reply: typeof taken) =>
      Object.keys(reply.headers)
        .filter((name) => name !== 'date')
        .sort();
    assert.deepEqual(headersOf(taken), headersOf(free));
    assert.equal(api.deps.store.countAll('user'), 2);
  });

  void it('names the new account as asked (trimmed), or after the email; a bad name is a 400 naming accountName, and nothing is made', async (t) => {
    const api = await createTestApi({ settings: { signup: 'open' } });
    t.after(() => api.close());
    const password = 'correct-horse-battery';
    const signup = (payload: Record<string, unknown>) =>
      api.call('POST', '/api/v1/auth/signup', { token: null, payload: { password, ...payload } });
    const accountNameOf = async (email: string) => {
      const login = await api.call('POST', '/api/v1/auth/login', {
        token: null,
        payload: { email, password },
      });
      const token = login.json<{ token: string }>().token;
      return (await api.call('GET', '/api/v1/account', { token })).json<{ name: string }>().name;
    };
    for (const accountName of ['', '   ', 'x'.repeat(201), 42, null, ['Acme']]) {
      const reply = await signup({ email: 'bad@example.com', accountName });
      assert.equal(reply.statusCode, 400, JSON.stringify(accountName));
      assert.deepEqual(badFields(reply), ['accountName'], JSON.stringify(accountName));
    }
    assert.equal(api.deps.store.countAll('account'), 1);
    assert.equal(api.deps.store.countAll('user'), 1);

    assert.equal(
      (await signup({ email: 'acme@example.com', accountName: '  Acme Ops ' })).statusCode,
      202,
    );
    assert.equal(await accountNameOf('acme@example.com'), 'Acme Ops');
    assert.equal((await signup({ email: 'plain@example.com' })).statusCode, 202);
    assert.equal(await accountNameOf('plain@example.com'), 'plain@example.com');
  });

  void it('holds new passwords to 12–200 characters, naming the field', async (t) => {
    const api = await createTestApi({ settings: { signup: 'open' } });
    t.after(() => api.close());
    for (const password of ['short', 'eleven-char', 'x'.repeat(201), 123456789012]) {
      const reply = await api.call('POST', '/api/v1/auth/signup', {
        token: null,
        payload: { email: 'new@example.com', password },
      });
      assert.equal(reply.statusCode, 400);
      assert.equal(badFields(reply)[0], 'password');
    }
  });
});

void describe('bearer tokens', () => {
  void it('answers 401 without a token, with a malformed one, and with an unknown one', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: `Bearer ${api.token}x` },
      { authorization: 'Bearer tl_unknown' },
      { authorization: api.token },
    ];
    for (const headers of attempts) {
      const reply = await api.call('GET', '/api/v1/monitors', { token: null, headers });
      assert.equal(reply.statusCode, 401, JSON.stringify(headers));
      assert.equal(errorOf(reply).code, 'TIRELESS_UNAUTHORIZED');
    }
  });

  void it('guards every /api/v1 route but setup, login, sign-up and the session', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const spec = (await api.call('GET', '/api/docs/json')).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const open = new Set([
      '/api/v1/setup',
      '/api/v1/auth/login',
      '/api/v1/auth/signup',
      // POST logs in; GET says who is logged in (nobody, without credentials).
      '/api/v1/auth/session',
      // A public status page's JSON (a 404 here: no such page).
      '/api/v1/public/status/{slug}',
      // The link's secret is the credential (a new user has no other).
      '/api/v1/invitations/accept',
    ]);
    let guarded = 0;
    for (const [path, operations] of Object.entries(spec.paths)) {
      if (!path.startsWith('/api/v1/') || open.has(path)) continue;
      for (const method of Object.keys(operations)) {
        const url = path.replace(/\{[^}]+\}/g, 'x');
        const reply = await api.call(method.toUpperCase(), url, { token: null });
        assert.equal(reply.statusCode, 401, `${method} ${path}`);
        guarded++;
      }
    }
    assert.ok(guarded >= 20, `only ${guarded} routes checked`);
  });

  void it('creates, lists and revokes API tokens; a revoked token is refused at once', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const created = await api.call('POST', '/api/v1/tokens', { payload: { name: 'ci' } });
    assert.equal(created.statusCode, 201);
    const { id, token, name } = created.json<{ id: string; token: string; name: string }>();
    assert.equal(name, 'ci');
    assert.equal(id, createHash('sha256').update(token).digest('hex'));

    const list = await api.call('GET', '/api/v1/tokens', { token });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(
      list.json<{ items: { id: string; name: string }[] }>().items.map((t) => [t.id, t.name]),
      [[id, 'ci']],
    );
    assert.ok(!list.body.includes(token));

    assert.equal((await api.call('DELETE', `/api/v1/tokens/${id}`)).statusCode, 204);
    assert.equal((await api.call('GET', '/api/v1/monitors', { token })).statusCode, 401);
    assert.equal((await api.call('DELETE', `/api/v1/tokens/${id}`)).statusCode, 404);
    assert.equal((await api.call('GET', '/api/v1/monitors')).statusCode, 200);
  });

  void it('logs out the presented token only', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const login = await api.call('POST', '/api/v1/auth/login', { token: null, payload: api.owner });
    const second = login.json<{ token: string }>().token;
    assert.equal(
      (await api.call('POST', '/api/v1/auth/logout', { token: second })).statusCode,
      204,
    );
    assert.equal((await api.call('GET', '/api/v1/monitors', { token: second })).statusCode, 401);
    assert.equal((await api.call('GET', '/api/v1/monitors')).statusCode, 200);
  });

  void it('expires session tokens after sessionTtlMs; API tokens stay valid', async (t) => {
    const clock = new FakeClock(Date.UTC(2030, 0, 1));
    const api = await createTestApi({ clock, settings: { sessionTtlMs: 60_000 } });
    t.after(() => api.close());
    const apiToken = (
      await api.call('POST', '/api/v1/tokens', { payload: { name: 'cron' } })
    ).json<{
      token: string;
    }>().token;
    clock.advance(59_999);
    assert.equal((await api.call('GET', '/api/v1/monitors')).statusCode, 200);
    clock.advance(1);
    assert.equal((await api.call('GET', '/api/v1/monitors')).statusCode, 401);
    assert.equal((await api.call('GET', '/api/v1/monitors', { token: apiToken })).statusCode, 200);
  });
});
