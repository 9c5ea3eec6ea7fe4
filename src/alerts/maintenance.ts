import type { MaintenanceSchedule, MaintenanceWindow } from '../model/index.js';

const DAY_MS = 86_400_000;

/**
 * Whether `schedule` covers the instant `at` (ms since the epoch). A recurring window starts
 * at `startTime` on the wall clock of its time zone (UTC by default), on each day (`day`) or
 * on each of its `weekdays` there (`week`), and lasts `durationMinutes` of elapsed time, so
 * it may run past midnight. A start time that a DST change skips starts the window when the
 * clock jumps past it (02:30 on a day that goes from 02:00 to 03:00 starts at 03:30); one
 * that happens twice starts at the first.
 */
export function scheduleCovers(schedule: MaintenanceSchedule, at: number): boolean {
  if (schedule.kind === 'once') return at >= schedule.startsAt && at < schedule.endsAt;
  const zone = schedule.timeZone ?? 'UTC';
  const [hours, minutes] = schedule.startTime.split(':').map(Number) as [number, number];
  const startOffset = (hours * 60 + minutes) * 60_000;
  const duration = schedule.durationMinutes * 60_000;
  // A window that began on an earlier day may still be running: look back far enough.
  const lookbackDays = Math.ceil((startOffset + duration) / DAY_MS) + 1;
  // Local calendar days are counted as UTC days of the wall-clock date in the zone.
  const today = Math.floor(wallClock(at, zone) / DAY_MS);
  for (let day = today - lookbackDays; day <= today; day++) {
    const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday
    if (schedule.every === 'week' && !schedule.weekdays.includes(weekday)) continue;
    const start = instantOf(day * DAY_MS + startOffset, zone);
    if (at >= start && at < start + duration) return true;
  }
  return false;
}

/** Whether any of the account's windows covers this monitor at `at`. */
export function inMaintenance(
  windows: readonly MaintenanceWindow[],
  monitorId: string,
  at: number,
): boolean {
  return windows.some(
    (window) =>
      (window.monitorIds === null || window.monitorIds.includes(monitorId)) &&
      scheduleCovers(window.schedule, at),
  );
}

/**
 * The instant at which the clocks of `zone` show `wall` (a wall-clock time written as if it
 * were UTC, ms). In a DST gap, the wall time read with the offset from before the change
 * (so later than the gap's start, by its length); when the time happens twice, the first.
 */
function instantOf(wall: number, zone: string): number {
  // Zones change their offset at most once within a day or so of any instant.
  const before = offsetAt(wall - DAY_MS, zone);
  const after = offsetAt(wall + DAY_MS, zone);
  const candidates = [wall - before, wall - after].filter(
    (instant) => wallClock(instant, zone) === wall,
  );
  return candidates.length > 0 ? Math.min(...candidates) : wall - before;
}

/** What the clocks of `zone` show at `instant`, written as if it were UTC (ms). */
function wallClock(instant: number, zone: string): number {
  return instant + offsetAt(instant, zone);
}

/**
 * The zone's offset from UTC at `instant`, ms (e.g. 3_600_000 for CET). Zones change their
 * offset on whole minutes, so it is remembered per minute: the judge asks for every result.
 */
function offsetAt(instant: number, zone: string): number {
  if (zone === 'UTC') return 0;
  const minute = Math.floor(instant / 60_000);
  const key = `${zone} ${minute}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size >= 10_000) offsets.clear();
    offset = measureOffset(minute * 60_000, zone);
    offsets.set(key, offset);
  }
  return offset;
}

const offsets = new Map<string, number>();

function measureOffset(instant: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterOf(zone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const shown = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return shown - instant;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * One formatter per zone: making one costs far more than using it. A zone this runtime does
 * not know (the API refuses one, but a copy from a newer node may carry it) reads as UTC.
 */
function formatterOf(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    const options: Intl.DateTimeFormatOptions = {
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    };
    try {
      formatter = new Intl.DateTimeFormat('en-US', { ...options, timeZone: zone });
    } catch {
      formatter = new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'UTC' });
    }
    formatters.set(zone, formatter);
  }
  return formatter;
}
