/**
 * Every word a visitor of a public status page reads, on the page, its badges and its feeds,
 * in one place: a translation of the public side is a copy of this file (the dashboard's words
 * are in web/src/strings.ts; docs/ARCHITECTURE.md says why two). The page's words go into
 * HTML text as they are (strings.test.ts keeps `<` and `&` out); what the account wrote is escaped
 * by whoever passes it in.
 */
import type { DayStatus, OverallState, PublicState } from './view.js';

export const publicStrings = {
  /** The page's `lang`. */
  lang: 'en',
  noData: 'no data',
  /** A share 0..1 as a percentage with up to two decimals, e.g. "99.95%"; "no data" for null. */
  percent: (share: number | null) =>
    // Floor, so 99.999 % never reads as 100 %.
    share === null ? publicStrings.noData : `${String(Math.floor(share * 10_000) / 100)}%`,
  overall: {
    operational: 'All systems operational',
    degraded: 'Some systems are down',
    outage: 'All systems are down',
    maintenance: 'Under maintenance',
    unknown: 'Status not known yet',
  } satisfies Record<OverallState, string>,
  states: {
    up: 'Up',
    down: 'Down',
    pending: 'Pending',
    paused: 'Paused',
    maintenance: 'Maintenance',
  } satisfies Record<PublicState, string>,
  days: {
    up: 'no failed checks',
    partial: 'some failed checks',
    down: 'mostly down',
    nodata: 'no data',
    none: 'not monitored yet',
  } satisfies Record<DayStatus, string>,
  page: {
    title: (title: string) => `${title} status`,
    rss: 'RSS',
    jsonFeed: 'JSON Feed',
    feedLink: (kind: string) => `Incidents (${kind})`,
    monitors: 'Monitors',
    legend:
      'Each bar is one UTC day of the last 90. A day with gaps in monitoring shows as “no data”, not as up.',
    notices: 'Notices',
    currentIncidents: 'Current incidents',
    pastIncidents: 'Past incidents',
    none: 'None.',
    updated: (time: string) => `Updated ${time}`,
    day: (date: string, words: string, uptime: string | undefined) =>
      uptime === undefined ? `${date}: ${words}` : `${date}: ${words}, ${uptime} up`,
    bars: (monitor: string) => `${monitor}, the last 90 days`,
    uptime: (ninetyDays: string, day: string) =>
      `${ninetyDays} over 90 days · ${day} over 24 hours`,
    since: (time: string) => `since ${time}`,
    down: (monitor: string, span: string) => `${monitor} down ${span}`,
    duringMaintenance: ' (during maintenance)',
    utc: (time: string) => `${time} UTC`,
  },
  badges: {
    status: 'status',
    uptime: (window: string) => `uptime ${window}`,
    responseTime: 'response time',
    ms: (ms: number) => `${String(ms)} ms`,
  },
  feeds: {
    title: (page: string) => `${page}: incidents`,
    description: (page: string) => `Incidents of ${page}`,
    isDown: (monitor: string) => `${monitor} is down`,
    wasDown: (monitor: string, duration: string) => `${monitor} was down for ${duration}`,
    downSince: (time: string) => `Down since ${time}.`,
    downFromTo: (from: string, to: string) => `Down from ${from} to ${to}.`,
    duringMaintenance: 'During maintenance.',
    cause: (cause: string) => `Cause: ${cause}`,
    seconds: (n: number) => `${String(n)} s`,
    minutes: (n: number) => `${String(n)} min`,
    hours: (n: number) => `${String(n)} h`,
    hoursMinutes: (hours: number, minutes: number) => `${String(hours)} h ${String(minutes)} min`,
  },
};
