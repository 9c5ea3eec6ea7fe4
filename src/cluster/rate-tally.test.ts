import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  batchOf,
  overshootBound,
  parseRateKey,
  RATE_WINDOW_MS,
  rateKey,
  RateTally,
  windowLeftMs,
  windowOf,
  type RateDecision,
} from './rate-tally.js';

/** A minute's start, as a fake clock's time. */
const T0 = 29_412_000 * RATE_WINDOW_MS;
const ACCOUNT = 'acc_7f3a';

const current = (decision: RateDecision) => {
  assert.equal(decision.kind, 'answer');
  return decision.current;
};

test('windows: fixed minutes by the clock, and the time left in each', () => {
  const cases: [number, number, number][] = [
    [T0, 29_412_000, 60_000],
    [T0 + 1, 29_412_000, 59_999],
    [T0 + 59_999, 29_412_000, 1],
    [T0 + 60_000, 29_412_001, 60_000],
  ];
  for (const [now, window, left] of cases) {
    assert.equal(windowOf(now), window, `window of ${now}`);
    assert.equal(windowLeftMs(now), left, `left at ${now}`);
  }
});

test('the batch a node may hold unwritten, and the overshoot it bounds', () => {
  const cases: [number, number][] = [
    [1, 1],
    [49, 1],
    [100, 2],
    [300, 6],
    [600, 12],
  ];
  for (const [limit, batch] of cases) assert.equal(batchOf(limit), batch, `batch of ${limit}`);
  assert.equal(overshootBound(600, 3), 36);
  assert.equal(overshootBound(5, 2), 2);
});

test('bucket keys: one per kind, account, window and node, read back; others passed over', () => {
  const key = rateKey('push', 'acc_Ab-9.x', 17, 'eu-1');
  assert.match(key, /^push\.[A-Za-z0-9_-]+\.17\.eu-1$/);
  assert.deepEqual(parseRateKey(key), {
    kind: 'push',
    accountId: 'acc_Ab-9.x',
    window: 17,
    nodeId: 'eu-1',
  });
  for (const other of ['api.x.1', 'mail.YQ.1.n', 'api.YQ.x.n', 'api.YQ.1.N_1', 'secret-key'])
    assert.equal(parseRateKey(other), undefined, other);
});

test('alone: the node’s own requests against the limit, refused ones not counted; a new minute starts again', () => {
  const tally = new RateTally('n1');
  const counts = [1, 2, 3, 4, 4].map((_, i) =>
    current(tally.take('api', ACCOUNT, 3, T0 + i * 1000, false)),
  );
  assert.deepEqual(counts, [1, 2, 3, 4, 4]);
  const other = current(tally.take('push', ACCOUNT, 3, T0 + 5000, false));
  assert.equal(other, 1, 'push is counted apart from api');
  assert.equal(current(tally.take('api', ACCOUNT, 3, T0 + RATE_WINDOW_MS, false)), 1);
});

test('shared: the others’ counts as heard count too; alone they do not', () => {
  const tally = new RateTally('n1');
  const window = windowOf(T0);
  tally.heard(rateKey('api', ACCOUNT, window, 'n2'), 5, T0);
  tally.heard(rateKey('api', ACCOUNT, window, 'n3'), 4, T0);
  tally.heard(rateKey('api', ACCOUNT, window, 'n3'), 2, T0); // an older write heard late
  assert.equal(current(tally.take('api', ACCOUNT, 10, T0, true)), 10);
  assert.equal(current(tally.take('api', ACCOUNT, 10, T0, true)), 11, 'refused');
  assert.equal(current(tally.take('api', ACCOUNT, 10, T0, false)), 2, 'alone: its own only');
  tally.heard(rateKey('api', ACCOUNT, window - 2, 'n2'), 50, T0); // too old: passed over
  tally.heard(rateKey('api', 'acc_other', window, 'n2'), 50, T0);
  assert.equal(current(tally.take('api', ACCOUNT, 10, T0, false)), 3);
});

test('shared: a full batch unwritten waits for its write; written, requests go on', () => {
  const tally = new RateTally('n1');
  const limit = 100; // batch 2
  assert.equal(current(tally.take('api', ACCOUNT, limit, T0, true)), 1);
  assert.equal(tally.full(rateKey('api', ACCOUNT, windowOf(T0), 'n1'), limit), false);
  const second = tally.take('api', ACCOUNT, limit, T0, true);
  assert.equal(current(second), 2);
  const key = rateKey('api', ACCOUNT, windowOf(T0), 'n1');
  assert.equal(tally.full(key, limit), true);
  assert.deepEqual(tally.take('api', ACCOUNT, limit, T0, true), { kind: 'wait', key });
  assert.deepEqual(tally.unwritten(), [{ key, own: 2 }]);
  assert.equal(tally.toWrite(key), 2);
  tally.written(key, 2);
  assert.equal(tally.toWrite(key), undefined);
  assert.equal(current(tally.take('api', ACCOUNT, limit, T0, true)), 3);
});

test('a restarted node takes its own count back from the bucket, and the old minutes are forgotten', () => {
  const tally = new RateTally('n1');
  const key = rateKey('api', ACCOUNT, windowOf(T0), 'n1');
  tally.heard(key, 7, T0);
  assert.equal(tally.toWrite(key), undefined, 'held already');
  assert.equal(current(tally.take('api', ACCOUNT, 100, T0, true)), 8);
  tally.prune(T0 + 2 * RATE_WINDOW_MS);
  assert.deepEqual(tally.unwritten(), []);
});

test('n nodes, writes landing and heard late in a random order: never more than limit + the bound, the limit used', () => {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  for (const [nodes, limit] of [
    [2, 10],
    [3, 100],
    [5, 600],
    [3, 1],
  ] as const) {
    const tallies = Array.from({ length: nodes }, (_, i) => new RateTally(`n${i}`));
    /** Writes acknowledged by the bucket and not yet heard by each of the others. */
    const inFlight: { from: number; key: string; own: number }[] = [];
    let admitted = 0;
    for (let step = 0; step < 20 * limit + 200; step++) {
      if (inFlight.length > 0 && random() < 0.3) {
        // A write lands: its node knows, then every other node hears it.
        const write = inFlight.splice(Math.floor(random() * inFlight.length), 1)[0]!;
        tallies[write.from]!.written(write.key, write.own);
        for (const [i, tally] of tallies.entries())
          if (i !== write.from) tally.heard(write.key, write.own, T0);
        continue;
      }
      const from = Math.floor(random() * nodes);
      const tally = tallies[from]!;
      const decision = tally.take('api', ACCOUNT, limit, T0, true);
      if (decision.kind === 'wait') {
        const own = tally.toWrite(decision.key);
        if (own !== undefined) inFlight.push({ from, key: decision.key, own });
      } else if (decision.current <= limit) admitted++;
    }
    assert.ok(
      admitted <= limit + overshootBound(limit, nodes),
      `${nodes} nodes, limit ${limit}: ${admitted} admitted`,
    );
    assert.ok(admitted >= limit, `${nodes} nodes, limit ${limit}: the limit is used (${admitted})`);
  }
});
