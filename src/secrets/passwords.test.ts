import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { TirelessError } from '../errors/index.js';
import { OWASP_SCRYPT, PasswordHasher, passwords } from './index.js';

/** Cheap parameters, for tests that are not about the cost. */
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

void describe('password hasher', () => {
  void it("hashes at OWASP's scrypt parameters by default: N=2^17, r=8, p=1", () => {
    assert.deepEqual({ ...OWASP_SCRYPT }, { N: 131_072, r: 8, p: 1 });
    assert.deepEqual({ ...new PasswordHasher().params }, { N: 131_072, r: 8, p: 1 });
    // The one a node's API uses (ApiDeps.passwords is not set there).
    assert.deepEqual({ ...passwords.params }, { N: 131_072, r: 8, p: 1 });
  });

  void it('writes the parameters into the hash, and checks a password against it', async (t) => {
    const hasher = new PasswordHasher({ params: CHEAP });
    t.after(() => hasher.close());
    const stored = await hasher.hash('correct-horse');
    assert.match(stored, /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(await hasher.hash('correct-horse'), stored, 'a fresh salt each time');
    assert.deepEqual(await hasher.check('correct-horse', stored), { matches: true, stale: false });
    assert.deepEqual(await hasher.check('Correct-horse', stored), { matches: false, stale: false });
    assert.deepEqual(await hasher.check('anything', hasher.decoy()), {
      matches: false,
      stale: false,
    });
  });

  void it('says a hash made with other parameters is stale, and still checks it', async (t) => {
    const old = new PasswordHasher({ params: { N: 2 ** 9, r: 8, p: 1 } });
    const current = new PasswordHasher({ params: CHEAP });
    t.after(() => Promise.all([old.close(), current.close()]));
    const stored = await old.hash('correct-horse');
    assert.deepEqual(await current.check('correct-horse', stored), { matches: true, stale: true });
    assert.deepEqual(await current.check('wrong-horse', stored), { matches: false, stale: true });
  });

  void it('matches nothing against a malformed or too costly hash, without running it', async (t) => {
    const hasher = new PasswordHasher({ params: CHEAP });
    t.after(() => hasher.close());
    const salt = 'AAAAAAAAAAAAAAAAAAAAAA';
    for (const stored of [
      '',
      'bcrypt$10$x',
      `scrypt$1000$8$1$${salt}$AAAA`, // N not a power of 2
      `scrypt$${2 ** 24}$8$1$${salt}$AAAA`, // 16 GiB of memory
      `scrypt$1024$8$1$${salt}`,
      `scrypt$1024$8$1$${salt}$AAAA$extra`,
    ]) {
      assert.deepEqual(await hasher.check('x', stored), { matches: false, stale: false }, stored);
    }
  });

  void it('refuses at once (503) past its bounded queue, and hashes again afterwards', async (t) => {
    const hasher = new PasswordHasher({ params: CHEAP, maxPending: 2 });
    t.after(() => hasher.close());
    const first = hasher.hash('one-password');
    const second = hasher.hash('two-password');
    assert.equal(hasher.pending, 2);
    await assert.rejects(hasher.hash('three-password'), (error: unknown) => {
      assert.ok(error instanceof TirelessError);
      assert.equal(error.code, 'TIRELESS_UNAVAILABLE');
      assert.equal(error.status, 503);
      return true;
    });
    await Promise.all([first, second]);
    assert.equal(hasher.pending, 0);
    assert.match(await hasher.hash('four-password'), /^scrypt\$/);
  });

  void it('stops its worker when idle, and a hash asked meanwhile starts a new one', async (t) => {
    const hasher = new PasswordHasher({ params: CHEAP, idleMs: 50 });
    t.after(() => hasher.close());
    assert.equal(hasher.running, false);
    await hasher.hash('first-password');
    assert.equal(hasher.running, true);
    const began = Date.now();
    while (hasher.running && Date.now() - began < 5_000) await setImmediatePromise();
    assert.equal(hasher.running, false, 'an idle worker holds ~10 MB for nothing');
    // At once, while the old worker is still exiting: its exit must not fail this hash.
    const stored = await hasher.hash('second-password');
    assert.equal((await hasher.check('second-password', stored)).matches, true);
  });

  void it('keeps its worker while hashes come closer together than idleMs', async (t) => {
    const hasher = new PasswordHasher({ params: CHEAP, idleMs: 1_000 });
    t.after(() => hasher.close());
    for (let i = 0; i < 4; i++) {
      await hasher.hash(`password-${i}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(hasher.running, true);
    }
  });

  void it('fails what it holds when closed, and starts a new worker for the next hash', async () => {
    const hasher = new PasswordHasher({ params: CHEAP });
    const held = hasher.hash('held-password');
    await hasher.close();
    await assert.rejects(held, /password hasher stopped/);
    assert.match(await hasher.hash('next-password'), /^scrypt\$/);
    await hasher.close();
  });
});
