/** What the monitor list and the monitor page read from the API, beside api.ts's basics. */
import type { Monitor, ResultSummary, StateItem } from './api';

/** A monitor with the stored fields the list and page show. */
export interface MonitorDoc extends Monitor {
  tags?: string[];
  intervalSeconds: number;
  revision: number;
  /** Push monitors: the path their job calls, /api/push/{token}. */
  pushUrl?: string;
  /** TLS monitors, once checked: when the certificate last presented expires, ms. */
  certExpiresAt?: number;
}

/** One monitor in `GET /api/v1/monitors/summary`. */
export interface SummaryItem extends StateItem {
  /** Statuses of the newest results, oldest first: `u` up, `d` down. */
  recent: string;
  uptime: { '24h': number | null; '30d': number | null };
}

/** A stored result, as `GET /api/v1/monitors/:id/results` lists it. */
export interface StoredResult extends ResultSummary {
  node: string;
  region: string;
  /** HTTP checks: the final request's phases, whole ms; a phase not gone through is absent. */
  timing?: { dnsMs?: number; connectMs?: number; tlsMs?: number; firstByteMs?: number };
}

/** `GET /api/v1/incidents` items. */
export interface Incident {
  id: string;
  monitorId: string;
  startedAt: number;
  endedAt: number | null;
  cause: string;
  inMaintenance: boolean;
}

/** One rollup bucket of `GET /api/v1/monitors/:id/series`. */
export interface SeriesPoint {
  at: number;
  up: number;
  down: number;
  latencyAvg: number;
  latencyMin: number;
  latencyMax: number;
}

/** How many of the newest results the list's bar shows. */
export const RECENT_RESULTS = 30;

/** The state item with a new result appended to the summary's recent statuses. */
export function withLatest(summary: SummaryItem | undefined, state: StateItem): SummaryItem {
  const previous = summary?.latest?.slot;
  const fresh = state.latest && state.latest.slot !== previous;
  const recent = summary?.recent ?? '';
  return {
    ...state,
    recent:
      fresh && state.latest
        ? (recent + (state.latest.status === 'up' ? 'u' : 'd')).slice(-RECENT_RESULTS)
        : recent,
    uptime: summary?.uptime ?? { '24h': null, '30d': null },
  };
}

/**
 * A summary item just read, unless the list shows a newer result of the monitor (a live state
 * that came while the read was on its way, or after the node computed it: the node shares one
 * summary between an account's readers for a few seconds); then that state, its result added
 * to the bar read.
 */
export function newerOf(read: SummaryItem, shown: SummaryItem | undefined): SummaryItem {
  const shownSlot = shown?.latest?.slot;
  if (!shown || shownSlot === undefined || shownSlot <= (read.latest?.slot ?? -Infinity))
    return read;
  return withLatest(read, shown);
}
