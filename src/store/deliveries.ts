import { upsertCounts, type Connection } from './database.js';

export interface Delivery {
  id: string;
  accountId: string;
  channelId: string;
  event: string;
  payload: unknown;
  attempts: number;
  /** When it was first due, ms: a judged result's check time, the same on every node. */
  createdAt: number;
}

const COLUMNS =
  'id, account_id, channel_id, event, payload, status, attempts, next_at, last_error, created_at, sent_at';

/**
 * The durable delivery queue: one row per (notification, channel), keyed so that a
 * notification is queued once however often it is applied; claimed under a lease, marked
 * sent, retried or given up.
 */
export class DeliveryQueue {
  private readonly sql;

  constructor(private readonly db: Connection) {
    this.sql = {
      queue: db.prepare(
        `INSERT OR IGNORE INTO deliveries (id, account_id, channel_id, event, payload, status,
           attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
      ),
      claim: db.prepare(
        `UPDATE deliveries SET next_at = ? WHERE id IN (
           SELECT id FROM (
             SELECT id, next_at, row_number() OVER (PARTITION BY channel_id ORDER BY created_at, id) AS nth
             FROM deliveries WHERE status = 'pending'
               AND channel_id NOT IN (SELECT value FROM json_each(?)))
           WHERE nth = 1 AND next_at <= ? ORDER BY next_at LIMIT ?)
         RETURNING id, account_id, channel_id, event, payload, attempts, created_at`,
      ),
      done: db.prepare(
        `UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1,
           last_error = NULL WHERE id = ?`,
      ),
      retry: db.prepare(
        `UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?`,
      ),
      postpone: db.prepare(`UPDATE deliveries SET next_at = ? WHERE id = ? AND status = 'pending'`),
      settledElsewhere: db.prepare(
        `UPDATE deliveries SET status = ?, sent_at = ?, last_error = ?
         WHERE id = ? AND status = 'pending'`,
      ),
      giveUp: db.prepare(
        `UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = ?
         WHERE id = ?`,
      ),
      get: db.prepare('SELECT status, attempts, last_error FROM deliveries WHERE id = ?'),
      list: db.prepare(
        `SELECT id, channel_id AS channelId, event, status, attempts, last_error AS lastError,
           created_at AS createdAt, sent_at AS sentAt
         FROM deliveries WHERE account_id = ? ORDER BY created_at DESC LIMIT ?`,
      ),
      countPending: db.prepare(`SELECT count(*) FROM deliveries WHERE status = 'pending'`).pluck(),
      forgetAccount: db.prepare('DELETE FROM deliveries WHERE account_id = ?'),
      // The condition matches deliveries_finished, a partial index.
      pruneFinished: db.prepare(
        `DELETE FROM deliveries WHERE status <> 'pending' AND created_at < ?`,
      ),
      pruneFinishedOf: db.prepare(
        `DELETE FROM deliveries WHERE status <> 'pending' AND created_at < ? AND account_id = ?`,
      ),
    };
  }

  /** Deletes a deleted account's deliveries, queued or done: none is sent for it any more. */
  forgetAccount(accountId: string): void {
    this.sql.forgetAccount.run(accountId);
  }

  /** Queues a delivery due at `now` unless its id is queued already; 1 if it was new. */
  queue(delivery: Omit<Delivery, 'attempts' | 'createdAt'>, now: number): number {
    return this.sql.queue.run(
      delivery.id,
      delivery.accountId,
      delivery.channelId,
      delivery.event,
      JSON.stringify(delivery.payload),
      now,
      now,
    ).changes;
  }

  /** See Store.claimDueDeliveries. */
  claimDue(now: number, limit: number, leaseMs: number, busyChannels: readonly string[]) {
    const rows = this.sql.claim.all(now + leaseMs, JSON.stringify(busyChannels), now, limit) as {
      id: string;
      account_id: string;
      channel_id: string;
      event: string;
      payload: string;
      attempts: number;
      created_at: number;
    }[];
    return rows.map((row): Delivery => ({
      id: row.id,
      accountId: row.account_id,
      channelId: row.channel_id,
      event: row.event,
      payload: JSON.parse(row.payload) as unknown,
      attempts: row.attempts,
      createdAt: row.created_at,
    }));
  }

  /** Leaves a pending delivery until `nextAt` (ms) without counting an attempt. */
  postpone(id: string, nextAt: number): void {
    this.sql.postpone.run(nextAt, id);
  }

  /**
   * Records that another node sent the delivery or gave it up (cluster mode): this copy is
   * finished without an attempt of its own.
   */
  settleElsewhere(id: string, outcome: 'sent' | 'failed', now: number, note: string | null): void {
    this.sql.settledElsewhere.run(outcome, outcome === 'sent' ? now : null, note, id);
  }

  markDelivered(id: string, now: number): void {
    this.sql.done.run(now, id);
  }

  markFailed(id: string, error: string, retryAt: number | null): void {
    if (retryAt === null) this.sql.giveUp.run(error, id);
    else this.sql.retry.run(error, retryAt, id);
  }

  get(id: string): { status: string; attempts: number; lastError: string | null } | undefined {
    const row = this.sql.get.get(id) as
      { status: string; attempts: number; last_error: string | null } | undefined;
    return row && { status: row.status, attempts: row.attempts, lastError: row.last_error };
  }

  list(accountId: string, limit: number): Record<string, unknown>[] {
    return this.sql.list.all(accountId, limit) as Record<string, unknown>[];
  }

  countPending(): number {
    return this.sql.countPending.get() as number;
  }

  /**
   * Deletes deliveries sent or given up that were queued before `before` (ms), of every
   * account or of `accountId`.
   */
  pruneFinished(before: number, accountId?: string): number {
    if (accountId === undefined) return this.sql.pruneFinished.run(before).changes;
    return this.sql.pruneFinishedOf.run(before, accountId).changes;
  }

  /**
   * Merge: the union by id with the copy attached as `schema`; a delivery one copy finished
   * (sent or given up) is not sent again. Returns rows inserted and updated.
   */
  mergeFrom(schema: string): { added: number; updated: number } {
    return upsertCounts(
      this.db,
      'deliveries',
      `INSERT INTO main.deliveries (${COLUMNS}) SELECT ${COLUMNS} FROM ${schema}.deliveries WHERE true
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
         next_at = excluded.next_at, last_error = excluded.last_error, sent_at = excluded.sent_at
       WHERE deliveries.status = 'pending' AND excluded.status <> 'pending'`,
    );
  }
}
