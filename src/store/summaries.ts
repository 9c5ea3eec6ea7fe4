import { BY_ACCOUNT, type Page } from './config-docs.js';
import type { Connection } from './database.js';
import { coverRange, GRANULARITY_MS, type Granularity } from './rollup-ranges.js';
import type { StoredResult, UptimeTotals } from './results.js';

/** One monitor of an account as the dashboard's list shows it, read in one pass for all. */
export interface MonitorSummary {
  monitorId: string;
  /** The alert state as this replica judged it (JSON), undefined before the first result. */
  state: object | undefined;
  /** The newest result, undefined before the first. */
  latest: StoredResult | undefined;
  /** The statuses of the newest results, oldest first: `u` up, `d` down (one per result). */
  recent: string;
  /** Up and down counts over each window asked for, in the order asked. */
  uptimes: UptimeTotals[];
}

/** A window [from, to), ms. */
export interface Window {
  from: number;
  to: number;
}

/** One rollup bucket of a monitor's series. */
export interface SeriesPoint {
  /** Start of the bucket, ms since the epoch. */
  at: number;
  up: number;
  down: number;
  /** Mean, least and most latency of the bucket's results, ms. */
  latencyAvg: number;
  latencyMin: number;
  latencyMax: number;
}

/**
 * The live monitors of an account with their local keys (null before their first result):
 * a page of them, by id after `:after`, at most `:limit` (-1: all).
 */
const ACCOUNT_MONITORS = `SELECT c.id AS id, k.n AS n FROM config c ${BY_ACCOUNT}
  LEFT JOIN keys_monitor k ON k.id = c.id
  WHERE c.kind = 'monitor' AND c.account_id = :account AND c.doc IS NOT NULL AND c.id > :after
  ORDER BY c.id LIMIT :limit`;

/** Every monitor at once. */
const WHOLE: Page = { after: '', limit: -1 };

interface SummaryRow {
  id: string;
  state: string | null;
  latest: string | null;
  recent: string | null;
}

/**
 * The dashboard's reads over many monitors at once: per account, each monitor's state,
 * latest result, recent statuses and uptimes, as a handful of statements whatever the number
 * of monitors (each walks the primary keys of its monitors, never a whole table); and one
 * monitor's rollup series for a chart.
 */
export class Summaries {
  private readonly sql;

  constructor(db: Connection) {
    const perGranularity = <S>(make: (table: string) => S): Record<Granularity, S> => ({
      minute: make('rollup_minute'),
      hour: make('rollup_hour'),
      day: make('rollup_day'),
    });
    this.sql = {
      // The correlated subqueries each walk one monitor's results back from its newest.
      summaries: db.prepare(
        `WITH m AS (${ACCOUNT_MONITORS})
         SELECT m.id AS id, s.state AS state,
           (SELECT json_object('slot', r.slot, 'checkedAt', r.slot + r.lateness,
               'status', iif(r.up, 'up', 'down'), 'latencyMs', r.latency, 'error', e.text,
               'node', o.node, 'region', o.region)
             FROM results r JOIN keys_origin o ON o.n = r.origin
             LEFT JOIN error_texts e ON e.n = r.error
             WHERE r.monitor = m.n ORDER BY r.slot DESC, r.origin LIMIT 1) AS latest,
           (SELECT string_agg(iif(x.up, 'u', 'd'), '' ORDER BY x.slot, x.origin)
             FROM (SELECT up, slot, origin FROM results WHERE monitor = m.n
               ORDER BY slot DESC, origin LIMIT :recent) x) AS recent
         FROM m LEFT JOIN monitor_state s ON s.monitor_id = m.id
         ORDER BY m.id`,
      ),
      sums: perGranularity((table) =>
        db.prepare(
          // Grouped by id, the order the account's monitors are read in: no sort.
          `SELECT m.id AS id, sum(b.up) AS up, sum(b.down) AS down
           FROM (${ACCOUNT_MONITORS}) m JOIN ${table} b ON b.monitor = m.n
           WHERE b.bucket >= :from AND b.bucket < :to GROUP BY m.id`,
        ),
      ),
      series: perGranularity((table) =>
        db.prepare(
          `SELECT bucket, up, down, latency_sum, latency_min, latency_max FROM ${table}
           WHERE monitor = ? AND bucket >= ? AND bucket < ? ORDER BY bucket`,
        ),
      ),
    };
  }

  /**
   * Every live monitor of the account: state, latest result, the statuses of its newest
   * `recent` results, and its up/down counts over each of `windows` (from the rollups,
   * rounded outward to whole minutes), ordered by monitor id; or one page of them.
   */
  ofAccount(
    accountId: string,
    recent: number,
    windows: readonly Window[],
    page: Page = WHOLE,
  ): MonitorSummary[] {
    const rows = this.sql.summaries.all({ account: accountId, recent, ...page }) as SummaryRow[];
    const totals = windows.map((window) => this.uptimes(accountId, window, page));
    return rows.map((row) => ({
      monitorId: row.id,
      state: row.state === null ? undefined : (JSON.parse(row.state) as object),
      latest: row.latest === null ? undefined : (JSON.parse(row.latest) as StoredResult),
      recent: row.recent ?? '',
      uptimes: totals.map((byMonitor) => byMonitor.get(row.id) ?? { up: 0, down: 0 }),
    }));
  }

  /**
   * One monitor's rollup buckets of `granularity` starting in [from, to), oldest first
   * (buckets without results are absent).
   */
  series(monitorN: number, granularity: Granularity, from: number, to: number): SeriesPoint[] {
    const size = GRANULARITY_MS[granularity];
    const rows = this.sql.series[granularity].all(
      monitorN,
      Math.floor(from / size),
      Math.ceil(to / size),
    ) as {
      bucket: number;
      up: number;
      down: number;
      latency_sum: number;
      latency_min: number;
      latency_max: number;
    }[];
    return rows.map((row) => ({
      at: row.bucket * size,
      up: row.up,
      down: row.down,
      latencyAvg: Math.round(row.latency_sum / Math.max(1, row.up + row.down)),
      latencyMin: row.latency_min,
      latencyMax: row.latency_max,
    }));
  }

  /** Up and down counts of each of the account's monitors (by id) over one window. */
  private uptimes(accountId: string, window: Window, page: Page): Map<string, UptimeTotals> {
    const totals = new Map<string, UptimeTotals>();
    for (const range of coverRange(window.from, window.to)) {
      const rows = this.sql.sums[range.granularity].all({
        ...page,
        account: accountId,
        from: range.fromBucket,
        to: range.toBucket,
      }) as { id: string; up: number; down: number }[];
      for (const row of rows) {
        const sum = totals.get(row.id);
        if (sum) {
          sum.up += row.up;
          sum.down += row.down;
        } else totals.set(row.id, { up: row.up, down: row.down });
      }
    }
    return totals;
  }
}
