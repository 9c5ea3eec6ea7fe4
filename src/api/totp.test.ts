import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../clock/index.js';
import type { User } from '../model/index.js';
import { SecretBox, TOTP_STEP_MS, totpAt, totpStep } from '../secrets/index.js';
import { badFields, createTestApi, errorOf, type TestApi } from './testing.js';

/** A time in the middle of a 30 s step, so ±1 step is whole steps of the fake clock. */
const START = Date.UTC(2030, 0, 1, 12, 0, 15);

async function fixture(settings: Parameters<typeof createTestApi>[0] = {}) {
  const clock = new FakeClock(START);
  const api = await createTestApi({ clock, ...settings });
  return { api, clock };
}

function login(api: TestApi, totpCode?: string, password?: string) {
  return api.call('POST', '/api/v1/auth/login', {
    token: null,
    payload: {
      email: api.owner.email,
      password: password ?? api.owner.password,
      ...(totpCode === undefined ? {} : { totpCode }),
    },
  });
}

function stored(api: TestApi): User {
  const user = api.deps.store.findUserByEmail<User>(api.owner.email);
  assert.ok(user);
  return user;
}

/** Starts and confirms enrolment as the owner: the secret and the recovery codes. */
async function enrol(api: TestApi, clock: FakeClock) {
  const started = await api.call('POST', '/api/v1/auth/totp', {
    payload: { password: api.owner.password },
  });
  assert.equal(started.statusCode, 201, started.body);
  const { secret } = started.json<{ secret: string }>();
  const confirmed = await api.call('POST', '/api/v1/auth/totp/confirm', {
    payload: { code: totpAt(secret, totpStep(clock.now())) },
  });
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  return { secret, recoveryCodes: confirmed.json<{ recoveryCodes: string[] }>().recoveryCodes };
}

void describe('TOTP', () => {
  void it('enrols: the secret sealed at rest, login asks for a code only once a code confirmed it', async (t) => {
    const { api, clock } = await fixture();
    t.after(() => api.close());
    const wrongPassword = await api.call('POST', '/api/v1/auth/totp', {
      payload: { password: 'not-the-password' },
    });
    assert.equal(wrongPassword.statusCode, 400);
    assert.deepEqual(badFields(wrongPassword), ['password']);
    assert.equal(stored(api).totp, undefined, 'a refused start changes nothing');

    const started = await api.call('POST', '/api/v1/auth/totp', {
      payload: { password: api.owner.password },
    });
    assert.equal(started.statusCode, 201);
    const { secret, uri } = started.json<{ secret: string; uri: string }>();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(
      uri,
      `otpauth://totp/Tireless:owner%40example.com?secret=${secret}&issuer=Tireless&algorithm=SHA1&digits=6&period=30`,
    );
    const sealed = stored(api).totp?.secret ?? '';
    assert.ok(SecretBox.isSealed(sealed), 'sealed at rest');
    assert.ok(!sealed.includes(secret));
    assert.ok(!JSON.stringify(stored(api)).includes(secret), 'the secret is nowhere in the user');
    const status = await api.call('GET', '/api/v1/auth/totp');
    assert.deepEqual(status.json(), { enabled: false, pending: true, recoveryCodesLeft: 0 });
    // Not confirmed: login goes on as before.
    assert.equal((await login(api)).statusCode, 200);

    const step = totpStep(clock.now());
    const wrong = await api.call('POST', '/api/v1/auth/totp/confirm', {
      payload: { code: totpAt(secret, step + 2) },
    });
    assert.equal(wrong.statusCode, 400);
    assert.deepEqual(badFields(wrong), ['code']);
    assert.equal(stored(api).totp?.enabledAt, null, 'a wrong code confirms nothing');
    const malformed = await api.call('POST', '/api/v1/auth/totp/confirm', {
      payload: { code: '12ab56' },
    });
    assert.deepEqual(badFields(malformed), ['code']);

    const confirmed = await api.call('POST', '/api/v1/auth/totp/confirm', {
      payload: { code: totpAt(secret, step) },
    });
    assert.equal(confirmed.statusCode, 200);
    const { recoveryCodes } = confirmed.json<{ recoveryCodes: string[] }>();
    assert.equal(recoveryCodes.length, 10);
    assert.equal(stored(api).totp?.enabledAt, clock.now());
    for (const code of recoveryCodes) {
      assert.ok(!JSON.stringify(stored(api)).includes(code), 'recovery codes stored hashed');
    }
    assert.deepEqual((await api.call('GET', '/api/v1/auth/totp')).json(), {
      enabled: true,
      pending: false,
      recoveryCodesLeft: 10,
    });
    // On already: another start is refused, and the secret stays.
    const again = await api.call('POST', '/api/v1/auth/totp', {
      payload: { password: api.owner.password },
    });
    assert.equal(again.statusCode, 409);
    assert.equal(stored(api).totp?.secret, sealed);
  });

  void it('login needs the code: missing or wrong refused naming totpCode, a used code never again', async (t) => {
    const { api, clock } = await fixture();
    t.after(() => api.close());
    const { secret } = await enrol(api, clock);
    const code = (offset = 0) => totpAt(secret, totpStep(clock.now()) + offset);

    const missing = await login(api);
    assert.equal(missing.statusCode, 401);
    assert.equal(errorOf(missing).code, 'TIRELESS_TOTP_REQUIRED');
    assert.deepEqual(badFields(missing), ['totpCode']);
    // The right code with a wrong password tells nothing of the code.
    const wrongPassword = await login(api, code(1), 'not-the-password');
    assert.equal(wrongPassword.statusCode, 401);
    assert.equal(errorOf(wrongPassword).message, 'wrong email or password');

    clock.advance(TOTP_STEP_MS);
    const wrong = await login(api, code(2));
    assert.equal(wrong.statusCode, 401);
    assert.equal(errorOf(wrong).code, 'TIRELESS_UNAUTHORIZED');
    assert.deepEqual(badFields(wrong), ['totpCode']);
    // The confirmation's code (now a step old, so inside the window) is used already.
    const confirmationCode = await login(api, code(-1));
    assert.equal(confirmationCode.statusCode, 401, 'the code that confirmed is used');

    const good = code();
    const first = await login(api, good);
    assert.equal(first.statusCode, 200, first.body);
    assert.match(first.json<{ token: string }>().token, /^tl_/);
    const replay = await login(api, good);
    assert.equal(replay.statusCode, 401, 'the same code again, within its window');
    assert.deepEqual(badFields(replay), ['totpCode']);
    // A code of the step before the one used: also refused (no going back).
    clock.advance(TOTP_STEP_MS);
    assert.equal((await login(api, code(-2))).statusCode, 401);
    assert.equal((await login(api, code())).statusCode, 200, 'the next step: a new code');
    // The browser login takes the same field.
    clock.advance(TOTP_STEP_MS);
    const browser = await api.call('POST', '/api/v1/auth/session', {
      token: null,
      payload: { email: api.owner.email, password: api.owner.password, totpCode: code() },
    });
    assert.equal(browser.statusCode, 201, browser.body);
  });

  void it('counts a missing or wrong code as a failed login of the email', async (t) => {
    const { api, clock } = await fixture({
      settings: { loginFailuresPerEmail: { max: 3, windowMs: 60_000 } },
    });
    t.after(() => api.close());
    const { secret } = await enrol(api, clock);
    clock.advance(TOTP_STEP_MS);
    assert.equal((await login(api)).statusCode, 401);
    assert.equal((await login(api, '000000')).statusCode, 401);
    assert.equal((await login(api, 'not-a-recovery-code')).statusCode, 401);
    const refused = await login(api, totpAt(secret, totpStep(clock.now())));
    assert.equal(refused.statusCode, 429, 'the right code, after three failures');
    assert.equal(errorOf(refused).code, 'TIRELESS_RATE_LIMITED');
    clock.advance(60_000);
    assert.equal((await login(api, totpAt(secret, totpStep(clock.now())))).statusCode, 200);
  });

  void it('takes each recovery code once, in place of a code', async (t) => {
    const { api, clock } = await fixture();
    t.after(() => api.close());
    const { recoveryCodes } = await enrol(api, clock);
    const [first = '', second = ''] = recoveryCodes;
    assert.equal((await login(api, first)).statusCode, 200);
    const again = await login(api, first);
    assert.equal(again.statusCode, 401, 'used');
    assert.deepEqual(badFields(again), ['totpCode']);
    // Typed without hyphens, in capitals: the same code.
    assert.equal((await login(api, second.replace(/-/g, '').toUpperCase())).statusCode, 200);
    assert.deepEqual((await api.call('GET', '/api/v1/auth/totp')).json(), {
      enabled: true,
      pending: false,
      recoveryCodesLeft: 8,
    });
  });

  void it('turns off with the password and a current code only', async (t) => {
    const { api, clock } = await fixture();
    t.after(() => api.close());
    const { secret } = await enrol(api, clock);
    clock.advance(TOTP_STEP_MS);
    const code = totpAt(secret, totpStep(clock.now()));
    const disable = (payload: object) => api.call('POST', '/api/v1/auth/totp/disable', { payload });

    const wrongPassword = await disable({ password: 'not-the-password', code });
    assert.equal(wrongPassword.statusCode, 400);
    assert.deepEqual(badFields(wrongPassword), ['password']);
    const wrongCode = await disable({ password: api.owner.password, code: '000000' });
    assert.equal(wrongCode.statusCode, 400);
    assert.deepEqual(badFields(wrongCode), ['code']);
    const noCode = await disable({ password: api.owner.password });
    assert.deepEqual(badFields(noCode), ['code']);
    assert.notEqual(stored(api).totp?.enabledAt ?? null, null, 'still on');
    assert.equal((await login(api)).statusCode, 401);

    assert.equal((await disable({ password: api.owner.password, code })).statusCode, 204);
    assert.equal(stored(api).totp, undefined);
    assert.equal((await login(api)).statusCode, 200, 'no code asked any more');
    const off = await disable({ password: api.owner.password, code });
    assert.equal(off.statusCode, 409);
  });
});

void describe('TOTP recovery codes', () => {
  void it('are replaced with the password and a current app code: the old ones stop working', async (t) => {
    const { api, clock } = await fixture();
    t.after(() => api.close());
    const regenerate = (payload: object) =>
      api.call('POST', '/api/v1/auth/totp/recovery-codes', { payload });
    const off = await regenerate({ password: api.owner.password, code: '123456' });
    assert.equal(off.statusCode, 409, 'two-factor login is off: nothing to replace');

    const { secret, recoveryCodes: old } = await enrol(api, clock);
    clock.advance(TOTP_STEP_MS);
    const code = totpAt(secret, totpStep(clock.now()));
    const before = stored(api).totp;

    const wrongPassword = await regenerate({ password: 'not-the-password', code });
    assert.equal(wrongPassword.statusCode, 400);
    assert.deepEqual(badFields(wrongPassword), ['password']);
    const wrongCode = await regenerate({ password: api.owner.password, code: '000000' });
    assert.equal(wrongCode.statusCode, 400);
    assert.deepEqual(badFields(wrongCode), ['code']);
    // A recovery code does not mint more: the app's code is the proof asked for.
    const recovery = await regenerate({ password: api.owner.password, code: old[0] });
    assert.equal(recovery.statusCode, 400);
    assert.deepEqual(badFields(recovery), ['code']);
    assert.deepEqual(stored(api).totp, before, 'a refused request changes nothing');

    const replaced = await regenerate({ password: api.owner.password, code });
    assert.equal(replaced.statusCode, 200, replaced.body);
    const { recoveryCodes } = replaced.json<{ recoveryCodes: string[] }>();
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set([...recoveryCodes, ...old]).size, 20, 'all new');
    assert.equal(stored(api).totp?.secret, before?.secret, 'the app keeps working');
    for (const fresh of recoveryCodes) {
      assert.ok(!JSON.stringify(stored(api)).includes(fresh), 'stored hashed');
    }
    const replay = await regenerate({ password: api.owner.password, code });
    assert.equal(replay.statusCode, 400, 'the code that replaced them is used');

    assert.equal((await login(api, old[1])).statusCode, 401, 'an old recovery code is dead');
    assert.equal((await login(api, recoveryCodes[0])).statusCode, 200, 'a new one logs in');
    assert.deepEqual((await api.call('GET', '/api/v1/auth/totp')).json(), {
      enabled: true,
      pending: false,
      recoveryCodesLeft: 9,
    });
  });
});
