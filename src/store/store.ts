import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { coverRange, GRANULARITY_MS, type Granularity } from './rollup-ranges.js';
import type { Incident, Monitor, Result } from '../model/index.js';
import { TirelessError } from '../errors/index.js';

export type ConfigKind = 'account' | 'user' | 'token' | 'monitor' | 'channel' | 'maintenance';

/** A config document as a KV entry holds it: applying one is idempotent by revision. */
export interface ConfigChange {
  kind: ConfigKind;
  id: string;
  accountId: string;
  revision: number;
  /** The whole document; null deletes the entity. */
  doc: Record<string, unknown> | null;
}

/** A result as a checker produced it, with measurements that are judged but not stored. */
export type CheckedResult = Result & { details?: Record<string, unknown> };

/** What the coordinator decided about one new result; the store writes it atomically. */
export interface Judgement {
  /**
   * Plain JSON data. The monitor's next judgement gets this very object, frozen (the store
   * caches it), or after a restart its JSON copy.
   */
  state: object;
  openIncident?: Incident;
  closeIncident?: { id: string; endedAt: number };
  notifications: {
    key: string;
    event: string;
    accountId: string;
    channelIds: string[];
    payload: unknown;
  }[];
}

export type Judge = (
  monitor: Monitor,
  state: object | undefined,
  result: CheckedResult,
) => Judgement | undefined;

export interface IngestReport {
  /** Results stored for the first time. */
  applied: number;
  /** Results already stored (same monitor, slot, node, region): changed nothing. */
  duplicates: number;
  /** Results for monitors this store does not know (deleted meanwhile): dropped. */
  unknownMonitor: number;
  /** Deliveries newly queued. */
  queued: number;
}

export interface StoredResult {
  slot: number;
  checkedAt: number;
  status: 'up' | 'down';
  latencyMs: number;
  error: string | null;
  node: string;
  region: string;
}

export interface UptimeTotals {
  up: number;
  down: number;
}

export interface Delivery {
  id: string;
  accountId: string;
  channelId: string;
  event: string;
  payload: unknown;
  attempts: number;
}

const ROLLUP_TABLES: Record<Granularity, string> = {
  minute: 'rollup_minute',
  hour: 'rollup_hour',
  day: 'rollup_day',
};

interface KnownMonitor {
  monitor: Monitor;
  n: number;
  accountN: number;
  /** The monitor_state row as last written, so judging a result reads no row. */
  state: object | undefined;
}

/**
 * The node's SQLite database: its replica of the config, every result, rollups, alert state
 * and the delivery queue. Synchronous (better-sqlite3): no transaction spans an await.
 */
export class Store {
  readonly db: Database.Database;
  private readonly monitors = new Map<string, KnownMonitor | null>();
  private readonly origins = new Map<string, number>();
  private readonly errorTexts = new Map<string, number>();
  private readonly sql;

  constructor(readonly path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // A node checkpoints from a worker (startCheckpointer), beside its commits; this is the
    // backstop without one (CLI, a dead worker). Rare: every result dirties pages of four
    // tables, and a checkpoint rewrites each dirty page once for many results.
    this.db.pragma('wal_autocheckpoint = 20000');
    this.db.pragma('journal_size_limit = 134217728');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    migrate(this.db);
    this.sql = prepareStatements(this.db);
  }

  close(): void {
    this.db.close();
  }

  // ---- meta -------------------------------------------------------------------------

  getMeta(key: string): string | undefined {
    return (this.sql.getMeta.get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql.setMeta.run(key, value);
  }

  // ---- config -----------------------------------------------------------------------

  /** Applies a config change unless a newer or equal revision is already applied. */
  applyConfig(change: ConfigChange): boolean {
    const applied = this.db.transaction(() => {
      if (change.doc === null) {
        const removed = this.sql.deleteConfig.run(change.kind, change.id, change.revision);
        if (removed.changes > 0 && change.kind === 'monitor') this.forgetMonitorData(change.id);
        return removed.changes > 0;
      }
      const result = this.sql.upsertConfig.run(
        change.kind,
        change.id,
        change.accountId,
        change.revision,
        JSON.stringify(change.doc),
      );
      if (result.changes > 0 && change.kind === 'account') this.sql.keyAccount.run(change.id);
      return result.changes > 0;
    })();
    if (applied && change.kind === 'monitor') this.monitors.delete(change.id);
    return applied;
  }

  /** A config document by id, whatever its account (internal lookups only). */
  getConfig<T>(kind: ConfigKind, id: string): T | undefined {
    const row = this.sql.getConfig.get(kind, id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T) : undefined;
  }

  /** A config document of one account: another account's id is simply not found. */
  getScoped<T>(kind: ConfigKind, accountId: string, id: string): T | undefined {
    const row = this.sql.getScoped.get(kind, id, accountId) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T) : undefined;
  }

  listScoped<T>(kind: ConfigKind, accountId: string): T[] {
    const rows = this.sql.listScoped.all(kind, accountId) as { doc: string }[];
    return rows.map((row) => JSON.parse(row.doc) as T);
  }

  listAll<T>(kind: ConfigKind): T[] {
    const rows = this.sql.listAll.all(kind) as { doc: string }[];
    return rows.map((row) => JSON.parse(row.doc) as T);
  }

  countAll(kind: ConfigKind): number {
    return (this.sql.countAll.get(kind) as { n: number }).n;
  }

  findUserByEmail<T>(email: string): T | undefined {
    const row = this.sql.userByEmail.get(email) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as T) : undefined;
  }

  // ---- results ----------------------------------------------------------------------

  /**
   * Applies results in one transaction: each new one is stored, counted into its rollups
   * and judged; a result already stored changes nothing. Safe to call twice with the same
   * results (after a crash, or from a replaying stream).
   */
  ingest(results: readonly CheckedResult[], judge?: Judge): IngestReport {
    const report: IngestReport = { applied: 0, duplicates: 0, unknownMonitor: 0, queued: 0 };
    try {
      this.db.transaction(() => {
        for (const result of results) {
          const known = this.knownMonitor(result.monitorId);
          if (!known) {
            report.unknownMonitor++;
            continue;
          }
          if (!this.insertResult(known, result)) {
            report.duplicates++;
            continue;
          }
          report.applied++;
          if (judge) report.queued += this.applyJudgement(known, result, judge);
        }
      })();
    } catch (error) {
      // The rollback undid key rows and states the caches already hold; a retry of the
      // batch must see what is stored, or it would judge against states never written.
      this.dropCaches();
      throw error;
    }
    return report;
  }

  private insertResult(known: KnownMonitor, result: CheckedResult): boolean {
    const up = result.status === 'up' ? 1 : 0;
    const latency = Math.max(0, Math.round(result.latencyMs));
    const inserted = this.sql.insertResult.run(
      known.n,
      result.slot,
      this.originKey(result.node, result.region),
      known.accountN,
      Math.round(result.checkedAt - result.slot),
      up,
      latency,
      result.error === undefined ? null : this.errorKey(result.error),
    );
    if (inserted.changes === 0) return false;
    for (const granularity of ['minute', 'hour', 'day'] as const) {
      const bucket = Math.floor(result.slot / GRANULARITY_MS[granularity]);
      this.sql.rollup[granularity].run(
        known.n,
        bucket,
        known.accountN,
        up,
        1 - up,
        latency,
        latency,
        latency,
      );
    }
    return true;
  }

  private applyJudgement(known: KnownMonitor, result: CheckedResult, judge: Judge): number {
    const judgement = judge(known.monitor, known.state, result);
    if (!judgement) return 0;
    this.sql.setState.run(
      known.monitor.id,
      known.monitor.accountId,
      JSON.stringify(judgement.state),
    );
    // Frozen: the next judgement gets this object itself, and must not change the cache.
    known.state = Object.freeze(judgement.state);
    const open = judgement.openIncident;
    if (open) {
      this.sql.openIncident.run(
        open.id,
        open.accountId,
        open.monitorId,
        open.startedAt,
        open.cause,
        open.inMaintenance ? 1 : 0,
      );
    }
    const close = judgement.closeIncident;
    if (close) this.sql.closeIncident.run(close.endedAt, close.id);
    let queued = 0;
    for (const notification of judgement.notifications) {
      const payload = JSON.stringify(notification.payload);
      for (const channelId of notification.channelIds) {
        queued += this.sql.queueDelivery.run(
          `${notification.key}:${channelId}`,
          notification.accountId,
          channelId,
          notification.event,
          payload,
          result.checkedAt,
          result.checkedAt,
        ).changes;
      }
    }
    return queued;
  }

  /** Results of one monitor of one account, newest first, slots in [since, until). */
  listResults(
    accountId: string,
    monitorId: string,
    range: { since: number; until: number; limit: number },
  ): StoredResult[] {
    const known = this.knownMonitor(monitorId);
    if (!known || known.monitor.accountId !== accountId) return [];
    const rows = this.sql.listResults.all(known.n, range.since, range.until, range.limit) as {
      slot: number;
      lateness: number;
      up: number;
      latency: number;
      error: string | null;
      node: string;
      region: string;
    }[];
    return rows.map((row) => ({
      slot: row.slot,
      checkedAt: row.slot + row.lateness,
      status: row.up ? 'up' : 'down',
      latencyMs: row.latency,
      error: row.error,
      node: row.node,
      region: row.region,
    }));
  }

  /** Up and down counts of one monitor over [from, to), from rollups. */
  uptime(accountId: string, monitorId: string, from: number, to: number): UptimeTotals {
    const known = this.knownMonitor(monitorId);
    const totals = { up: 0, down: 0 };
    if (!known || known.monitor.accountId !== accountId) return totals;
    for (const range of coverRange(from, to)) {
      const row = this.sql.sumRollup[range.granularity].get(
        known.n,
        range.fromBucket,
        range.toBucket,
      ) as { up: number | null; down: number | null };
      totals.up += row.up ?? 0;
      totals.down += row.down ?? 0;
    }
    return totals;
  }

  /** Number of stored raw results (all monitors). */
  countResults(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM results').get() as { n: number }).n;
  }

  // ---- monitor state, incidents ------------------------------------------------------

  getMonitorState(monitorId: string): object | undefined {
    const row = this.sql.getState.get(monitorId) as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as object) : undefined;
  }

  /**
   * Forgets what the store caches from its tables (monitors with their alert states, origin
   * and error keys); they are read again when next needed. For writers that change those
   * tables through `db` directly (mergeInto).
   */
  dropCaches(): void {
    this.monitors.clear();
    this.origins.clear();
    this.errorTexts.clear();
  }

  listIncidents(accountId: string, filter: { monitorId?: string; limit: number }): Incident[] {
    const rows = (
      filter.monitorId === undefined
        ? this.sql.incidentsOfAccount.all(accountId, filter.limit)
        : this.sql.incidentsOfMonitor.all(accountId, filter.monitorId, filter.limit)
    ) as {
      id: string;
      account_id: string;
      monitor_id: string;
      started_at: number;
      ended_at: number | null;
      cause: string;
      in_maintenance: number;
    }[];
    return rows.map((row) => ({
      id: row.id,
      accountId: row.account_id,
      monitorId: row.monitor_id,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      cause: row.cause,
      inMaintenance: row.in_maintenance === 1,
    }));
  }

  // ---- delivery queue --------------------------------------------------------------

  /** Queues a one-off delivery (a channel test) unless its id is queued already. */
  queueDelivery(delivery: Omit<Delivery, 'attempts'>, now: number): void {
    this.sql.queueDelivery.run(
      delivery.id,
      delivery.accountId,
      delivery.channelId,
      delivery.event,
      JSON.stringify(delivery.payload),
      now,
      now,
    );
  }

  /**
   * Takes up to `limit` deliveries, each the oldest pending one of its channel (not in
   * `busyChannels`) when that one is due, and hides them for `leaseMs`, so a slow send is not
   * picked again; one whose sender died becomes due again when the lease ends. A channel's
   * later messages wait while its oldest is leased or waits for a retry: they go in order
   * (down before up), and a stuck channel holds one place.
   */
  claimDueDeliveries(
    now: number,
    limit: number,
    leaseMs: number,
    busyChannels: readonly string[] = [],
  ): Delivery[] {
    const rows = this.sql.claimDeliveries.all(
      now + leaseMs,
      JSON.stringify(busyChannels),
      now,
      limit,
    ) as {
      id: string;
      account_id: string;
      channel_id: string;
      event: string;
      payload: string;
      attempts: number;
    }[];
    return rows.map((row) => ({
      id: row.id,
      accountId: row.account_id,
      channelId: row.channel_id,
      event: row.event,
      payload: JSON.parse(row.payload) as unknown,
      attempts: row.attempts,
    }));
  }

  markDelivered(id: string, now: number): void {
    this.sql.deliveryDone.run(now, id);
  }

  /** Records a failed attempt: retried at `retryAt`, or given up when it is null. */
  markDeliveryFailed(id: string, error: string, retryAt: number | null): void {
    if (retryAt === null) this.sql.deliveryGiveUp.run(error, id);
    else this.sql.deliveryRetry.run(error, retryAt, id);
  }

  getDelivery(
    id: string,
  ): { status: string; attempts: number; lastError: string | null } | undefined {
    const row = this.sql.getDelivery.get(id) as
      { status: string; attempts: number; last_error: string | null } | undefined;
    return row && { status: row.status, attempts: row.attempts, lastError: row.last_error };
  }

  listDeliveries(accountId: string, limit: number): Record<string, unknown>[] {
    return this.sql.listDeliveries.all(accountId, limit) as Record<string, unknown>[];
  }

  countPendingDeliveries(): number {
    return (this.sql.countPending.get() as { n: number }).n;
  }

  // ---- pushes ----------------------------------------------------------------------

  recordPush(monitorId: string, at: number): void {
    this.sql.recordPush.run(monitorId, at);
  }

  lastPushAt(monitorId: string): number | undefined {
    return (this.sql.lastPush.get(monitorId) as { at: number } | undefined)?.at;
  }

  // ---- housekeeping ------------------------------------------------------------------

  /** Deletes raw results and minute rollups older than `before` (ms); hours and days stay. */
  pruneBefore(before: number): number {
    const removed = this.sql.pruneResults.run(before).changes;
    this.sql.pruneMinutes.run(Math.floor(before / GRANULARITY_MS.minute));
    return removed;
  }

  /** An online, consistent copy of the database at `file` (SQLite's backup API). */
  async backupTo(file: string): Promise<void> {
    await this.db.backup(file);
  }

  private forgetMonitorData(monitorId: string): void {
    const key = this.sql.monitorKey.get(monitorId) as { n: number } | undefined;
    this.sql.deleteState.run(monitorId);
    this.sql.deletePush.run(monitorId);
    if (!key) return;
    this.sql.deleteResults.run(key.n);
    for (const table of Object.values(ROLLUP_TABLES)) {
      this.db.prepare(`DELETE FROM ${table} WHERE monitor = ?`).run(key.n);
    }
  }

  private knownMonitor(monitorId: string): KnownMonitor | null {
    const cached = this.monitors.get(monitorId);
    if (cached !== undefined) return cached;
    const monitor = this.getConfig<Monitor>('monitor', monitorId);
    let known: KnownMonitor | null = null;
    if (monitor) {
      this.sql.keyMonitor.run(monitor.id);
      this.sql.keyAccount.run(monitor.accountId);
      known = {
        monitor,
        n: (this.sql.monitorKey.get(monitor.id) as { n: number }).n,
        accountN: (this.sql.accountKey.get(monitor.accountId) as { n: number }).n,
        state: this.getMonitorState(monitor.id),
      };
    }
    this.monitors.set(monitorId, known);
    return known;
  }

  private originKey(node: string, region: string): number {
    const name = `${node}\u0000${region}`;
    let n = this.origins.get(name);
    if (n === undefined) {
      this.sql.keyOrigin.run(node, region);
      n = (this.sql.originKey.get(node, region) as { n: number }).n;
      this.origins.set(name, n);
    }
    return n;
  }

  private errorKey(text: string): number {
    const clipped = text.slice(0, 500);
    let n = this.errorTexts.get(clipped);
    if (n === undefined) {
      this.sql.keyError.run(clipped);
      n = (this.sql.errorKey.get(clipped) as { n: number }).n;
      // Error texts repeat; a bounded cache keeps the lookups off the hot path.
      if (this.errorTexts.size > 10_000) this.errorTexts.clear();
      this.errorTexts.set(clipped, n);
    }
    return n;
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new TirelessError(
      'TIRELESS_CONFIG',
      `the database at ${db.name} has schema version ${version}, newer than this Tireless knows (${MIGRATIONS.length}); upgrade Tireless`,
    );
  }
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i] as string);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}

function rollupStatements(db: Database.Database) {
  const upsert = (table: string) =>
    db.prepare(
      `INSERT INTO ${table} (monitor, bucket, account, up, down, latency_sum, latency_min, latency_max)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (monitor, bucket) DO UPDATE SET up = up + excluded.up,
         down = down + excluded.down, latency_sum = latency_sum + excluded.latency_sum,
         latency_min = min(latency_min, excluded.latency_min),
         latency_max = max(latency_max, excluded.latency_max)`,
    );
  const sum = (table: string) =>
    db.prepare(
      `SELECT sum(up) AS up, sum(down) AS down FROM ${table}
       WHERE monitor = ? AND bucket >= ? AND bucket < ?`,
    );
  return {
    rollup: {
      minute: upsert(ROLLUP_TABLES.minute),
      hour: upsert(ROLLUP_TABLES.hour),
      day: upsert(ROLLUP_TABLES.day),
    },
    sumRollup: {
      minute: sum(ROLLUP_TABLES.minute),
      hour: sum(ROLLUP_TABLES.hour),
      day: sum(ROLLUP_TABLES.day),
    },
  };
}

function prepareStatements(db: Database.Database) {
  return {
    ...rollupStatements(db),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
    upsertConfig: db.prepare(
      `INSERT INTO config (kind, id, account_id, revision, doc) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET account_id = excluded.account_id,
         revision = excluded.revision, doc = excluded.doc
       WHERE excluded.revision > config.revision`,
    ),
    deleteConfig: db.prepare('DELETE FROM config WHERE kind = ? AND id = ? AND revision < ?'),
    getConfig: db.prepare('SELECT doc FROM config WHERE kind = ? AND id = ?'),
    getScoped: db.prepare('SELECT doc FROM config WHERE kind = ? AND id = ? AND account_id = ?'),
    listScoped: db.prepare('SELECT doc FROM config WHERE kind = ? AND account_id = ? ORDER BY id'),
    listAll: db.prepare('SELECT doc FROM config WHERE kind = ? ORDER BY id'),
    countAll: db.prepare('SELECT count(*) AS n FROM config WHERE kind = ?'),
    userByEmail: db.prepare(
      `SELECT doc FROM config WHERE kind = 'user'
       AND json_extract(doc, '$.email') = ? COLLATE NOCASE`,
    ),
    keyAccount: db.prepare('INSERT OR IGNORE INTO keys_account (id) VALUES (?)'),
    accountKey: db.prepare('SELECT n FROM keys_account WHERE id = ?'),
    keyMonitor: db.prepare('INSERT OR IGNORE INTO keys_monitor (id) VALUES (?)'),
    monitorKey: db.prepare('SELECT n FROM keys_monitor WHERE id = ?'),
    keyOrigin: db.prepare('INSERT OR IGNORE INTO keys_origin (node, region) VALUES (?, ?)'),
    originKey: db.prepare('SELECT n FROM keys_origin WHERE node = ? AND region = ?'),
    keyError: db.prepare('INSERT OR IGNORE INTO error_texts (text) VALUES (?)'),
    errorKey: db.prepare('SELECT n FROM error_texts WHERE text = ?'),
    insertResult: db.prepare(
      `INSERT OR IGNORE INTO results (monitor, slot, origin, account, lateness, up, latency, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    listResults: db.prepare(
      `SELECT r.slot, r.lateness, r.up, r.latency, e.text AS error, o.node, o.region
       FROM results r JOIN keys_origin o ON o.n = r.origin
       LEFT JOIN error_texts e ON e.n = r.error
       WHERE r.monitor = ? AND r.slot >= ? AND r.slot < ?
       ORDER BY r.slot DESC, r.origin LIMIT ?`,
    ),
    deleteResults: db.prepare('DELETE FROM results WHERE monitor = ?'),
    pruneResults: db.prepare('DELETE FROM results WHERE slot < ?'),
    pruneMinutes: db.prepare('DELETE FROM rollup_minute WHERE bucket < ?'),
    getState: db.prepare('SELECT state FROM monitor_state WHERE monitor_id = ?'),
    setState: db.prepare(
      'INSERT OR REPLACE INTO monitor_state (monitor_id, account_id, state) VALUES (?, ?, ?)',
    ),
    deleteState: db.prepare('DELETE FROM monitor_state WHERE monitor_id = ?'),
    openIncident: db.prepare(
      `INSERT OR IGNORE INTO incidents (id, account_id, monitor_id, started_at, ended_at, cause,
         in_maintenance) VALUES (?, ?, ?, ?, NULL, ?, ?)`,
    ),
    closeIncident: db.prepare(
      'UPDATE incidents SET ended_at = ? WHERE id = ? AND ended_at IS NULL',
    ),
    incidentsOfAccount: db.prepare(
      'SELECT * FROM incidents WHERE account_id = ? ORDER BY started_at DESC LIMIT ?',
    ),
    incidentsOfMonitor: db.prepare(
      `SELECT * FROM incidents WHERE account_id = ? AND monitor_id = ?
       ORDER BY started_at DESC LIMIT ?`,
    ),
    queueDelivery: db.prepare(
      `INSERT OR IGNORE INTO deliveries (id, account_id, channel_id, event, payload, status,
         attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
    ),
    claimDeliveries: db.prepare(
      `UPDATE deliveries SET next_at = ? WHERE id IN (
         SELECT id FROM (
           SELECT id, next_at, row_number() OVER (PARTITION BY channel_id ORDER BY created_at, id) AS nth
           FROM deliveries WHERE status = 'pending'
             AND channel_id NOT IN (SELECT value FROM json_each(?)))
         WHERE nth = 1 AND next_at <= ? ORDER BY next_at LIMIT ?)
       RETURNING id, account_id, channel_id, event, payload, attempts`,
    ),
    deliveryDone: db.prepare(
      `UPDATE deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1,
         last_error = NULL WHERE id = ?`,
    ),
    deliveryRetry: db.prepare(
      `UPDATE deliveries SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE id = ?`,
    ),
    deliveryGiveUp: db.prepare(
      `UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = ?
       WHERE id = ?`,
    ),
    getDelivery: db.prepare('SELECT status, attempts, last_error FROM deliveries WHERE id = ?'),
    listDeliveries: db.prepare(
      `SELECT id, channel_id AS channelId, event, status, attempts, last_error AS lastError,
         created_at AS createdAt, sent_at AS sentAt
       FROM deliveries WHERE account_id = ? ORDER BY created_at DESC LIMIT ?`,
    ),
    countPending: db.prepare(`SELECT count(*) AS n FROM deliveries WHERE status = 'pending'`),
    recordPush: db.prepare(
      `INSERT INTO pushes (monitor_id, at) VALUES (?, ?)
       ON CONFLICT (monitor_id) DO UPDATE SET at = max(at, excluded.at)`,
    ),
    lastPush: db.prepare('SELECT at FROM pushes WHERE monitor_id = ?'),
    deletePush: db.prepare('DELETE FROM pushes WHERE monitor_id = ?'),
  };
}
