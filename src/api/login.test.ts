import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { describe, it } from 'node:test';
import type { ConfigDoc } from '../cluster/index.js';
import { FakeClock } from '../clock/index.js';
import type { User } from '../model/index.js';
import { PasswordHasher, passwords } from '../secrets/index.js';
import { createTestApi, errorOf, type TestApi } from './testing.js';

function login(api: TestApi, email: string, password: string, remoteAddress = '127.0.0.1') {
  return api.call('POST', '/api/v1/auth/login', {
    token: null,
    remoteAddress,
    payload: { email, password },
  });
}

/** Puts a user into the owner's account with `passwordHash` (as stored before some change). */
async function addUser(api: TestApi, email: string, passwordHash: string): Promise<void> {
  const owner = api.deps.store.findUserByEmail<User>(api.owner.email);
  assert.ok(owner);
  const now = api.deps.clock.now();
  await api.deps.config.put<User & ConfigDoc>(
    'user',
    {
      id: `usr_${email.length}`,
      accountId: owner.accountId,
      email,
      passwordHash,
      role: 'member',
      createdAt: now,
      updatedAt: now,
    },
    0,
  );
}

void describe('password login', () => {
  void it('hashes a password stored with older parameters again, at login, with the current ones', async (t) => {
    const api = await createTestApi();
    const old = new PasswordHasher({ params: { N: 2 ** 10, r: 8, p: 1 } });
    t.after(() => Promise.all([api.close(), old.close()]));
    // Stored before the 12-character rule, too: it still logs in.
    await addUser(api, 'old@example.com', await old.hash('eight-ch'));
    const stored = () => api.deps.store.findUserByEmail<User>('old@example.com')?.passwordHash;
    assert.match(stored() ?? '', /^scrypt\$1024\$8\$1\$/);

    assert.equal((await login(api, 'old@example.com', 'wrong-password')).statusCode, 401);
    assert.match(stored() ?? '', /^scrypt\$1024\$/, 'a failed login changes nothing');
    assert.equal((await login(api, 'old@example.com', 'eight-ch')).statusCode, 200);
    const rehashed = stored() ?? '';
    const { N, r, p } = api.deps.passwords?.params ?? passwords.params;
    assert.ok(N > 1024);
    assert.match(rehashed, new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$`));
    assert.equal((await login(api, 'old@example.com', 'eight-ch')).statusCode, 200);
    assert.equal(stored(), rehashed, 'a current hash is kept as it is');
  });

  void it('throttles failed logins per email, from any address, whether or not the email has a user', async (t) => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const api = await createTestApi({
      clock,
      settings: { loginFailuresPerEmail: { max: 3, windowMs: 60_000 } },
    });
    t.after(() => api.close());
    for (const email of [api.owner.email, 'nobody@example.com']) {
      for (let i = 0; i < 3; i++) {
        const reply = await login(api, email, 'guessing-wrong', `10.0.0.${i + 1}`);
        assert.equal(reply.statusCode, 401, `${email} attempt ${i}`);
      }
      // The next address, even with the right password: refused before any work.
      const refused = await login(api, email, api.owner.password, '10.0.1.1');
      assert.equal(refused.statusCode, 429, email);
      assert.equal(errorOf(refused).code, 'TIRELESS_RATE_LIMITED');
      assert.equal(
        errorOf(refused).message,
        'too many failed logins for this email; retry in 60 s',
      );
      assert.equal(refused.headers['retry-after'], '60');
    }
    // Another email is not held back; the throttled one is again once its window ends.
    const hasher = api.deps.passwords ?? passwords;
    await addUser(api, 'member@example.com', await hasher.hash('member-password'));
    assert.equal((await login(api, 'member@example.com', 'member-password')).statusCode, 200);
    clock.advance(60_000);
    assert.equal((await login(api, api.owner.email, api.owner.password)).statusCode, 200);
  });

  void it("keeps libuv's pool free during a login flood: a DNS lookup finishes before any login", async (t) => {
    // At OWASP's cost (the process's shared hasher), as a node hashes.
    const api = await createTestApi({ passwords });
    t.after(() => api.close());
    // As many logins as libuv has threads, and as many again: on the pool they would take
    // every thread, and a lookup would wait for the first of them to end.
    const poolSize = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const finished: string[] = [];
    const logins = Array.from({ length: 2 * poolSize }, (_, i) =>
      login(api, api.owner.email, api.owner.password, `10.0.2.${i + 1}`).then((reply) => {
        finished.push(`login ${reply.statusCode}`);
      }),
    );
    const deadline = Date.now() + 5000;
    while (passwords.pending < 2 * poolSize && Date.now() < deadline) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(passwords.pending, 2 * poolSize, 'every login is hashing or waiting to');
    await lookup('localhost');
    finished.push('lookup');
    await Promise.all(logins);
    assert.equal(finished[0], 'lookup', finished.join(', '));
    assert.deepEqual(finished.slice(1), Array<string>(2 * poolSize).fill('login 200'));
  });
});

void describe('unknown tokens', () => {
  void it('are limited per client address, before the wait for the cluster; known tokens never', async (t) => {
    const api = await createTestApi({
      settings: { unknownTokensPerAddress: { max: 3, windowMs: 60_000 } },
    });
    t.after(() => api.close());
    let catchUps = 0;
    const caughtUp = api.deps.config.caughtUp.bind(api.deps.config);
    api.deps.config.caughtUp = () => {
      catchUps++;
      return caughtUp();
    };
    const attacker = '10.0.3.1';
    const made = (i: number) => ({ authorization: `Bearer tl_made-up-token-number-${i}` });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const reply = await api.call('GET', '/api/v1/monitors', {
        token: null,
        headers: made(i),
        remoteAddress: attacker,
      });
      statuses.push(reply.statusCode);
    }
    assert.deepEqual(statuses, [401, 401, 401, 429, 429, 429]);
    assert.equal(catchUps, 3, 'a refused request waits for nothing');
    const refused = await api.call('GET', '/api/v1/monitors', {
      token: null,
      headers: made(9),
      remoteAddress: attacker,
    });
    assert.equal(errorOf(refused).code, 'TIRELESS_RATE_LIMITED');
    // The same address with a real token, and another address with a made-up one.
    assert.equal(
      (await api.call('GET', '/api/v1/monitors', { remoteAddress: attacker })).statusCode,
      200,
    );
    const elsewhere = await api.call('GET', '/api/v1/monitors', {
      token: null,
      headers: made(7),
      remoteAddress: '10.0.3.2',
    });
    assert.equal(elsewhere.statusCode, 401);
  });
});
