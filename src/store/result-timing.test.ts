import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTiming, encodeTiming } from './result-timing.js';

test('a timing survives its encoding in whole ms; absent phases stay absent', () => {
  const cases: Record<string, number>[] = [
    { dnsMs: 1.2, connectMs: 30.5, tlsMs: 61, firstByteMs: 240.4 },
    { connectMs: 0.2, firstByteMs: 3 },
    { firstByteMs: 86_400_000 },
  ];
  for (const timing of cases) {
    const rounded = Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v)]));
    assert.deepEqual(decodeTiming(encodeTiming(timing)), rounded);
  }
});

test('a remote HTTPS check costs a few bytes; no timing, or no usable phase, costs none', () => {
  assert.equal(encodeTiming({ dnsMs: 12, connectMs: 35, tlsMs: 70, firstByteMs: 420 })?.length, 5);
  assert.equal(encodeTiming(undefined), null);
  assert.equal(encodeTiming({}), null);
  assert.equal(encodeTiming({ dnsMs: Number.NaN, connectMs: -1 }), null);
});

test('bytes that are not a timing read as none, never as wrong phases', () => {
  for (const bytes of [
    [],
    [1, 1, 1],
    [1, 1, 1, 1, 1],
    [0x80, 0x80, 0x80, 0x80, 0x80, 1, 1, 1],
    [0, 0, 0, 0],
  ]) {
    assert.equal(decodeTiming(Uint8Array.from(bytes)), undefined, `bytes ${bytes.join(',')}`);
  }
  assert.equal(decodeTiming(null), undefined);
});
