/**
 * Browser sessions: login sets an HttpOnly, SameSite=Strict cookie (Secure behind TLS), a
 * change made with the cookie needs the session's CSRF token, a bearer request needs none,
 * logout ends the session and clears the cookie.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApi, errorOf, type TestApi } from './testing.js';

const HTTP_MONITOR = { name: 'shop', type: 'http', url: 'https://shop.example.com' };

interface SessionReply {
  user: { id: string; email: string; role: string; accountId: string } | null;
  csrfToken: string | null;
  setupOpen?: boolean;
}

function setCookie(reply: LightMyRequestResponse): string {
  const header = reply.headers['set-cookie'];
  assert.equal(typeof header, 'string', 'one Set-Cookie header');
  return header as string;
}

/** Logs the owner in as a browser does; the cookie to send back, and the reply. */
async function browserLogin(api: TestApi, headers: Record<string, string> = {}) {
  const reply = await api.call('POST', '/api/v1/auth/session', {
    token: null,
    payload: api.owner,
    headers,
  });
  assert.equal(reply.statusCode, 201, reply.body);
  const cookie = /^(tireless_session=tl_[A-Za-z0-9_-]{43});/.exec(setCookie(reply))?.[1];
  assert.ok(cookie, setCookie(reply));
  return { cookie, reply, session: reply.json<SessionReply>() };
}

void describe('browser session', () => {
  void it('login sets an HttpOnly, SameSite=Strict cookie for the session lifetime, not Secure over plain HTTP', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const { reply, session } = await browserLogin(api);
    const attributes = setCookie(reply).split('; ').slice(1);
    assert.deepEqual(attributes.sort(), [
      'HttpOnly',
      `Max-Age=${api.deps.settings.sessionTtlMs / 1000}`,
      'Path=/',
      'SameSite=Strict',
    ]);
    assert.equal(session.user?.email, api.owner.email);
    assert.equal(session.user?.role, 'owner');
    assert.match(session.csrfToken ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok(!reply.body.includes('tl_'), 'the secret is in the cookie only');
  });

  void it('the cookie is Secure when a trusted proxy says the request came over https', async (t) => {
    const api = await createTestApi({ settings: { trustProxy: '127.0.0.1' } });
    t.after(() => api.close());
    const { reply } = await browserLogin(api, { 'x-forwarded-proto': 'https' });
    assert.ok(setCookie(reply).split('; ').includes('Secure'), setCookie(reply));
    // The same header from an address nobody trusts changes nothing.
    const untrusted = await api.call('POST', '/api/v1/auth/session', {
      token: null,
      payload: api.owner,
      headers: { 'x-forwarded-proto': 'https' },
      remoteAddress: '127.0.0.2',
    });
    assert.ok(!setCookie(untrusted).includes('Secure'), setCookie(untrusted));
  });

  void it('a wrong password sets no cookie and answers 401', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const reply = await api.call('POST', '/api/v1/auth/session', {
      token: null,
      payload: { email: api.owner.email, password: 'not the password' },
    });
    assert.equal(reply.statusCode, 401);
    assert.equal(reply.headers['set-cookie'], undefined);
  });

  void it('reads with the cookie; changes need the CSRF token; a bearer token needs none', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const { cookie, session } = await browserLogin(api);
    const asBrowser = (method: 'GET' | 'POST', headers: Record<string, string> = {}) =>
      api.call(method, '/api/v1/monitors', {
        token: null,
        headers: { cookie, ...headers },
        ...(method === 'POST' ? { payload: HTTP_MONITOR } : {}),
      });

    assert.equal((await asBrowser('GET')).statusCode, 200);
    const without = await asBrowser('POST');
    assert.equal(without.statusCode, 403);
    assert.equal(errorOf(without).code, 'TIRELESS_FORBIDDEN');
    assert.match(errorOf(without).message, /CSRF token/);
    const wrong = await asBrowser('POST', { 'x-csrf-token': 'A'.repeat(43) });
    assert.equal(wrong.statusCode, 403);
    assert.equal(api.deps.store.countAll('monitor'), 0, 'a refused change changed nothing');

    const other = await browserLogin(api);
    assert.notEqual(other.session.csrfToken, session.csrfToken, 'each session has its own');
    const crossed = await asBrowser('POST', { 'x-csrf-token': other.session.csrfToken ?? '' });
    assert.equal(crossed.statusCode, 403, "another session's token does not do");

    const right = await asBrowser('POST', { 'x-csrf-token': session.csrfToken ?? '' });
    assert.equal(right.statusCode, 201, right.body);
    const bearer = await api.call('POST', '/api/v1/monitors', { payload: HTTP_MONITOR });
    assert.equal(bearer.statusCode, 201, bearer.body);
    // A bearer header wins over a cookie: no CSRF token asked.
    const both = await api.call('POST', '/api/v1/monitors', {
      payload: HTTP_MONITOR,
      headers: { cookie },
    });
    assert.equal(both.statusCode, 201, both.body);
  });

  void it('GET /api/v1/auth/session says who is logged in, and whether setup is open', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const anonymous = await api.call('GET', '/api/v1/auth/session', { token: null });
    assert.equal(anonymous.statusCode, 200);
    assert.deepEqual(anonymous.json(), {
      user: null,
      csrfToken: null,
      setupOpen: false,
      setupCodeRequired: false,
      signupOpen: false,
    });

    const { cookie, session } = await browserLogin(api);
    const browser = await api.call('GET', '/api/v1/auth/session', {
      token: null,
      headers: { cookie },
    });
    assert.deepEqual(browser.json(), {
      ...session,
      setupOpen: false,
      setupCodeRequired: false,
      signupOpen: false,
    });
    const bearer = await api.call('GET', '/api/v1/auth/session');
    assert.deepEqual(bearer.json(), {
      user: session.user,
      csrfToken: null,
      setupOpen: false,
      setupCodeRequired: false,
      signupOpen: false,
    });
  });

  void it('logout with the cookie ends the session and clears the cookie', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const { cookie, session } = await browserLogin(api);
    const refused = await api.call('POST', '/api/v1/auth/logout', {
      token: null,
      headers: { cookie },
    });
    assert.equal(refused.statusCode, 403, 'logging out is a change: it needs the CSRF token');
    const reply = await api.call('POST', '/api/v1/auth/logout', {
      token: null,
      headers: { cookie, 'x-csrf-token': session.csrfToken ?? '' },
    });
    assert.equal(reply.statusCode, 204);
    assert.match(
      setCookie(reply),
      /^tireless_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/,
    );
    const after = await api.call('GET', '/api/v1/monitors', { token: null, headers: { cookie } });
    assert.equal(after.statusCode, 401);
    const who = await api.call('GET', '/api/v1/auth/session', { token: null, headers: { cookie } });
    assert.equal(who.json<SessionReply>().user, null);
    assert.equal((await api.call('GET', '/api/v1/monitors')).statusCode, 200, 'other tokens live');
  });

  void it('answers carry the security headers', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    for (const reply of [
      await api.call('GET', '/api/v1/monitors'),
      await api.call('GET', '/api/v1/nowhere'),
    ]) {
      assert.match(String(reply.headers['content-security-policy']), /default-src 'self'/);
      assert.match(String(reply.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.equal(reply.headers['x-content-type-options'], 'nosniff');
      assert.equal(reply.headers['referrer-policy'], 'no-referrer');
      assert.doesNotMatch(String(reply.headers['content-security-policy']), /unsafe-inline/);
    }
    // The docs UI (Swagger UI) sets inline styles; still no inline script, still no framing.
    const docs = await api.call('GET', '/api/docs', { token: null });
    assert.match(
      String(docs.headers['content-security-policy']),
      /^default-src 'self'; style-src 'self' 'unsafe-inline'; .*frame-ancestors 'none'$/,
    );
  });
});
