import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inMaintenance, scheduleCovers } from './maintenance.js';
import type { MaintenanceWindow } from '../model/index.js';

const at = (iso: string) => Date.parse(iso);

test('a one-off window covers [startsAt, endsAt)', () => {
  const schedule = {
    kind: 'once' as const,
    startsAt: at('2026-11-25T10:00:00Z'),
    endsAt: at('2026-11-25T11:00:00Z'),
  };
  const cases: [string, boolean][] = [
    ['2026-11-25T09:59:59Z', false],
    ['2026-11-25T10:00:00Z', true],
    ['2026-11-25T10:59:59Z', true],
    ['2026-11-25T11:00:00Z', false],
  ];
  for (const [time, expected] of cases)
    assert.equal(scheduleCovers(schedule, at(time)), expected, time);
});

test('a daily window that crosses midnight covers the early hours of the next day', () => {
  const schedule = {
    kind: 'recurring' as const,
    every: 'day' as const,
    weekdays: [],
    startTime: '23:30',
    durationMinutes: 60,
  };
  const cases: [string, boolean][] = [
    ['2026-11-25T23:29:00Z', false],
    ['2026-11-25T23:45:00Z', true],
    ['2026-11-26T00:29:00Z', true],
    ['2026-11-26T00:30:00Z', false],
  ];
  for (const [time, expected] of cases)
    assert.equal(scheduleCovers(schedule, at(time)), expected, time);
});

test('a weekly window applies only on its weekdays (UTC)', () => {
  // 2026-11-25 is a Wednesday (3).
  const schedule = {
    kind: 'recurring' as const,
    every: 'week' as const,
    weekdays: [3],
    startTime: '02:00',
    durationMinutes: 30,
  };
  assert.equal(scheduleCovers(schedule, at('2026-11-25T02:10:00Z')), true);
  assert.equal(scheduleCovers(schedule, at('2026-11-26T02:10:00Z')), false);
  assert.equal(scheduleCovers(schedule, at('2026-12-02T02:10:00Z')), true);
});

test('a window for some monitors leaves the others alone', () => {
  const window = {
    monitorIds: ['a'],
    schedule: { kind: 'once', startsAt: 0, endsAt: 100 },
  } as unknown as MaintenanceWindow;
  assert.equal(inMaintenance([window], 'a', 50), true);
  assert.equal(inMaintenance([window], 'b', 50), false);
  assert.equal(inMaintenance([{ ...window, monitorIds: null }], 'b', 50), true);
});
