import type { Connection } from './database.js';
import type { CheckedResult } from './results.js';

/** Results in one outbox row (one stream message) at most. */
const OUTBOX_BATCH = 1000;

/**
 * This node's own results waiting to be published to the cluster's results stream, written
 * in the transaction that stores them, removed once the stream acknowledged them: the
 * node's file holds every result until the cluster does.
 */
export class Outbox {
  private readonly sql;

  constructor(db: Connection) {
    this.sql = {
      add: db.prepare('INSERT INTO outbox (results) VALUES (?)'),
      pending: db.prepare('SELECT seq, results FROM outbox ORDER BY seq LIMIT ?'),
      remove: db.prepare('DELETE FROM outbox WHERE seq = ?'),
      depth: db.prepare('SELECT count(*) FROM outbox').pluck(),
    };
  }

  /** Queues results, in rows of at most OUTBOX_BATCH. Run it inside the caller's transaction. */
  add(results: readonly CheckedResult[]): void {
    for (let i = 0; i < results.length; i += OUTBOX_BATCH) {
      this.sql.add.run(JSON.stringify(results.slice(i, i + OUTBOX_BATCH)));
    }
  }

  pending(limit: number): { seq: number; results: CheckedResult[] }[] {
    const rows = this.sql.pending.all(limit) as { seq: number; results: string }[];
    return rows.map((row) => ({
      seq: row.seq,
      results: JSON.parse(row.results) as CheckedResult[],
    }));
  }

  published(seqs: readonly number[]): void {
    for (const seq of seqs) this.sql.remove.run(seq);
  }

  depth(): number {
    return this.sql.depth.get() as number;
  }
}

/**
 * Results from other nodes for monitors whose config has not reached this replica yet: kept
 * until it does (then stored), never dropped; pruned with raw results if it never comes.
 */
export class WaitingResults {
  private readonly sql;

  constructor(private readonly db: Connection) {
    this.sql = {
      add: db.prepare('INSERT INTO waiting_results (monitor_id, slot, result) VALUES (?, ?, ?)'),
      take: db.prepare('DELETE FROM waiting_results WHERE monitor_id = ? RETURNING result'),
      forget: db.prepare('DELETE FROM waiting_results WHERE monitor_id = ?'),
      pruneBefore: db.prepare('DELETE FROM waiting_results WHERE slot < ?'),
      count: db.prepare('SELECT count(*) FROM waiting_results').pluck(),
    };
  }

  add(result: CheckedResult): void {
    this.sql.add.run(result.monitorId, result.slot, JSON.stringify(result));
  }

  /** Removes and returns the monitor's waiting results. Inside the caller's transaction. */
  take(monitorId: string): CheckedResult[] {
    const rows = this.sql.take.all(monitorId) as { result: string }[];
    return rows.map((row) => JSON.parse(row.result) as CheckedResult);
  }

  /** Drops a deleted monitor's waiting results, as ingest drops its later ones. */
  forget(monitorId: string): void {
    this.sql.forget.run(monitorId);
  }

  pruneBefore(before: number): number {
    return this.sql.pruneBefore.run(before).changes;
  }

  count(): number {
    return this.sql.count.get() as number;
  }

  // ---- merging a copy attached as `schema` ------------------------------------------
  // These statements name the attached copy, so they are prepared per merge.

  /** The copy's waiting results of the monitors in `monitors` (a SQL query of ids), by monitor. */
  listIn(schema: string, monitors: string): Map<string, CheckedResult[]> {
    const rows = this.db
      .prepare(
        `SELECT monitor_id, result FROM ${schema}.waiting_results
         WHERE monitor_id IN (${monitors}) ORDER BY monitor_id, slot`,
      )
      .all() as { monitor_id: string; result: string }[];
    const byMonitor = new Map<string, CheckedResult[]>();
    for (const row of rows) {
      const list = byMonitor.get(row.monitor_id) ?? [];
      list.push(JSON.parse(row.result) as CheckedResult);
      byMonitor.set(row.monitor_id, list);
    }
    return byMonitor;
  }

  /** The copy's waiting results of the monitors in `monitors` (a SQL query of ids). */
  countIn(schema: string, monitors: string): number {
    return this.db
      .prepare(`SELECT count(*) FROM ${schema}.waiting_results WHERE monitor_id IN (${monitors})`)
      .pluck()
      .get() as number;
  }

  /**
   * Keeps the copy's waiting results of monitors not in `held` (a SQL query of ids: those
   * the merged config holds, live or deleted) waiting here too, each once by its natural
   * key (monitor, slot, node, region), so merging a copy again adds nothing. Returns those
   * added.
   */
  mergeFrom(schema: string, held: string): number {
    const natural = (table: string) =>
      `${table}.monitor_id, ${table}.slot, json_extract(${table}.result, '$.node'),
       json_extract(${table}.result, '$.region')`;
    return this.db
      .prepare(
        `INSERT INTO main.waiting_results (monitor_id, slot, result)
         SELECT s.monitor_id, s.slot, min(s.result) FROM ${schema}.waiting_results s
         WHERE s.monitor_id NOT IN (${held}) AND NOT EXISTS (
           SELECT 1 FROM main.waiting_results w
           WHERE (${natural('w')}) = (${natural('s')}))
         GROUP BY ${natural('s')}`,
      )
      .run().changes;
  }
}
