import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coverRange, DAY_MS, HOUR_MS, MINUTE_MS, GRANULARITY_MS } from './rollup-ranges.js';

function totalMs(ranges: ReturnType<typeof coverRange>): number {
  return ranges.reduce(
    (sum, r) => sum + (r.toBucket - r.fromBucket) * GRANULARITY_MS[r.granularity],
    0,
  );
}

test('a window inside one hour is covered by minutes only', () => {
  const from = 10 * DAY_MS + 5 * HOUR_MS + 3 * MINUTE_MS;
  const ranges = coverRange(from, from + 20 * MINUTE_MS);
  assert.deepEqual(ranges, [
    { granularity: 'minute', fromBucket: from / MINUTE_MS, toBucket: from / MINUTE_MS + 20 },
  ]);
});

test('90 days not aligned use days in the middle and finer buckets at the edges', () => {
  const to = 100 * DAY_MS + 7 * HOUR_MS + 30 * MINUTE_MS;
  const from = to - 90 * DAY_MS;
  const ranges = coverRange(from, to);
  assert.equal(totalMs(ranges), 90 * DAY_MS);
  assert.deepEqual(
    ranges.map((r) => r.granularity),
    ['minute', 'hour', 'day', 'hour', 'minute'],
  );
  const rows = ranges.reduce((n, r) => n + r.toBucket - r.fromBucket, 0);
  assert.ok(rows < 90 + 46 + 118, `${rows} rows`);
});

test('edges round outward to whole minutes and empty windows cover nothing', () => {
  assert.equal(totalMs(coverRange(30_000, 90_000)), 2 * MINUTE_MS);
  assert.deepEqual(coverRange(5 * MINUTE_MS, 5 * MINUTE_MS), []);
});

test('aligned days need no finer buckets', () => {
  assert.deepEqual(coverRange(2 * DAY_MS, 9 * DAY_MS), [
    { granularity: 'day', fromBucket: 2, toBucket: 9 },
  ]);
});
