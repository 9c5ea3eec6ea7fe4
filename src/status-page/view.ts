/**
 * What a public status page shows, as pure functions of what the store holds and `now`: the
 * daily bars (with gaps in monitoring as "no data"), each monitor's public state, and the
 * page's overall state.
 */

/** One UTC day in ms. */
export const DAY_MS = 86_400_000;
/** How many daily bars a page shows. */
export const BAR_DAYS = 90;
/**
 * A day whose checks cover less than this share of the slots expected in the part of the day
 * the monitor existed (one slot of grace for the check in flight) shows as "no data".
 */
export const MIN_DAY_COVERAGE = 0.9;

/** A monitor as a visitor sees it. */
export type PublicState = 'up' | 'down' | 'pending' | 'paused' | 'maintenance';

/** The page as a whole: every monitor up, some down, all down, in maintenance, or not known yet. */
export type OverallState = 'operational' | 'degraded' | 'outage' | 'maintenance' | 'unknown';

/**
 * One day's bar: `up` (no failed check), `partial` (some failed), `down` (more failed than
 * passed), `nodata` (too few checks: a gap in monitoring, e.g. paused or the node was down),
 * `none` (the monitor did not exist yet).
 */
export type DayStatus = 'up' | 'partial' | 'down' | 'nodata' | 'none';

export interface DayBar {
  /** The UTC day, YYYY-MM-DD. */
  date: string;
  status: DayStatus;
  /** Checks stored for the day (from every location). */
  checks: number;
  /** Checks expected from one location in the part of the day the monitor existed (until now). */
  expected: number;
  /** Share of passed checks, 0..1; null without checks. */
  uptime: number | null;
}

/** The uptime windows a page and its badges show, ms. */
export const WINDOWS = {
  '24h': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
  '90d': 90 * DAY_MS,
} as const;

export type WindowName = keyof typeof WINDOWS;

export interface PublicMonitor {
  id: string;
  name: string;
  state: PublicState;
  /** What it checks; only on pages that show targets. */
  target?: string;
  /** Share of passed checks per window, 0..1; null without checks. */
  uptime: Record<WindowName, number | null>;
  /** Mean latency of the checks of the last 24 h, ms; null without checks. */
  latencyMs: number | null;
  /** The last BAR_DAYS UTC days, oldest first, today last. */
  days: DayBar[];
}

export interface PublicIncident {
  id: string;
  monitorId: string;
  monitorName: string;
  /** ms since the epoch */
  startedAt: number;
  /** ms since the epoch; null while it lasts. */
  endedAt: number | null;
  /** Why it failed; only on pages that show targets (errors name hosts and addresses). */
  cause?: string;
  inMaintenance: boolean;
}

export interface PublicNote {
  title: string;
  body: string;
  at: number;
  until?: number;
}

/** A status page as its JSON shows it. */
export interface PublicStatusPage {
  slug: string;
  title: string;
  description?: string;
  state: OverallState;
  /** When this view was computed, ms since the epoch (it is cached for a few seconds). */
  generatedAt: number;
  monitors: PublicMonitor[];
  incidents: { current: PublicIncident[]; past: PublicIncident[] };
  /** Notes the account wrote that have not ended, newest first. */
  notes: PublicNote[];
}

/** One day's check counts (a day rollup). */
export interface DayCounts {
  /** floor(ms since the epoch / DAY_MS) */
  day: number;
  up: number;
  down: number;
}

/**
 * The bar of UTC day `day`: the checks it holds against the slots expected between the
 * monitor's creation (or the day's start) and now (or the day's end).
 */
export function dayBar(
  counts: DayCounts,
  monitor: { intervalMs: number; createdAt: number },
  now: number,
): DayBar {
  const start = counts.day * DAY_MS;
  const from = Math.max(start, monitor.createdAt);
  const to = Math.min(start + DAY_MS, now);
  const expected = to > from ? Math.floor((to - from) / monitor.intervalMs) : 0;
  const checks = counts.up + counts.down;
  const uptime = checks === 0 ? null : counts.up / checks;
  const date = new Date(start).toISOString().slice(0, 10);
  let status: DayStatus;
  if (checks === 0 && expected === 0) status = 'none';
  else if (checks < MIN_DAY_COVERAGE * expected - 1) status = 'nodata';
  else if (counts.down === 0) status = 'up';
  else status = counts.down > counts.up ? 'down' : 'partial';
  return { date, status, checks, expected, uptime };
}

/** The BAR_DAYS bars ending today, from the day rollups stored (days without checks absent). */
export function dayBars(
  stored: readonly DayCounts[],
  monitor: { intervalMs: number; createdAt: number },
  now: number,
): DayBar[] {
  const byDay = new Map(stored.map((counts) => [counts.day, counts]));
  const today = Math.floor(now / DAY_MS);
  const bars: DayBar[] = [];
  for (let day = today - BAR_DAYS + 1; day <= today; day++) {
    bars.push(dayBar(byDay.get(day) ?? { day, up: 0, down: 0 }, monitor, now));
  }
  return bars;
}

/** A monitor's state for visitors: paused, else in maintenance, else its verdict. */
export function publicState(input: {
  paused: boolean;
  inMaintenance: boolean;
  status: 'up' | 'down' | 'unknown';
}): PublicState {
  if (input.paused) return 'paused';
  if (input.inMaintenance) return 'maintenance';
  return input.status === 'unknown' ? 'pending' : input.status;
}

/**
 * The page's state from its monitors' (paused ones aside): all down is an outage, some down
 * degraded, else maintenance when one is in it, operational when one is up, else unknown.
 */
export function overallState(states: readonly PublicState[]): OverallState {
  const active = states.filter((state) => state !== 'paused');
  const down = active.filter((state) => state === 'down').length;
  if (active.length === 0) return 'unknown';
  if (down === active.length) return 'outage';
  if (down > 0) return 'degraded';
  if (active.includes('maintenance')) return 'maintenance';
  return active.includes('up') ? 'operational' : 'unknown';
}
