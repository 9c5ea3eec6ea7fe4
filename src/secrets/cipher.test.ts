import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { TirelessError } from '../errors/index.js';
import {
  keepMaskedSecrets,
  maskFields,
  SECRET_MASK,
  sealedInputProblems,
  SecretBox,
} from './index.js';

const key = SecretBox.generateKey();
const box = new SecretBox(key);
const place = { accountId: 'acc_a', kind: 'channel', id: 'ch_1' };

void describe('SecretBox', () => {
  void it('seals bound (enc:v2:) and opens at the same place and field', () => {
    const sealed = box.seal('hunter2', place, 'config.secret');
    assert.match(sealed, /^enc:v2:/);
    assert.ok(!sealed.includes('hunter2'));
    assert.equal(box.open(sealed, place, 'config.secret'), 'hunter2');
  });

  void it('does not open a ciphertext moved to another account, entity, field or key', () => {
    const sealed = box.seal('hunter2', place, 'config.secret');
    const elsewhere: [typeof place, string, SecretBox][] = [
      [{ ...place, accountId: 'acc_b' }, 'config.secret', box],
      [{ ...place, id: 'ch_2' }, 'config.secret', box],
      [{ ...place, kind: 'monitor' }, 'config.secret', box],
      [place, 'config.authorization', box],
      [place, 'config.secret', new SecretBox(SecretBox.generateKey())],
    ];
    for (const [where, field, other] of elsewhere) {
      assert.throws(
        () => other.open(sealed, where, field),
        (error) =>
          error instanceof TirelessError &&
          error.code === 'TIRELESS_CONFIG' &&
          error.message.includes(field),
      );
    }
  });

  void it('opens a value sealed before v2 (no associated data) wherever it is', () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update('legacy', 'utf8'), cipher.final()]);
    const v1 =
      'enc:v1:' + [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join(':');
    assert.equal(box.open(v1, place, 'config.secret'), 'legacy');
  });

  void it('seals each value of a map under its own name, and masks it', () => {
    const values = { url: 'https://x', headers: { 'X-Key': 'k1', 'X-Other': 'k2' } };
    const sealed = box.sealFields(values, ['headers'], place, 'config.');
    const headers = sealed.headers as Record<string, string>;
    assert.equal(sealed.url, 'https://x');
    assert.match(headers['X-Key']!, /^enc:v2:/);
    // Each entry is bound to its own name: swapping two does not open.
    assert.throws(() => box.open(headers['X-Key']!, place, 'config.headers.X-Other'));
    assert.deepEqual(box.openFields(sealed, ['headers'], place, 'config.'), values);
    assert.deepEqual(maskFields(values, ['headers']).headers, {
      'X-Key': SECRET_MASK,
      'X-Other': SECRET_MASK,
    });
  });
});

void describe('secret fields in API input', () => {
  void it('names every sealed-looking value', () => {
    const given = { token: 'enc:v2:abc', headers: { A: 'plain', B: 'enc:v1:x' }, body: 'enc' };
    assert.deepEqual(
      sealedInputProblems(given, ['token', 'headers', 'body']).map((p) => p.field),
      ['token', 'headers.B'],
    );
  });

  void it('keeps the stored secret for each mask sent back, and says which', () => {
    const stored = { token: 't0', headers: { A: 'a0', B: 'b0' } };
    const given = { token: SECRET_MASK, headers: { A: SECRET_MASK, B: 'b1', C: SECRET_MASK } };
    const { values, kept } = keepMaskedSecrets(given, stored, ['token', 'headers']);
    assert.deepEqual(values, { token: 't0', headers: { A: 'a0', B: 'b1', C: SECRET_MASK } });
    assert.deepEqual(kept, ['token', 'headers.A']);
  });
});
