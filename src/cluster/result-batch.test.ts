import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckedResult } from '../store/index.js';
import {
  decodeBatch,
  encodeBatch,
  MAX_BATCH_BYTES,
  MAX_RESULTS_PER_BATCH,
} from './result-batch.js';

const result = (slot: number, error?: string): CheckedResult => ({
  monitorId: 'mon_1',
  slot,
  checkedAt: slot + 5,
  status: error ? 'down' : 'up',
  latencyMs: 12,
  node: 'n1',
  region: 'eu',
  ...(error ? { error } : {}),
});
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

test('decodeBatch: what it reads, keeps for later, and rejects', () => {
  const ok = { v: 1, node: 'n1', results: [result(0)] };
  const table: [string, Uint8Array, string][] = [
    [
      'what encodeBatch writes',
      Buffer.from(encodeBatch({ node: 'n1', results: [result(0)] })[0] ?? ''),
      'ok 1',
    ],
    ['no v (version 1)', bytes({ node: 'n1', results: [result(0)] }), 'ok 1'],
    [
      'fields it does not know',
      bytes({ ...ok, sentAt: 5, results: [{ ...result(0), extra: 1 }] }),
      'ok 1',
    ],
    [
      'the locations checking recorded (a previous release reads past it)',
      bytes({ ...ok, results: [{ ...result(0), locationsChecking: 2 }] }),
      'ok 1',
    ],
    [
      'locations checking that are not a whole count',
      bytes({ ...ok, results: [{ ...result(0), locationsChecking: 0.5 }] }),
      'rejected',
    ],
    [
      'the timing phases measured (a previous release reads past them)',
      bytes({ ...ok, results: [{ ...result(0), timing: { dnsMs: 1.5, firstByteMs: 80 } }] }),
      'ok 1',
    ],
    [
      'a timing phase that is not a duration',
      bytes({ ...ok, results: [{ ...result(0), timing: { connectMs: -3 } }] }),
      'rejected',
    ],
    ['a newer major', bytes({ v: 2, node: 'n1', frames: [] }), 'newer'],
    ['no results', bytes({ ...ok, results: [] }), 'rejected'],
    [
      'too many results',
      bytes({
        ...ok,
        results: Array.from({ length: MAX_RESULTS_PER_BATCH + 1 }, (_, i) => result(i)),
      }),
      'rejected',
    ],
    [
      'a result without its slot',
      bytes({ ...ok, results: [{ ...result(0), slot: undefined }] }),
      'rejected',
    ],
    [
      'a status it does not know',
      bytes({ ...ok, results: [{ ...result(0), status: 'sideways' }] }),
      'rejected',
    ],
    [
      'a negative latency',
      bytes({ ...ok, results: [{ ...result(0), latencyMs: -1 }] }),
      'rejected',
    ],
    ['no node', bytes({ v: 1, results: [result(0)] }), 'rejected'],
    ['over the size limit', Buffer.alloc(MAX_BATCH_BYTES + 1, 0x20), 'rejected'],
    ['garbage', Buffer.from([0, 1, 2, 3]), 'rejected'],
  ];
  for (const [title, data, expected] of table) {
    const decoded = decodeBatch(data);
    const got = decoded.outcome === 'ok' ? `ok ${decoded.value.results.length}` : decoded.outcome;
    assert.equal(got, expected, title);
  }
});

test('encodeBatch splits a batch too large for one message, the same way every time, and loses nothing', () => {
  const small = Array.from({ length: 10 }, (_, i) => result(i * 1000));
  assert.equal(encodeBatch({ node: 'n1', results: small }).length, 1);

  // A thousand results with long error texts: about 2 MB, more than one message takes.
  const long = Array.from({ length: 1000 }, (_, i) => result(i * 1000, 'e'.repeat(1990)));
  const parts = encodeBatch({ node: 'n1', results: long });
  assert.ok(parts.length > 1);
  assert.deepEqual(encodeBatch({ node: 'n1', results: long }), parts, 'deterministic');
  const back: CheckedResult[] = [];
  for (const part of parts) {
    assert.ok(Buffer.byteLength(part) <= MAX_BATCH_BYTES);
    const decoded = decodeBatch(Buffer.from(part));
    assert.equal(decoded.outcome, 'ok');
    if (decoded.outcome === 'ok') back.push(...decoded.value.results);
  }
  assert.deepEqual(back, long);
});

test('the locations checking and the timing phases a result records travel with it', () => {
  const recorded = {
    ...result(0),
    locationsChecking: 2,
    timing: { dnsMs: 0.4, connectMs: 3.1, tlsMs: 9, firstByteMs: 41.7 },
  };
  const decoded = decodeBatch(
    Buffer.from(encodeBatch({ node: 'n1', results: [recorded] })[0] ?? ''),
  );
  assert.deepEqual(decoded.outcome === 'ok' ? decoded.value.results : decoded, [recorded]);
});
