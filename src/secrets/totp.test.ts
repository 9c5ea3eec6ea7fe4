import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  base32Decode,
  base32Encode,
  hotp,
  matchTotp,
  newRecoveryCodes,
  newTotpSecret,
  otpauthUri,
  recoveryCodeHash,
  totpAt,
  totpStep,
} from './index.js';

/** The RFC's key for SHA-1: the ASCII digits 1234567890 twice. */
const RFC_KEY = Buffer.from('12345678901234567890');

void describe('TOTP', () => {
  void it("gives RFC 4226's HOTP test values (Appendix D)", () => {
    const expected = ['755224', '287082', '359152', '969429', '338314'];
    expected.push('254676', '287922', '162583', '399871', '520489');
    assert.deepEqual(
      expected.map((_, counter) => hotp(RFC_KEY, counter)),
      expected,
    );
  });

  void it("gives RFC 6238's SHA-1 test values (Appendix B, 8 digits)", () => {
    const secret = base32Encode(RFC_KEY);
    const table: [number, string][] = [
      [59, '94287082'],
      [1_111_111_109, '07081804'],
      [1_111_111_111, '14050471'],
      [1_234_567_890, '89005924'],
      [2_000_000_000, '69279037'],
      [20_000_000_000, '65353130'],
    ];
    for (const [seconds, code] of table) {
      assert.equal(totpAt(secret, totpStep(seconds * 1000), 8), code, `at ${seconds} s`);
    }
  });

  void it('round-trips base32 and makes 160-bit secrets', () => {
    assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI');
    assert.equal(base32Decode('mzxw6ytboi======').toString(), 'foobar');
    assert.throws(() => base32Decode('MZX1'), /not base32/);
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(base32Decode(secret).length, 20);
    assert.notEqual(newTotpSecret(), secret);
  });

  void it('accepts a code one step either side of now, once, and never one older than the last used', () => {
    const secret = newTotpSecret();
    const now = Date.UTC(2026, 11, 2, 10, 0, 15);
    const step = totpStep(now);
    const code = (offset: number) => totpAt(secret, step + offset);
    assert.equal(matchTotp(secret, code(0), now, -1), step);
    assert.equal(matchTotp(secret, code(-1), now, -1), step - 1);
    assert.equal(matchTotp(secret, code(1), now, -1), step + 1);
    assert.equal(matchTotp(secret, code(2), now, -1), undefined, 'two steps ahead');
    assert.equal(matchTotp(secret, code(-2), now, -1), undefined, 'two steps behind');
    assert.equal(matchTotp(secret, code(0), now, step), undefined, 'used already');
    assert.equal(matchTotp(secret, code(-1), now, step), undefined, 'older than the last used');
    assert.equal(matchTotp(secret, code(1), now, step), step + 1);
    for (const bad of ['', '12345', '1234567', 'abcdef', ` ${code(0)}`]) {
      assert.equal(matchTotp(secret, bad, now, -1), undefined, JSON.stringify(bad));
    }
  });

  void it('writes the otpauth URI authenticator apps read', () => {
    assert.equal(
      otpauthUri('JBSWY3DPEHPK3PXP', 'Tireless', 'ann@example.com'),
      'otpauth://totp/Tireless:ann%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Tireless&algorithm=SHA1&digits=6&period=30',
    );
  });

  void it('makes distinct 80-bit recovery codes whose hash ignores case and hyphens', () => {
    const codes = newRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    const [first = ''] = codes;
    assert.equal(recoveryCodeHash(first.toUpperCase().replace(/-/g, '')), recoveryCodeHash(first));
    assert.match(recoveryCodeHash(first), /^[0-9a-f]{64}$/);
    assert.notEqual(recoveryCodeHash(codes[1] ?? ''), recoveryCodeHash(first));
  });
});
