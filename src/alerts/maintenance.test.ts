import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inMaintenance, scheduleCovers } from './maintenance.js';
import type { MaintenanceSchedule, MaintenanceWindow } from '../model/index.js';

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

type Recurring = Extract<MaintenanceSchedule, { kind: 'recurring' }>;

function daily(startTime: string, durationMinutes: number, timeZone?: string): Recurring {
  return {
    kind: 'recurring',
    every: 'day',
    weekdays: [],
    startTime,
    durationMinutes,
    ...(timeZone === undefined ? {} : { timeZone }),
  };
}

/** Each row: a schedule, an instant (UTC), whether it is covered, and why. */
function check(rows: [Recurring, string, boolean, string][]): void {
  for (const [schedule, time, expected, why] of rows)
    assert.equal(scheduleCovers(schedule, at(time)), expected, `${time}: ${why}`);
}

test("a 22:00–02:00 window in Europe/Berlin follows the zone's offset, winter and summer", () => {
  const night = daily('22:00', 240, 'Europe/Berlin');
  check([
    [night, '2026-01-15T20:59:00Z', false, '21:59 CET'],
    [night, '2026-01-15T21:00:00Z', true, '22:00 CET'],
    [night, '2026-01-15T23:30:00Z', true, '00:30 CET, after midnight'],
    [night, '2026-01-16T00:59:59Z', true, '01:59:59 CET'],
    [night, '2026-01-16T01:00:00Z', false, '02:00 CET'],
    [night, '2026-07-15T19:59:00Z', false, '21:59 CEST'],
    [night, '2026-07-15T20:00:00Z', true, '22:00 CEST'],
    [night, '2026-07-15T23:59:00Z', true, '01:59 CEST'],
    [night, '2026-07-16T00:00:00Z', false, '02:00 CEST'],
    [night, '2026-07-15T12:00:00Z', false, 'midday'],
  ]);
});

test('Europe/Berlin, last Sunday of March (02:00 CET → 03:00 CEST): duration is elapsed time, a skipped start begins after the jump', () => {
  // 2026-03-29 01:00Z is 02:00 CET, which becomes 03:00 CEST.
  check([
    [daily('22:00', 240, 'Europe/Berlin'), '2026-03-28T21:00:00Z', true, 'Saturday 22:00 CET'],
    [daily('22:00', 240, 'Europe/Berlin'), '2026-03-29T00:59:00Z', true, '01:59 CET'],
    [
      daily('22:00', 240, 'Europe/Berlin'),
      '2026-03-29T01:00:00Z',
      false,
      'four hours on: 03:00 CEST',
    ],
    [daily('22:00', 240, 'Europe/Berlin'), '2026-03-29T20:00:00Z', true, 'Sunday 22:00 CEST'],
    [daily('02:30', 60, 'Europe/Berlin'), '2026-03-28T01:30:00Z', true, 'Saturday 02:30 CET'],
    [
      daily('02:30', 60, 'Europe/Berlin'),
      '2026-03-29T01:29:00Z',
      false,
      '02:29 CET, before the jump',
    ],
    [
      daily('02:30', 60, 'Europe/Berlin'),
      '2026-03-29T01:30:00Z',
      true,
      '03:30 CEST, 02:30 skipped',
    ],
    [daily('02:30', 60, 'Europe/Berlin'), '2026-03-29T02:29:00Z', true, '04:29 CEST'],
    [daily('02:30', 60, 'Europe/Berlin'), '2026-03-29T02:30:00Z', false, '04:30 CEST'],
    [daily('02:30', 60, 'Europe/Berlin'), '2026-03-30T00:30:00Z', true, 'Monday 02:30 CEST'],
    [daily('02:30', 60, 'Europe/Berlin'), '2026-03-30T01:30:00Z', false, 'Monday 03:30 CEST'],
  ]);
});

test('Europe/Berlin, last Sunday of October (03:00 CEST → 02:00 CET): a start that happens twice counts once', () => {
  // 2026-10-25 01:00Z is 03:00 CEST, which becomes 02:00 CET: 02:00–03:00 happens twice.
  check([
    [daily('02:30', 30, 'Europe/Berlin'), '2026-10-25T00:29:00Z', false, '02:29 CEST'],
    [daily('02:30', 30, 'Europe/Berlin'), '2026-10-25T00:30:00Z', true, 'the first 02:30 (CEST)'],
    [daily('02:30', 30, 'Europe/Berlin'), '2026-10-25T00:59:00Z', true, '02:59 CEST'],
    [daily('02:30', 30, 'Europe/Berlin'), '2026-10-25T01:30:00Z', false, 'the second 02:30 (CET)'],
    [daily('02:30', 30, 'Europe/Berlin'), '2026-10-26T01:30:00Z', true, 'Monday 02:30 CET'],
    [daily('22:00', 240, 'Europe/Berlin'), '2026-10-24T20:00:00Z', true, 'Saturday 22:00 CEST'],
    [
      daily('22:00', 240, 'Europe/Berlin'),
      '2026-10-24T23:59:00Z',
      true,
      'four hours on, less a minute',
    ],
    [
      daily('22:00', 240, 'Europe/Berlin'),
      '2026-10-25T00:00:00Z',
      false,
      'four hours on: 02:00 CEST',
    ],
  ]);
});

test("America/New_York: DST both ways, and weekdays are the zone's", () => {
  // 2026-03-08: 02:00 EST → 03:00 EDT at 07:00Z; 2026-11-01: 02:00 EDT → 01:00 EST at 06:00Z.
  const early = daily('01:30', 60, 'America/New_York');
  check([
    [early, '2026-03-08T06:30:00Z', true, '01:30 EST'],
    [early, '2026-03-08T07:29:00Z', true, '03:29 EDT, 59 minutes on'],
    [early, '2026-03-08T07:30:00Z', false, '03:30 EDT, an hour on'],
    [early, '2026-03-09T05:30:00Z', true, 'Monday 01:30 EDT'],
    [early, '2026-11-01T05:30:00Z', true, 'the first 01:30 (EDT)'],
    [early, '2026-11-01T06:29:00Z', true, '01:29 EST, 59 minutes on'],
    [early, '2026-11-01T06:45:00Z', false, 'the second 01:45 (EST)'],
  ]);
  // 2026-11-08 is a Sunday: 23:00 there is Monday 04:00 UTC.
  const sundayNight: Recurring = {
    kind: 'recurring',
    every: 'week',
    weekdays: [0],
    startTime: '23:00',
    durationMinutes: 120,
    timeZone: 'America/New_York',
  };
  check([
    [sundayNight, '2026-11-09T04:00:00Z', true, 'Sunday 23:00 EST'],
    [sundayNight, '2026-11-09T05:59:00Z', true, 'Monday 00:59 EST'],
    [sundayNight, '2026-11-09T06:00:00Z', false, 'Monday 01:00 EST'],
    [sundayNight, '2026-11-08T23:30:00Z', false, 'Sunday 18:30 EST (23:30 UTC)'],
    [sundayNight, '2026-11-10T04:00:00Z', false, 'Monday 23:00 EST'],
  ]);
});

test('a weekly window crossing midnight belongs to the day it starts; UTC without a zone', () => {
  // 2026-11-27 is a Friday (5).
  const friday: Recurring = {
    kind: 'recurring',
    every: 'week',
    weekdays: [5],
    startTime: '22:00',
    durationMinutes: 240,
  };
  check([
    [friday, '2026-11-27T21:59:00Z', false, 'Friday 21:59'],
    [friday, '2026-11-27T22:00:00Z', true, 'Friday 22:00'],
    [friday, '2026-11-28T01:59:00Z', true, 'Saturday 01:59'],
    [friday, '2026-11-28T02:00:00Z', false, 'Saturday 02:00'],
    [friday, '2026-11-28T22:30:00Z', false, 'Saturday 22:30'],
    [{ ...friday, timeZone: 'UTC' }, '2026-11-28T01:59:00Z', true, 'UTC named'],
    [{ ...friday, timeZone: 'Asia/Tokyo' }, '2026-11-27T13:00:00Z', true, 'Friday 22:00 JST'],
    [{ ...friday, timeZone: 'Asia/Tokyo' }, '2026-11-27T22:00:00Z', false, 'Saturday 07:00 JST'],
    [{ ...friday, timeZone: 'Mars/Olympus' }, '2026-11-27T22:00:00Z', true, 'unknown here: UTC'],
  ]);
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
