import type { Result, ResultTiming } from '../model/index.js';
import type { Connection } from './database.js';
import { decodeTiming, encodeTiming } from './result-timing.js';
import { coverRange, GRANULARITY_MS, type Granularity } from './rollup-ranges.js';

/** A result as a checker produced it, with measurements that are judged but not stored. */
export type CheckedResult = Result & { details?: Record<string, unknown> };

export interface StoredResult {
  slot: number;
  checkedAt: number;
  status: 'up' | 'down';
  latencyMs: number;
  error: string | null;
  node: string;
  region: string;
  /** An HTTP check's phases; absent for other types and for results stored without them. */
  timing?: ResultTiming;
}

export interface UptimeTotals {
  up: number;
  down: number;
}

/** Uptime totals with the sum of the checks' latencies, ms (down checks' too). */
export interface RollupTotals extends UptimeTotals {
  latencySum: number;
}

/** One UTC day's checks of a monitor, from its day rollup. */
export interface DayTotals {
  /** The day: floor(ms since the epoch / 86_400_000). */
  day: number;
  up: number;
  down: number;
}

/** A monitor's and its account's small local integer keys, as result rows hold them. */
export interface MonitorKeys {
  n: number;
  accountN: number;
}

const GRANULARITIES = ['minute', 'hour', 'day'] as const;

const ROLLUP_COLUMNS = 'monitor, bucket, account, up, down, latency_sum, latency_min, latency_max';

const RESULT_COLUMNS =
  'monitor, slot, origin, account, lateness, up, latency, error, checking, timing';

interface ResultRow {
  slot: number;
  lateness: number;
  up: number;
  latency: number;
  error: string | null;
  node: string;
  region: string;
  timing: Uint8Array | null;
}

function toStored(row: ResultRow): StoredResult {
  const timing = decodeTiming(row.timing);
  return {
    slot: row.slot,
    checkedAt: row.slot + row.lateness,
    status: row.up ? 'up' : 'down',
    latencyMs: row.latency,
    error: row.error,
    node: row.node,
    region: row.region,
    ...(timing === undefined ? {} : { timing }),
  };
}

/** The local integer key tables, with the natural columns that identify a row. */
const KEY_TABLES = [
  { table: 'keys_monitor', natural: ['id'] },
  { table: 'keys_account', natural: ['id'] },
  { table: 'keys_origin', natural: ['node', 'region'] },
  { table: 'error_texts', natural: ['text'] },
] as const;

type KeyTable = (typeof KEY_TABLES)[number]['table'];

/** The temp table (source key → target key) a merge joins a copy's rows through. */
function keyMap(table: KeyTable): string {
  return `map_${table}`;
}

/** Error texts kept at most; longer ones are cut. */
const ERROR_TEXT_CHARS = 500;

/**
 * Raw results and their minute/hour/day rollups, with the small local keys (monitor,
 * account, origin, error text) that keep a result row small.
 */
export class Results {
  private readonly origins = new Map<string, number>();
  private readonly errorTexts = new Map<string, number>();
  private readonly sql;

  constructor(private readonly db: Connection) {
    const rollup = <S>(make: (table: string) => S): Record<Granularity, S> => ({
      minute: make('rollup_minute'),
      hour: make('rollup_hour'),
      day: make('rollup_day'),
    });
    this.sql = {
      keyAccount: db.prepare('INSERT OR IGNORE INTO keys_account (id) VALUES (?)'),
      accountKey: db.prepare('SELECT n FROM keys_account WHERE id = ?').pluck(),
      keyMonitor: db.prepare('INSERT OR IGNORE INTO keys_monitor (id) VALUES (?)'),
      monitorKey: db.prepare('SELECT n FROM keys_monitor WHERE id = ?').pluck(),
      keyOrigin: db.prepare('INSERT OR IGNORE INTO keys_origin (node, region) VALUES (?, ?)'),
      originKey: db.prepare('SELECT n FROM keys_origin WHERE node = ? AND region = ?').pluck(),
      keyError: db.prepare('INSERT OR IGNORE INTO error_texts (text) VALUES (?)'),
      errorKey: db.prepare('SELECT n FROM error_texts WHERE text = ?').pluck(),
      // OR IGNORE on the natural key: a result stored already is a no-op (ingest and merge).
      insert: db.prepare(
        `INSERT OR IGNORE INTO results (${RESULT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      list: db.prepare(
        `SELECT r.slot, r.lateness, r.up, r.latency, e.text AS error, o.node, o.region,
           r.checking, r.timing
         FROM results r JOIN keys_origin o ON o.n = r.origin
         LEFT JOIN error_texts e ON e.n = r.error
         WHERE r.monitor = ? AND r.slot >= ? AND r.slot < ?
         ORDER BY r.slot DESC, r.origin LIMIT ?`,
      ),
      // A page of an export: after a (slot, origin) cursor, newest first, on the primary key.
      listAfter: db.prepare(
        `SELECT r.slot, r.origin, r.lateness, r.up, r.latency, e.text AS error, o.node, o.region,
           r.timing
         FROM results r JOIN keys_origin o ON o.n = r.origin
         LEFT JOIN error_texts e ON e.n = r.error
         WHERE r.monitor = ? AND r.slot >= ? AND (r.slot, r.origin) < (?, ?)
         ORDER BY r.slot DESC, r.origin DESC LIMIT ?`,
      ),
      // In the order every replica judges them: by slot, then by the checking node's name
      // (origin keys are local, names are not).
      ordered: db.prepare(
        `SELECT r.slot, r.lateness, r.up, r.latency, e.text AS error, o.node, o.region,
           r.checking, r.timing
         FROM results r JOIN keys_origin o ON o.n = r.origin
         LEFT JOIN error_texts e ON e.n = r.error
         WHERE r.monitor = ? AND r.slot >= ?
         ORDER BY r.slot, o.node, o.region`,
      ),
      // The latest slot before the bound at which every result is up: walks the primary key
      // back from the bound.
      latestUpSlot: db
        .prepare(
          `SELECT r.slot FROM results r WHERE r.monitor = ? AND r.slot < ? AND r.up = 1
           AND NOT EXISTS (SELECT 1 FROM results d
             WHERE d.monitor = r.monitor AND d.slot = r.slot AND d.up = 0)
           ORDER BY r.slot DESC LIMIT 1`,
        )
        .pluck(),
      downFrom: db
        .prepare('SELECT 1 FROM results WHERE monitor = ? AND slot >= ? AND up = 0 LIMIT 1')
        .pluck(),
      firstSlot: db.prepare('SELECT min(slot) FROM results WHERE monitor = ?').pluck(),
      count: db.prepare('SELECT count(*) FROM results').pluck(),
      hasSlot: db.prepare('SELECT 1 FROM results WHERE monitor = ? AND slot = ? LIMIT 1').pluck(),
      rollup: rollup((table) =>
        db.prepare(
          `INSERT INTO ${table} (${ROLLUP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (monitor, bucket) DO UPDATE SET up = up + excluded.up,
             down = down + excluded.down, latency_sum = latency_sum + excluded.latency_sum,
             latency_min = min(latency_min, excluded.latency_min),
             latency_max = max(latency_max, excluded.latency_max)`,
        ),
      ),
      sumRollup: rollup((table) =>
        db.prepare(
          `SELECT sum(up) AS up, sum(down) AS down, sum(latency_sum) AS latencySum FROM ${table}
           WHERE monitor = ? AND bucket >= ? AND bucket < ?`,
        ),
      ),
      days: db.prepare(
        'SELECT bucket AS day, up, down FROM rollup_day WHERE monitor = ? AND bucket >= ? AND bucket < ? ORDER BY bucket',
      ),
      forget: [
        db.prepare('DELETE FROM results WHERE monitor = ?'),
        ...GRANULARITIES.map((g) => db.prepare(`DELETE FROM rollup_${g} WHERE monitor = ?`)),
      ],
      pruneResults: db.prepare('DELETE FROM results WHERE slot < ?'),
      pruneMinutes: db.prepare('DELETE FROM rollup_minute WHERE bucket < ?'),
      // By the primary keys: one monitor's rows before a slot or bucket.
      pruneMonitor: db.prepare('DELETE FROM results WHERE monitor = ? AND slot < ?'),
      pruneMonitorRollups: rollup((table) =>
        db.prepare(`DELETE FROM ${table} WHERE monitor = ? AND bucket < ?`),
      ),
      // results_by_error answers each NOT EXISTS with one index probe.
      pruneErrorTexts: db.prepare(
        'DELETE FROM error_texts WHERE NOT EXISTS (SELECT 1 FROM results WHERE error = error_texts.n)',
      ),
    };
  }

  /** The local keys of a monitor and its account, made on first use. */
  keysOf(monitorId: string, accountId: string): MonitorKeys {
    this.sql.keyMonitor.run(monitorId);
    this.sql.keyAccount.run(accountId);
    return {
      n: this.sql.monitorKey.get(monitorId) as number,
      accountN: this.sql.accountKey.get(accountId) as number,
    };
  }

  keyAccount(accountId: string): void {
    this.sql.keyAccount.run(accountId);
  }

  /** Stores a result and counts it into its rollups; false if it was stored already. */
  insert(keys: MonitorKeys, result: CheckedResult): boolean {
    const up = result.status === 'up' ? 1 : 0;
    const latency = Math.max(0, Math.round(result.latencyMs));
    const inserted = this.sql.insert.run(
      keys.n,
      result.slot,
      this.originKey(result.node, result.region),
      keys.accountN,
      Math.round(result.checkedAt - result.slot),
      up,
      latency,
      result.error === undefined ? null : this.errorKey(result.error),
      result.locationsChecking ?? null,
      encodeTiming(result.timing),
    );
    if (inserted.changes === 0) return false;
    for (const granularity of GRANULARITIES) {
      const bucket = Math.floor(result.slot / GRANULARITY_MS[granularity]);
      this.sql.rollup[granularity].run(
        keys.n,
        bucket,
        keys.accountN,
        up,
        1 - up,
        latency,
        latency,
        latency,
      );
    }
    return true;
  }

  /** Results of one monitor, newest first, slots in [since, until). */
  list(monitorN: number, range: { since: number; until: number; limit: number }): StoredResult[] {
    const rows = this.sql.list.all(monitorN, range.since, range.until, range.limit) as ResultRow[];
    return rows.map(toStored);
  }

  /**
   * Results of one monitor, newest first, slots in [since, until), `pageSize` at a time: each
   * step reads one page after the last row of the one before, so nothing stays open between
   * pages and a result stored meanwhile neither repeats nor hides another.
   */
  *pages(
    monitorN: number,
    range: { since: number; until: number },
    pageSize: number,
  ): Generator<StoredResult[], void> {
    // Below every row of slot `until` (which the range leaves out): the first page starts there.
    let cursor = { slot: range.until, origin: Number.MIN_SAFE_INTEGER };
    for (;;) {
      const rows = this.sql.listAfter.all(
        monitorN,
        range.since,
        cursor.slot,
        cursor.origin,
        pageSize,
      ) as (ResultRow & { origin: number })[];
      if (rows.length > 0) yield rows.map(toStored);
      const last = rows.at(-1);
      if (last === undefined || rows.length < pageSize) return;
      cursor = { slot: last.slot, origin: last.origin };
    }
  }

  /**
   * Results of one monitor with a slot from `from` on, in the order every replica judges
   * them: by slot, then by node and region (names, the same on every replica).
   */
  inJudgingOrder(
    monitorN: number,
    from: number,
  ): (StoredResult & Pick<CheckedResult, 'locationsChecking'>)[] {
    const rows = this.sql.ordered.all(monitorN, from) as (ResultRow & {
      checking: number | null;
    })[];
    return rows.map(({ checking, ...row }) => ({
      ...toStored(row),
      ...(checking === null ? {} : { locationsChecking: checking }),
    }));
  }

  /** The latest slot before `before` at which every stored result of the monitor is up. */
  latestUpSlot(monitorN: number, before: number): number | undefined {
    return this.sql.latestUpSlot.get(monitorN, before) as number | undefined;
  }

  /** Whether a down result of the monitor with a slot from `from` on is stored. */
  hasDownFrom(monitorN: number, from: number): boolean {
    return this.sql.downFrom.get(monitorN, from) !== undefined;
  }

  /** The slot of the monitor's oldest stored result, if any. */
  firstSlot(monitorN: number): number | undefined {
    return (this.sql.firstSlot.get(monitorN) as number | null) ?? undefined;
  }

  /** Up and down counts of one monitor over [from, to), from rollups. */
  uptime(monitorN: number, from: number, to: number): UptimeTotals {
    const { up, down } = this.totals(monitorN, from, to);
    return { up, down };
  }

  /** Up and down counts and the latency sum of one monitor over [from, to), from rollups. */
  totals(monitorN: number, from: number, to: number): RollupTotals {
    const totals = { up: 0, down: 0, latencySum: 0 };
    for (const range of coverRange(from, to)) {
      const row = this.sql.sumRollup[range.granularity].get(
        monitorN,
        range.fromBucket,
        range.toBucket,
      ) as { up: number | null; down: number | null; latencySum: number | null };
      totals.up += row.up ?? 0;
      totals.down += row.down ?? 0;
      totals.latencySum += row.latencySum ?? 0;
    }
    return totals;
  }

  /** The day rollups of one monitor for days [fromDay, toDay), oldest first; days without checks are absent. */
  days(monitorN: number, fromDay: number, toDay: number): DayTotals[] {
    return this.sql.days.all(monitorN, fromDay, toDay) as DayTotals[];
  }

  count(): number {
    return this.sql.count.get() as number;
  }

  /** Whether any node's result for the slot is stored. */
  hasSlot(monitorN: number, slot: number): boolean {
    return this.sql.hasSlot.get(monitorN, slot) !== undefined;
  }

  /** Deletes a deleted monitor's results and rollups. */
  forgetMonitor(monitorId: string): void {
    const n = this.sql.monitorKey.get(monitorId) as number | undefined;
    if (n === undefined) return;
    for (const statement of this.sql.forget) statement.run(n);
  }

  /** Deletes raw results and minute rollups older than `before` (ms); hours and days stay. */
  pruneBefore(before: number): number {
    const removed = this.sql.pruneResults.run(before).changes;
    this.sql.pruneMinutes.run(Math.floor(before / GRANULARITY_MS.minute));
    return removed;
  }

  /**
   * Deletes one monitor's raw results older than `before` (ms) and its rollups of every
   * granularity that end by then (a bucket holding `before` stays): an account's own
   * retention, which keeps no summary past it either. Returns the results deleted.
   */
  pruneMonitorBefore(monitorId: string, before: number): number {
    const n = this.sql.monitorKey.get(monitorId) as number | undefined;
    if (n === undefined) return 0;
    return this.db.transaction(() => {
      for (const granularity of GRANULARITIES) {
        const bucket = Math.floor(before / GRANULARITY_MS[granularity]);
        this.sql.pruneMonitorRollups[granularity].run(n, bucket);
      }
      return this.sql.pruneMonitor.run(n, before).changes;
    })();
  }

  /** Deletes error texts no stored result refers to any more. */
  pruneErrorTexts(): number {
    const removed = this.sql.pruneErrorTexts.run().changes;
    // A cached key may name a text just deleted.
    if (removed > 0) this.errorTexts.clear();
    return removed;
  }

  /** Forgets cached origin and error keys (after a rollback or a merge wrote the tables). */
  dropCaches(): void {
    this.origins.clear();
    this.errorTexts.clear();
  }

  private originKey(node: string, region: string): number {
    const name = `${node}\u0000${region}`;
    let n = this.origins.get(name);
    if (n === undefined) {
      this.sql.keyOrigin.run(node, region);
      n = this.sql.originKey.get(node, region) as number;
      this.origins.set(name, n);
    }
    return n;
  }

  private errorKey(text: string): number {
    const clipped = text.slice(0, ERROR_TEXT_CHARS);
    let n = this.errorTexts.get(clipped);
    if (n === undefined) {
      this.sql.keyError.run(clipped);
      n = this.sql.errorKey.get(clipped) as number;
      // Error texts repeat; a bounded cache keeps the lookups off the hot path.
      if (this.errorTexts.size > 10_000) this.errorTexts.clear();
      this.errorTexts.set(clipped, n);
    }
    return n;
  }

  // ---- merging a copy attached as `schema` ------------------------------------------
  // These statements name the attached copy, so they are prepared per merge.

  /**
   * Gives every natural key of the copy a local key here, and fills temp tables
   * `map_<table>` (copy → here) that the row copies join through. Only monitors in
   * `liveMonitors` (a SQL query of ids) are mapped: rows of the others (deleted, or unknown
   * to the merged config) are left out, as ingest drops results of unknown monitors.
   */
  mapKeys(schema: string, liveMonitors: string): void {
    for (const { table, natural } of KEY_TABLES) {
      const columns = natural.join(', ');
      const live = table === 'keys_monitor' ? `WHERE s.id IN (${liveMonitors})` : '';
      this.db.exec(`
        INSERT OR IGNORE INTO main.${table} (${columns})
          SELECT ${columns} FROM ${schema}.${table} s ${live};
        CREATE TEMP TABLE ${keyMap(table)} (src INTEGER PRIMARY KEY, dst INTEGER NOT NULL);
        INSERT INTO ${keyMap(table)} (src, dst)
          SELECT s.n, t.n FROM ${schema}.${table} s JOIN main.${table} t
          ON ${natural.map((column) => `t.${column} = s.${column}`).join(' AND ')} ${live};
      `);
    }
  }

  dropKeyMaps(): void {
    for (const { table } of KEY_TABLES) this.db.exec(`DROP TABLE IF EXISTS temp.${keyMap(table)}`);
  }

  /** Source results, for progress. */
  countIn(schema: string): number {
    return this.db.prepare(`SELECT count(*) FROM ${schema}.results`).pluck().get() as number;
  }

  /**
   * Copies the copy's results in chunks of whole (monitor, slot) runs, walking the primary
   * key, so each statement is short and progress can be shown (`onChunk` after each,
   * `last` for the final one). Returns the results added (the insert's OR IGNORE skips those held already).
   */
  mergeResults(schema: string, chunkRows: number, onChunk: (last: boolean) => void): number {
    const chunkEnd = this.db.prepare(
      `SELECT monitor, slot FROM ${schema}.results WHERE (monitor, slot) > (?, ?)
       ORDER BY monitor, slot LIMIT 1 OFFSET ?`,
    );
    const copyRange = this.db.prepare(
      `INSERT OR IGNORE INTO main.results (${RESULT_COLUMNS})
       SELECT m.dst, r.slot, o.dst, a.dst, r.lateness, r.up, r.latency, e.dst, r.checking,
         r.timing
       FROM ${schema}.results r
       JOIN ${keyMap('keys_monitor')} m ON m.src = r.monitor
       JOIN ${keyMap('keys_origin')} o ON o.src = r.origin
       JOIN ${keyMap('keys_account')} a ON a.src = r.account
       LEFT JOIN ${keyMap('error_texts')} e ON e.src = r.error
       WHERE (r.monitor, r.slot) > (?, ?) AND (r.monitor, r.slot) <= (?, ?)`,
    );
    let from = { monitor: -1, slot: Number.MIN_SAFE_INTEGER };
    let added = 0;
    for (;;) {
      const next = chunkEnd.get(from.monitor, from.slot, chunkRows - 1) as
        { monitor: number; slot: number } | undefined;
      // The last chunk runs to the end of the table.
      const to = next ?? { monitor: Number.MAX_SAFE_INTEGER, slot: Number.MAX_SAFE_INTEGER };
      added += copyRange.run(from.monitor, from.slot, to.monitor, to.slot).changes;
      onChunk(!next);
      if (!next) return added;
      from = next;
    }
  }

  /**
   * Results of monitors the copy holds that the merged config does not (deleted, or
   * unknown): left out.
   */
  countUnmapped(schema: string): number {
    return this.db
      .prepare(
        `SELECT count(*) FROM ${schema}.results
         WHERE monitor NOT IN (SELECT src FROM ${keyMap('keys_monitor')})`,
      )
      .pluck()
      .get() as number;
  }

  /**
   * Rollups: every bucket keeps the row with the most checks, from the copy or recomputed
   * from the merged raw results. Where raw results exist for the whole bucket, the
   * recomputed row counts a superset of any copy's and wins; where retention pruned raw
   * results (old buckets, and the bucket at the pruning edge), a copy's rollup counted more
   * and is kept. (Ingest adds to a bucket instead: it only ever sees new results.)
   */
  mergeRollups(schema: string): number {
    let written = 0;
    for (const granularity of GRANULARITIES) {
      const table = `rollup_${granularity satisfies Granularity}`;
      const keepMostChecks = `ON CONFLICT (monitor, bucket) DO UPDATE SET account = excluded.account,
          up = excluded.up, down = excluded.down, latency_sum = excluded.latency_sum,
          latency_min = excluded.latency_min, latency_max = excluded.latency_max
        WHERE excluded.up + excluded.down > ${table}.up + ${table}.down`;
      written += this.db
        .prepare(
          `INSERT INTO main.${table} (${ROLLUP_COLUMNS})
           SELECT m.dst, r.bucket, a.dst, r.up, r.down, r.latency_sum, r.latency_min, r.latency_max
           FROM ${schema}.${table} r
           JOIN ${keyMap('keys_monitor')} m ON m.src = r.monitor
           JOIN ${keyMap('keys_account')} a ON a.src = r.account
           WHERE true ${keepMostChecks}`,
        )
        .run().changes;
      written += this.db
        .prepare(
          `INSERT INTO main.${table} (${ROLLUP_COLUMNS})
           SELECT monitor, slot / ${GRANULARITY_MS[granularity]} AS b, account, sum(up),
             sum(1 - up), sum(latency), min(latency), max(latency)
           FROM main.results WHERE monitor IN (SELECT dst FROM ${keyMap('keys_monitor')})
           GROUP BY monitor, b ${keepMostChecks}`,
        )
        .run().changes;
    }
    return written;
  }
}
