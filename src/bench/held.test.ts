import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slotOffset } from '../slots/index.js';
import {
  checkKey,
  heldVerdict,
  pct,
  slotsIn,
  startToArrival,
  targetLateness,
  type HeldInputs,
} from './held.js';
import { percentile, spreadOf } from './stats.js';

describe('percentile and spread', () => {
  const table: [number[], number, number][] = [
    [[], 50, Number.NaN],
    [[7], 99, 7],
    [[1, 2, 3, 4], 50, 2],
    [[1, 2, 3, 4], 75, 3],
    [[1, 2, 3, 4], 100, 4],
    [[1, 2, 3, 4], 0, 1],
    // nearest rank: p99 of 100 values is the 99th, of 1,000 the 990th
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
    [Array.from({ length: 1000 }, (_, i) => i + 1), 99, 990],
    [Array.from({ length: 1000 }, (_, i) => i + 1), 99.9, 999],
  ];
  for (const [sorted, p, expected] of table) {
    it(`p${p} of ${sorted.length} values is ${expected}`, () => {
      assert.deepEqual(percentile(sorted, p), expected);
    });
  }

  it('sorts numerically, not as text, and counts', () => {
    assert.deepEqual(spreadOf([10, 9, 100, 2, 1000]), { p50: 10, p99: 1000, max: 1000, count: 5 });
    assert.deepEqual(spreadOf([]), { p50: NaN, p99: NaN, max: NaN, count: 0 });
  });
});

describe('slots of a window', () => {
  const id = 'mon_a';
  const offset = slotOffset(id, 10_000);
  const table: [string, number, number, number][] = [
    ['one interval exactly', 0, 10_000, 1],
    ['six intervals', 0, 60_000, 6],
    ['a window starting on a slot counts it', offset, offset + 1, 1],
    ['a window ending on a slot leaves it out', offset + 1, offset + 10_000, 0],
    ['an empty window', 5_000, 5_000, 0],
  ];
  for (const [name, from, to, expected] of table) {
    it(name, () => assert.equal(slotsIn(id, 10_000, from, to), expected));
  }
});

describe('lateness at the target', () => {
  const a = { id: 'mon_a', intervalMs: 10_000 };
  const b = { id: 'mon_b', intervalMs: 5_000 };
  const slotA = 1_000_000 * 10_000 + slotOffset(a.id, 10_000);
  const slotB = 2_000_000 * 5_000 + slotOffset(b.id, 5_000);

  it('is arrival − the slot the arrival falls in, per monitor', () => {
    const spread = targetLateness(
      { monitors: [0, 1, 0, 1], at: [slotA + 3, slotB + 40, slotA + 10_000 + 7, slotB + 5_000] },
      [a, b],
      0,
      Infinity,
    );
    assert.deepEqual(spread, { p50: 3, p99: 40, max: 40, count: 4 });
  });

  it('counts only arrivals whose slot lies in the window, and known monitors', () => {
    const spread = targetLateness(
      { monitors: [0, 0, 0, 5], at: [slotA - 1, slotA + 2, slotA + 10_001, slotA + 1] },
      [a],
      slotA,
      slotA + 10_000,
    );
    assert.deepEqual(spread, { p50: 2, p99: 2, max: 2, count: 1 });
  });

  it("splits off the part after the check's start: arrival − its (monitor, slot)'s checkedAt", () => {
    const checkedAt = new Map([
      [checkKey(a.id, slotA), slotA + 1],
      [checkKey(b.id, slotB), slotB + 30],
      // the next slot of a: its request arrived 7 ms into the slot, 2 ms after its start
      [checkKey(a.id, slotA + 10_000), slotA + 10_005],
    ]);
    const arrivals = {
      monitors: [0, 1, 0, 1],
      at: [slotA + 3, slotB + 40, slotA + 10_000 + 7, slotB + 5_000 + 9],
    };
    // b's second slot has no stored result: no start to measure from, so not counted
    assert.deepEqual(startToArrival(arrivals, [a, b], checkedAt, 0, Infinity), {
      p50: 2,
      p99: 10,
      max: 10,
      count: 3,
    });
    // the same window rule as targetLateness: a's second slot lies outside [slotA, slotA + 10 s)
    assert.deepEqual(startToArrival(arrivals, [a], checkedAt, slotA, slotA + 10_000), {
      p50: 2,
      p99: 2,
      max: 2,
      count: 1,
    });
  });
});

describe('held', () => {
  const spread = (p99: number, count = 1000) => ({ p50: 1, p99, max: p99, count });
  const good: HeldInputs = {
    expectedSlots: 100_000,
    checkedSlots: 100_000,
    missedSlotsReported: 0,
    healthyResults: 100_000,
    healthyUp: 100_000,
    lateness: spread(8),
    targetLateness: spread(9),
  };
  const table: [string, Partial<HeldInputs>, keyof ReturnType<typeof heldVerdict> | null][] = [
    ['every bar met', {}, null],
    ['99.9 % of slots exactly is held', { checkedSlots: 99_900 }, null],
    ['below 99.9 % of slots', { checkedSlots: 99_899 }, 'slotsChecked'],
    ['one missed slot counted by the scheduler', { missedSlotsReported: 1 }, 'noMissedSlot'],
    ['below 99.9 % up', { healthyUp: 99_899 }, 'up'],
    ['no healthy result at all', { healthyResults: 0, healthyUp: 0 }, 'up'],
    ['p99 stored 250 ms exactly is held', { lateness: spread(250) }, null],
    ['p99 stored over 250 ms', { lateness: spread(251) }, 'storedP99'],
    ['p99 at the target over 250 ms', { targetLateness: spread(251) }, 'targetP99'],
    ['nothing seen at the target', { targetLateness: spreadOf([]) }, 'targetP99'],
    ['nothing stored', { lateness: spreadOf([]) }, 'storedP99'],
  ];
  for (const [name, change, failing] of table) {
    it(name, () => {
      const verdict = heldVerdict({ ...good, ...change });
      assert.equal(verdict.held, failing === null);
      for (const key of ['slotsChecked', 'noMissedSlot', 'up', 'storedP99', 'targetP99'] as const) {
        assert.equal(verdict[key], key !== failing, key);
      }
    });
  }

  it('gives the percentages it judged', () => {
    const verdict = heldVerdict({ ...good, checkedSlots: 99_950, healthyUp: 50_000 });
    assert.equal(verdict.slotsCheckedPct, 99.95);
    assert.equal(verdict.upPct, 50);
    assert.ok(Number.isNaN(pct(1, 0)));
  });
});
