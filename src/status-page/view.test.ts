import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dayBar, dayBars, overallState, publicState, type PublicState } from './view.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const D = 20_000; // a UTC day number
const monitor = { intervalMs: HOUR, createdAt: 0 };

void describe('dayBar: gaps in monitoring are "no data", not up', () => {
  const cases: [string, { up: number; down: number }, number, string, number][] = [
    // [what, counts, now, status, expected]
    ['a whole day checked, all up', { up: 24, down: 0 }, (D + 2) * DAY, 'up', 24],
    ['one slot short (in flight) is still checked', { up: 23, down: 0 }, (D + 2) * DAY, 'up', 24],
    ['90 % minus one slot of grace', { up: 21, down: 0 }, (D + 2) * DAY, 'up', 24],
    ['below 90 % of the slots: no data', { up: 20, down: 0 }, (D + 2) * DAY, 'nodata', 24],
    ['no checks at all in a past day: no data', { up: 0, down: 0 }, (D + 2) * DAY, 'nodata', 24],
    ['some failed checks: partial', { up: 20, down: 4 }, (D + 2) * DAY, 'partial', 24],
    ['more failed than passed: down', { up: 10, down: 14 }, (D + 2) * DAY, 'down', 24],
    ['today so far: 6 hours, 6 checks', { up: 6, down: 0 }, D * DAY + 6 * HOUR, 'up', 6],
    ['today so far with a gap', { up: 2, down: 0 }, D * DAY + 6 * HOUR, 'nodata', 6],
    ['a day that has not begun', { up: 0, down: 0 }, D * DAY - HOUR, 'none', 0],
  ];
  for (const [what, counts, now, status, expected] of cases) {
    void it(what, () => {
      const bar = dayBar({ day: D, ...counts }, monitor, now);
      assert.equal(bar.status, status);
      assert.equal(bar.expected, expected);
      assert.equal(bar.checks, counts.up + counts.down);
      assert.equal(bar.date, new Date(D * DAY).toISOString().slice(0, 10));
    });
  }

  void it('counts only the part of the day after the monitor was created', () => {
    const created = { intervalMs: HOUR, createdAt: D * DAY + 18 * HOUR };
    const bar = dayBar({ day: D, up: 6, down: 0 }, created, (D + 1) * DAY);
    assert.deepEqual([bar.status, bar.expected], ['up', 6]);
    assert.equal(dayBar({ day: D - 1, up: 0, down: 0 }, created, (D + 1) * DAY).status, 'none');
  });

  void it('dayBars: 90 days ending today, days without rollups filled in', () => {
    const bars = dayBars([{ day: D, up: 24, down: 0 }], monitor, (D + 1) * DAY + HOUR);
    assert.equal(bars.length, 90);
    assert.equal(bars.at(-1)?.date, new Date((D + 1) * DAY).toISOString().slice(0, 10));
    assert.equal(bars.at(-2)?.status, 'up');
    assert.equal(bars.at(-3)?.status, 'nodata');
  });
});

void describe('public and overall state', () => {
  void it('paused, then maintenance, then the verdict', () => {
    assert.equal(publicState({ paused: true, inMaintenance: true, status: 'down' }), 'paused');
    assert.equal(
      publicState({ paused: false, inMaintenance: true, status: 'down' }),
      'maintenance',
    );
    assert.equal(
      publicState({ paused: false, inMaintenance: false, status: 'unknown' }),
      'pending',
    );
    assert.equal(publicState({ paused: false, inMaintenance: false, status: 'down' }), 'down');
  });

  const cases: [PublicState[], string][] = [
    [[], 'unknown'],
    [['paused'], 'unknown'],
    [['up', 'up'], 'operational'],
    [['up', 'paused'], 'operational'],
    [['up', 'down'], 'degraded'],
    [['down', 'paused'], 'outage'],
    [['down', 'down'], 'outage'],
    [['up', 'maintenance'], 'maintenance'],
    [['pending'], 'unknown'],
    [['pending', 'up'], 'operational'],
  ];
  for (const [states, overall] of cases) {
    void it(`${JSON.stringify(states)} → ${overall}`, () => {
      assert.equal(overallState(states), overall);
    });
  }
});
