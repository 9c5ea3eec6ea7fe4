import { test } from 'node:test';
import assert from 'node:assert/strict';
import { failover, replicationLag, type SeenResult } from './cluster-figures.js';

const seen = (origin: string, at: Record<string, number>): SeenResult => ({
  origin,
  firstSeen: new Map(Object.entries(at)),
});

test('replication lag: each other node against the origin, results seen before the start or after the window left out, missing copies counted', () => {
  const figures = replicationLag(
    [
      seen('a', { a: 1000, b: 1040, c: 1100 }),
      seen('b', { a: 2030, b: 2000 }),
      // On its origin before the watch began: its lag is unknown.
      seen('c', { a: 10, b: 10, c: 10 }),
      // Seen on c in the same poll round, a few ms before the origin's file was read.
      seen('a', { a: 3005, b: 3020, c: 3000 }),
      // Committed after the window, just before the watch stopped: not missing, not counted.
      seen('b', { b: 9990 }),
    ],
    ['a', 'b', 'c'],
    500,
    5000,
  );
  assert.deepEqual(
    { count: figures.lag.count, max: figures.lag.max, p50: figures.lag.p50 },
    { count: 5, max: 100, p50: 30 },
  );
  assert.equal(figures.missing, 1);
});

test('failover: first and last takeover after the kill, checks by the victim or before the kill ignored', () => {
  const monitors = new Set(['m1', 'm2', 'm3']);
  const checks = [
    { monitorId: 'm1', checkedAt: 900, node: 'b' },
    { monitorId: 'm1', checkedAt: 1100, node: 'c' },
    { monitorId: 'm1', checkedAt: 4200, node: 'b' },
    { monitorId: 'm2', checkedAt: 1050, node: 'c' },
    { monitorId: 'm2', checkedAt: 4000, node: 'a' },
    { monitorId: 'm3', checkedAt: 5000, node: 'a' },
    { monitorId: 'other', checkedAt: 3500, node: 'a' },
  ];
  assert.deepEqual(failover(checks, 'c', monitors, 1000), {
    monitors: 3,
    firstElsewhereMs: 3000,
    allElsewhereMs: 4000,
    neverTakenOver: 0,
  });
  const partial = failover(checks.slice(0, 3), 'c', monitors, 1000);
  assert.equal(partial.neverTakenOver, 2);
  assert.ok(Number.isNaN(partial.allElsewhereMs));
});
