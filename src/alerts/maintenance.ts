import type { MaintenanceSchedule, MaintenanceWindow } from '../model/index.js';

const DAY_MS = 86_400_000;

/** Whether `schedule` covers the instant `at` (ms since the epoch). Times are UTC. */
export function scheduleCovers(schedule: MaintenanceSchedule, at: number): boolean {
  if (schedule.kind === 'once') return at >= schedule.startsAt && at < schedule.endsAt;
  const [hours, minutes] = schedule.startTime.split(':').map(Number) as [number, number];
  const startOffset = (hours * 60 + minutes) * 60_000;
  const duration = schedule.durationMinutes * 60_000;
  // A window that began on an earlier day may still be running: look back far enough.
  const lookbackDays = Math.ceil((startOffset + duration) / DAY_MS) + 1;
  const today = Math.floor(at / DAY_MS);
  for (let day = today - lookbackDays; day <= today; day++) {
    const weekday = (day + 4) % 7; // 1970-01-01 was a Thursday
    if (schedule.every === 'week' && !schedule.weekdays.includes(weekday)) continue;
    const start = day * DAY_MS + startOffset;
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
