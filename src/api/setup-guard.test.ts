import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { describe, it } from 'node:test';
import { hostServed, setupCodeFor, setupCodeMatches } from './setup-guard.js';
import { badFields, createTestApi, errorOf, type CallOptions } from './testing.js';

const CODE_SHAPE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){6}$/;

void describe('setup code', () => {
  void it('is made only for a node that listens beyond loopback, fresh each time', () => {
    for (const host of ['127.0.0.1', '127.3.2.1', '::1', '::ffff:127.0.0.1', 'localhost']) {
      assert.equal(setupCodeFor(host), undefined, host);
    }
    for (const host of ['0.0.0.0', '::', '192.0.2.1', '2001:db8::1', 'node1.example']) {
      assert.match(setupCodeFor(host) ?? '', CODE_SHAPE, host);
    }
    // Behind a trusted proxy others reach it, even on loopback.
    assert.match(setupCodeFor('127.0.0.1', true) ?? '', CODE_SHAPE);
    const codes = new Set(Array.from({ length: 50 }, () => setupCodeFor('0.0.0.0')));
    assert.equal(codes.size, 50);
  });

  void it('matches however it is typed, and nothing else', () => {
    const code = '0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV';
    const cases: [unknown, boolean][] = [
      [code, true],
      ['0123-4567-89ab-cdef-ghjk-mnpq-rstv', true],
      ['0123456789ABCDEFGHJKMNPQRSTV', true],
      [' 0123 4567 89AB CDEF GHJK MNPQ RSTV ', true],
      ['oI23-4567-89AB-CDEF-GHJK-MNPQ-RSTV', true], // O is 0, I and L are 1
      ['Ol23-4567-89AB-CDEF-GHJK-MNPQ-RSTV', true],
      ['0123-4567-89AB-CDEF-GHJK-MNPQ-RSTW', false],
      ['0123-4567-89AB-CDEF-GHJK-MNPQ', false],
      [`${code}-0`, false],
      ['', false],
      [undefined, false],
      [null, false],
      [1234, false],
      [[code], false],
      [code.repeat(10), false],
    ];
    for (const [given, expected] of cases) {
      assert.equal(setupCodeMatches(code, given), expected, JSON.stringify(given));
    }
  });
});

void describe('hosts setup answers to', () => {
  void it('loopback, its own addresses and the allowed names; no other name', () => {
    const served = {
      allowedHosts: ['tireless.example.com', '203.0.113.9'],
      interfaceAddresses: ['127.0.0.1', '192.0.2.10', '2001:db8::5', 'fe80::1%eth0'],
    };
    const cases: [string, boolean][] = [
      ['localhost:3000', true],
      ['LOCALHOST', true],
      ['localhost.', true],
      ['app.localhost:3000', true],
      ['127.0.0.1:80', true],
      ['127.9.9.9', true],
      ['[::1]:3000', true],
      ['[0:0:0:0:0:0:0:1]', true],
      ['192.0.2.10:3000', true],
      ['[2001:db8:0::5]:3000', true],
      ['[fe80::1]', true],
      ['tireless.example.com', true],
      ['Tireless.Example.com.:443', true],
      ['203.0.113.9', true],
      ['192.0.2.11', false],
      ['evil.example', false],
      ['evil.example:3000', false],
      ['localhost.evil.example', false],
      ['127.0.0.1.evil.example', false],
      ['sub.tireless.example.com', false],
      ['2130706433', false],
      ['[::1', false],
      ['', false],
    ];
    for (const [host, expected] of cases) assert.equal(hostServed(host, served), expected, host);
  });
});

/** A fresh API (no owner yet) whose node listens beyond loopback: setup asks for `code`. */
async function freshApi(settings: { setupCode?: string; allowedHosts?: string[] } = {}) {
  const api = await createTestApi({ setup: false, settings });
  const setUp = (payload: object, options: CallOptions = {}) =>
    api.call('POST', '/api/v1/setup', { token: null, payload, ...options });
  const session = async () =>
    (await api.call('GET', '/api/v1/auth/session', { token: null })).json<{
      setupOpen: boolean;
      setupCodeRequired: boolean;
    }>();
  return { api, setUp, session };
}

const OWNER = { email: 'owner@example.com', password: 'correct-horse' };

void describe('POST /api/v1/setup beyond loopback', () => {
  void it('needs the code: missing or wrong is a 403 naming setupCode; right creates the owner', async (t) => {
    const code = setupCodeFor('0.0.0.0') as string;
    const { api, setUp, session } = await freshApi({ setupCode: code });
    t.after(() => api.close());
    assert.deepEqual(await session(), {
      user: null,
      csrfToken: null,
      setupOpen: true,
      setupCodeRequired: true,
      signupOpen: false,
    });

    const missing = await setUp(OWNER);
    const wrong = await setUp({ ...OWNER, setupCode: setupCodeFor('0.0.0.0') });
    for (const reply of [missing, wrong]) {
      assert.equal(reply.statusCode, 403, reply.body);
      assert.equal(errorOf(reply).code, 'TIRELESS_FORBIDDEN');
      assert.deepEqual(badFields(reply), ['setupCode']);
      assert.match(errorOf(reply).message, /^setupCode /);
    }
    assert.match(errorOf(missing).message, /is required.*tireless start/);
    assert.match(errorOf(wrong).message, /is not the code this node printed/);
    // Refused before the body is looked at: no validation hint for a caller without the code.
    const bad = await setUp({ email: 'nope', password: 'x' });
    assert.equal(bad.statusCode, 403);
    assert.equal(api.deps.store.countAll('user'), 0);

    // Typed by hand: lowercase, without the dashes.
    const right = await setUp({ ...OWNER, setupCode: code.toLowerCase().replace(/-/g, '') });
    assert.equal(right.statusCode, 201, right.body);
    const { token } = right.json<{ token: string }>();
    assert.equal((await api.call('GET', '/api/v1/monitors', { token })).statusCode, 200);
    assert.deepEqual(await session(), {
      user: null,
      csrfToken: null,
      setupOpen: false,
      setupCodeRequired: false,
      signupOpen: false,
    });
    const again = await setUp({ ...OWNER, email: 'second@example.com', setupCode: code });
    assert.equal(again.statusCode, 409);
    assert.equal(api.deps.store.countAll('user'), 1);
  });

  void it('still validates the body once the code is right', async (t) => {
    const code = setupCodeFor('::') as string;
    const { api, setUp } = await freshApi({ setupCode: code });
    t.after(() => api.close());
    const reply = await setUp({ email: 'nope', password: 'eleven-char', setupCode: code });
    assert.equal(reply.statusCode, 400);
    assert.deepEqual(badFields(reply).sort(), ['email', 'password']);
    const tooLong = await setUp({ ...OWNER, setupCode: code.repeat(10) });
    assert.equal(tooLong.statusCode, 403);
  });

  void it('is rate-limited like login, the right code included', async (t) => {
    const code = setupCodeFor('0.0.0.0') as string;
    const api = await createTestApi({
      setup: false,
      settings: { setupCode: code, authRateLimit: { max: 3, windowMs: 60_000 } },
    });
    t.after(() => api.close());
    const attempt = (setupCode: string) =>
      api.call('POST', '/api/v1/setup', {
        token: null,
        payload: { ...OWNER, setupCode },
        remoteAddress: '10.0.0.66',
      });
    for (let i = 0; i < 3; i++) assert.equal((await attempt(`guess-${i}`)).statusCode, 403);
    assert.equal((await attempt(code)).statusCode, 429);
    assert.equal(api.deps.store.countAll('user'), 0);
  });
});

void describe('POST /api/v1/setup on loopback only', () => {
  void it('needs no code', async (t) => {
    const { api, setUp, session } = await freshApi();
    t.after(() => api.close());
    assert.deepEqual(await session(), {
      user: null,
      csrfToken: null,
      setupOpen: true,
      setupCodeRequired: false,
      signupOpen: false,
    });
    assert.equal((await setUp(OWNER)).statusCode, 201);
  });

  void it('refuses a request a proxy brought (it may come from anyone), naming the setting', async (t) => {
    const { api, setUp } = await freshApi();
    t.after(() => api.close());
    for (const headers of [
      { 'x-forwarded-for': '203.0.113.5' },
      { forwarded: 'for=203.0.113.5' },
      { 'x-real-ip': '203.0.113.5' },
    ] as Record<string, string>[]) {
      const reply = await setUp(OWNER, { headers });
      assert.equal(reply.statusCode, 403, JSON.stringify(headers));
      assert.match(errorOf(reply).message, /came through a proxy.*TIRELESS_TRUSTED_PROXIES/);
    }
    assert.equal(api.deps.store.countAll('user'), 0);
  });
});

void describe('POST /api/v1/setup and the Host', () => {
  void it('refuses a Host the node does not serve (DNS rebinding), naming the setting', async (t) => {
    const { api, setUp } = await freshApi();
    t.after(() => api.close());
    for (const headers of [
      { host: 'evil.example' },
      { host: 'evil.example:3000' },
      // Only a trusted proxy's X-Forwarded-Host counts; none is trusted here.
      { host: 'evil.example', 'x-forwarded-host': 'localhost' },
    ] as Record<string, string>[]) {
      const reply = await setUp(OWNER, { headers });
      assert.equal(reply.statusCode, 403, JSON.stringify(headers));
      assert.equal(errorOf(reply).code, 'TIRELESS_FORBIDDEN');
      assert.match(
        errorOf(reply).message,
        /allowedHosts \(--allowed-hosts, TIRELESS_ALLOWED_HOSTS\)/,
      );
      assert.match(errorOf(reply).message, /"evil\.example(:3000)?" is none of them/);
    }
    assert.equal(api.deps.store.countAll('user'), 0);
    assert.equal((await setUp(OWNER, { headers: { host: '127.0.0.1:3000' } })).statusCode, 201);
  });

  void it('answers to a name in allowedHosts, and to an address of its own interfaces', async (t) => {
    const code = setupCodeFor('0.0.0.0') as string;
    const named = await freshApi({ setupCode: code, allowedHosts: ['tireless.example.com'] });
    t.after(() => named.api.close());
    const withCode = { ...OWNER, setupCode: code };
    const elsewhere = await named.setUp(withCode, { headers: { host: 'other.example.com' } });
    assert.equal(elsewhere.statusCode, 403);
    const reply = await named.setUp(withCode, { headers: { host: 'tireless.example.com:443' } });
    assert.equal(reply.statusCode, 201, reply.body);

    // The Host is a header here, not a connection: inject() reaches no network.
    const own = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .find((entry) => !entry.internal && entry.family === 'IPv4');
    if (own) {
      const byAddress = await freshApi();
      t.after(() => byAddress.api.close());
      const served = await byAddress.setUp(OWNER, { headers: { host: `${own.address}:3000` } });
      assert.equal(served.statusCode, 201, served.body);
    }
  });
});
