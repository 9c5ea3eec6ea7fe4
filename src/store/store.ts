import { systemClock, type Clock } from '../clock/index.js';
import type { Incident, Monitor } from '../model/index.js';
import { AlertState, type Judge, type JudgedMonitor } from './alert-state.js';
import {
  ConfigDocs,
  type ConfigChange,
  type ConfigEntry,
  type ConfigKind,
  type ConfigOutcome,
  type Page,
  wasApplied,
} from './config-docs.js';
import { openDatabase, type Connection } from './database.js';
import { DeliveryQueue, type Delivery } from './deliveries.js';
import { Housekeeping, type HousekeepingOptions, type HousekeepingReport } from './housekeeping.js';
import { mergeCopy, type MergeOptions, type MergeReport } from './merge.js';
import { Meta, STREAM_POSITION } from './meta.js';
import { Outbox, WaitingResults } from './outbox.js';
import { rejudge } from './rejudge.js';
import type { Granularity } from './rollup-ranges.js';
import { Summaries, type MonitorSummary, type SeriesPoint, type Window } from './summaries.js';
import {
  Results,
  type CheckedResult,
  type MonitorKeys,
  type DayTotals,
  type RollupTotals,
  type StoredResult,
  type UptimeTotals,
} from './results.js';

export type { Judge, Judgement } from './alert-state.js';
export type { ConfigChange, ConfigEntry, ConfigKind, Page } from './config-docs.js';
export type { Delivery } from './deliveries.js';
export type { HousekeepingOptions, HousekeepingReport } from './housekeeping.js';
export type {
  CheckedResult,
  DayTotals,
  RollupTotals,
  StoredResult,
  UptimeTotals,
} from './results.js';
export type { MonitorSummary, SeriesPoint, Window } from './summaries.js';

export interface IngestReport {
  /** Results stored for the first time. */
  applied: number;
  /** Results already stored (same monitor, slot, node, region): changed nothing. */
  duplicates: number;
  /** Results for monitors this store does not know (deleted meanwhile): dropped. */
  unknownMonitor: number;
  /** Deliveries newly queued. */
  queued: number;
  /** Results for monitors not known yet, kept until their config arrives (`keepUnknown`). */
  waiting: number;
}

export interface IngestOptions {
  /** Also queue the newly stored results for the cluster's results stream (own results). */
  outbox?: boolean;
  /** The results stream position these results reach, stored in the same transaction. */
  streamPosition?: number;
  /**
   * Keep results of monitors this replica does not know yet (and did not delete) until
   * their config arrives, rather than dropping them (results from other nodes).
   */
  keepUnknown?: boolean;
}

/** Meta keys of the solo writer's claims of unique names. */
const CLAIM_PREFIX = 'claim.';

export interface StoreOptions {
  /** Stamps tombstones, so retention can prune them. @defaultValue systemClock */
  clock?: Clock;
}

/** A monitor as ingest needs it, cached: its keys and its alert state. */
type KnownMonitor = JudgedMonitor & MonitorKeys;

/**
 * The node's SQLite database: its replica of the config, every result, rollups, alert state
 * and the delivery queue. A facade over one part per job (config documents, results and
 * rollups, alert state and incidents, delivery queue, housekeeping), which share one
 * connection that never leaves `store/`. Synchronous (better-sqlite3): no transaction spans
 * an await.
 */
export class Store {
  private readonly db: Connection;
  private readonly clock: Clock;
  private readonly meta: Meta;
  private readonly config: ConfigDocs;
  private readonly results: Results;
  private readonly summaries: Summaries;
  private readonly deliveries: DeliveryQueue;
  private readonly alerts: AlertState;
  private readonly housekeeping: Housekeeping;
  private readonly outbox: Outbox;
  private readonly waiting: WaitingResults;
  private readonly monitors = new Map<string, KnownMonitor | null>();
  /**
   * Monitors listed by `listMonitors`, or applied since, and not judged since: the first
   * judgement takes its document from here rather than parsing the row again, so what the
   * scheduler keeps of them (ids, URLs, options) and what ingest keeps share one copy (at
   * 30,000 monitors, ~6 MB of strings fewer). A change to a monitor replaces its entry.
   */
  private readonly awaitingJudgement = new Map<string, Monitor>();

  constructor(
    readonly path: string,
    options: StoreOptions = {},
  ) {
    this.db = openDatabase(path);
    this.clock = options.clock ?? systemClock;
    this.meta = new Meta(this.db);
    this.config = new ConfigDocs(this.db);
    this.results = new Results(this.db);
    this.summaries = new Summaries(this.db);
    this.deliveries = new DeliveryQueue(this.db);
    this.alerts = new AlertState(this.db, this.deliveries);
    this.outbox = new Outbox(this.db);
    this.waiting = new WaitingResults(this.db);
    this.housekeeping = new Housekeeping({
      waiting: this.waiting,
      config: this.config,
      results: this.results,
      alerts: this.alerts,
      deliveries: this.deliveries,
    });
  }

  close(): void {
    this.db.close();
  }

  // ---- meta -------------------------------------------------------------------------

  getMeta(key: string): string | undefined {
    return this.meta.get(key);
  }

  setMeta(key: string, value: string): void {
    this.meta.set(key, value);
  }

  // ---- config -----------------------------------------------------------------------

  /**
   * Applies a config change unless a newer revision, or this revision with the same content,
   * is stored; true if it was applied. A delete leaves a tombstone with its revision, so an
   * older change never brings the entity back (a newer one may: a key can be recreated).
   * Two contents under one revision (diverged copies) resolve by `tieWinner`.
   */
  applyConfig(change: ConfigChange): boolean {
    return wasApplied(this.applyChange(change, this.clock.now()));
  }

  /**
   * Applies a change that claims unique names (an email, the first-run owner) in one
   * transaction: each name then refers to `holder` (see `claimOf`). The solo ConfigWriter's
   * claims; the caller checked the names were free in the same synchronous step.
   */
  applyClaimingConfig(change: ConfigChange, names: readonly string[], holder: string): boolean {
    return this.db.transaction(() => {
      const applied = this.applyConfig(change);
      if (applied) for (const name of names) this.meta.set(CLAIM_PREFIX + name, holder);
      return applied;
    })();
  }

  /** Whether this replica holds a tombstone for the entity (it was deleted). */
  isConfigDeleted(kind: ConfigKind, id: string): boolean {
    return this.config.isDeleted(kind, id);
  }

  /** Which entity claimed a unique name (as the writer wrote it), if one did. */
  claimOf(name: string): string | undefined {
    return this.meta.get(CLAIM_PREFIX + name);
  }

  /**
   * The revision a solo writer gives its next change, whatever the key: one more than any
   * revision this store has applied or merged (a store-wide sequence, as a KV bucket's), so
   * revisions only increase per key, also across restarts, restores and recreated keys.
   */
  nextConfigRevision(): number {
    return this.config.sequence() + 1;
  }

  /** A config document by id, whatever its account (internal lookups only). */
  getConfig<T>(kind: ConfigKind, id: string): T | undefined {
    return this.config.get<T>(kind, id);
  }

  /** A config document of one account: another account's id is simply not found. */
  getScoped<T>(kind: ConfigKind, accountId: string, id: string): T | undefined {
    return this.config.getScoped<T>(kind, accountId, id);
  }

  listScoped<T>(kind: ConfigKind, accountId: string): T[] {
    return this.config.listScoped<T>(kind, accountId);
  }

  /** A page of `listScoped`: the documents whose id sorts after `page.after`, at most `page.limit`. */
  listScopedPage<T>(kind: ConfigKind, accountId: string, page: Page): T[] {
    return this.config.listScopedPage<T>(kind, accountId, page);
  }

  listAll<T>(kind: ConfigKind): T[] {
    return this.config.listAll<T>(kind);
  }

  /**
   * Every monitor, as `listAll('monitor')`, for a caller that keeps them (the scheduler):
   * the first judgement of each active one gets the same object. Change none of them.
   */
  listMonitors(): Monitor[] {
    const monitors = this.config.listAll<Monitor>('monitor');
    for (const monitor of monitors)
      if (!monitor.paused) this.awaitingJudgement.set(monitor.id, monitor);
    return monitors;
  }

  countAll(kind: ConfigKind): number {
    return this.config.countAll(kind);
  }

  /** An account's entities of a kind, counted up to `most` when given (quotas count them). */
  countScoped(kind: ConfigKind, accountId: string, most?: number): number {
    return this.config.countScoped(kind, accountId, most);
  }

  findUserByEmail<T>(email: string): T | undefined {
    return this.config.findUserByEmail<T>(email);
  }

  /** Every config row, tombstones included, by kind and id: what a replica holds. */
  listConfigEntries(): ConfigEntry[] {
    return this.config.entries();
  }

  // ---- results ----------------------------------------------------------------------

  /**
   * Applies results in one transaction: each new one is stored, counted into its rollups
   * and judged; a result already stored changes nothing. A new result the judge leaves
   * (late: older than one it judged) has its monitor judged again in order from before it
   * (`judgeAgain`), once per monitor and batch. Safe to call twice with the same results
   * (after a crash, or from a replaying stream).
   */
  ingest(
    results: readonly CheckedResult[],
    judge?: Judge,
    options: IngestOptions = {},
  ): IngestReport {
    const report: IngestReport = {
      applied: 0,
      duplicates: 0,
      unknownMonitor: 0,
      queued: 0,
      waiting: 0,
    };
    try {
      this.db.transaction(() => {
        const stored: CheckedResult[] = [];
        // Monitors to judge again, each from its earliest result that was not judged.
        const rejudging = new Map<KnownMonitor, number>();
        for (const result of results) {
          const known = this.knownMonitor(result.monitorId);
          if (!known) {
            if (options.keepUnknown && !this.config.isDeleted('monitor', result.monitorId)) {
              this.waiting.add(result);
              report.waiting++;
            } else report.unknownMonitor++;
            continue;
          }
          if (!this.results.insert(known, result)) {
            report.duplicates++;
            continue;
          }
          report.applied++;
          if (options.outbox) stored.push(result);
          if (!judge) continue;
          // Never judged here, though results are stored: they waited for its config.
          if (
            known.state === undefined &&
            (this.results.firstSlot(known.n) ?? Infinity) < result.slot
          ) {
            rejudging.set(known, Number.MIN_SAFE_INTEGER);
          }
          // A result the judge leaves (late: older than one judged) is judged again in order
          // below; those after it in this batch are judged live first, as if it came later.
          const queued = this.alerts.judge(known, result, judge);
          if (queued !== undefined) report.queued += queued;
          else rejudging.set(known, Math.min(rejudging.get(known) ?? result.slot, result.slot));
        }
        if (judge) {
          for (const [known, late] of rejudging) {
            report.queued += this.judgeAgain(known, late, judge);
          }
        }
        if (stored.length > 0) this.outbox.add(stored);
        if (options.streamPosition !== undefined) {
          this.meta.set(STREAM_POSITION, String(options.streamPosition));
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

  /** The results stream position this replica has applied (0: none). */
  streamPosition(): number {
    return Number(this.meta.get(STREAM_POSITION) ?? 0);
  }

  /**
   * A snapshot merged into this replica holds everything up to `position` of the results
   * stream: following resumes after it (never goes back).
   */
  raiseStreamPosition(position: number): void {
    if (position > this.streamPosition()) this.meta.set(STREAM_POSITION, String(position));
  }

  /** This node's results waiting for the results stream, oldest first (cluster mode). */
  outboxPending(limit: number): { seq: number; results: CheckedResult[] }[] {
    return this.outbox.pending(limit);
  }

  /** The results stream acknowledged these outbox batches. */
  outboxPublished(seqs: readonly number[]): void {
    this.outbox.published(seqs);
  }

  outboxDepth(): number {
    return this.outbox.depth();
  }

  /** Results kept for monitors whose config has not arrived yet. */
  countWaitingResults(): number {
    return this.waiting.count();
  }

  /** Results of one monitor of one account, newest first, slots in [since, until). */
  listResults(
    accountId: string,
    monitorId: string,
    range: { since: number; until: number; limit: number },
  ): StoredResult[] {
    const known = this.knownMonitor(monitorId);
    if (!known || known.monitor.accountId !== accountId) return [];
    return this.results.list(known.n, range);
  }

  /**
   * Every result of one monitor of one account with a slot in [since, until), newest first,
   * a page of `pageSize` per step (for exports: the caller lets other work run between pages).
   */
  resultPages(
    accountId: string,
    monitorId: string,
    range: { since: number; until: number },
    pageSize: number,
  ): Iterable<StoredResult[]> {
    const known = this.knownMonitor(monitorId);
    if (!known || known.monitor.accountId !== accountId) return [];
    return this.results.pages(known.n, range, pageSize);
  }

  /** Up and down counts of one monitor over [from, to), from rollups. */
  uptime(accountId: string, monitorId: string, from: number, to: number): UptimeTotals {
    const known = this.knownMonitor(monitorId);
    if (!known || known.monitor.accountId !== accountId) return { up: 0, down: 0 };
    return this.results.uptime(known.n, from, to);
  }

  /** Up and down counts and the latency sum (ms) of one monitor over [from, to), from rollups. */
  rollupTotals(accountId: string, monitorId: string, from: number, to: number): RollupTotals {
    const known = this.knownMonitor(monitorId);
    if (!known || known.monitor.accountId !== accountId) return { up: 0, down: 0, latencySum: 0 };
    return this.results.totals(known.n, from, to);
  }

  /** One monitor's checks per UTC day for days [fromDay, toDay) (day = floor(ms / DAY_MS)); days without checks are absent. */
  dailyTotals(accountId: string, monitorId: string, fromDay: number, toDay: number): DayTotals[] {
    const known = this.knownMonitor(monitorId);
    if (!known || known.monitor.accountId !== accountId) return [];
    return this.results.days(known.n, fromDay, toDay);
  }

  /**
   * Every live monitor of the account with its state, latest result, the statuses of its
   * newest `recent` results and its up/down counts over each of `windows`, in a few
   * statements for any number of monitors; or one page of them, by id.
   */
  summarizeMonitors(
    accountId: string,
    recent: number,
    windows: readonly Window[],
    page?: Page,
  ): MonitorSummary[] {
    return this.summaries.ofAccount(accountId, recent, windows, page);
  }

  /** One monitor's rollup buckets of `granularity` in [from, to), oldest first. */
  series(
    accountId: string,
    monitorId: string,
    granularity: Granularity,
    range: Window,
  ): SeriesPoint[] {
    const known = this.knownMonitor(monitorId);
    if (!known || known.monitor.accountId !== accountId) return [];
    return this.summaries.series(known.n, granularity, range.from, range.to);
  }

  /** Whether a result of the monitor's slot is stored, from any node and region. */
  hasResult(monitorId: string, slot: number): boolean {
    const known = this.knownMonitor(monitorId);
    return known !== null && this.results.hasSlot(known.n, slot);
  }

  /** Number of stored raw results (all monitors). */
  countResults(): number {
    return this.results.count();
  }

  // ---- monitor state, incidents, pushes -----------------------------------------------

  getMonitorState(monitorId: string): object | undefined {
    return this.alerts.getState(monitorId);
  }

  /**
   * Forgets what the store caches from its tables (monitors with their alert states, origin
   * and error keys); they are read again when next needed.
   */
  private dropCaches(): void {
    this.monitors.clear();
    this.awaitingJudgement.clear();
    this.results.dropCaches();
  }

  listIncidents(accountId: string, filter: { monitorId?: string; limit: number }): Incident[] {
    return this.alerts.listIncidents(accountId, filter);
  }

  recordPush(monitorId: string, at: number): void {
    this.alerts.recordPush(monitorId, at);
  }

  lastPushAt(monitorId: string): number | undefined {
    return this.alerts.lastPushAt(monitorId);
  }

  // ---- delivery queue --------------------------------------------------------------

  /** Queues a one-off delivery (a channel test) unless its id is queued already. */
  queueDelivery(delivery: Omit<Delivery, 'attempts' | 'createdAt'>, now: number): void {
    this.deliveries.queue(delivery, now);
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
    return this.deliveries.claimDue(now, limit, leaseMs, busyChannels);
  }

  markDelivered(id: string, now: number): void {
    this.deliveries.markDelivered(id, now);
  }

  /** Leaves a pending delivery until `nextAt` (ms) without counting an attempt. */
  postponeDelivery(id: string, nextAt: number): void {
    this.deliveries.postpone(id, nextAt);
  }

  /**
   * Records that another node sent the delivery or gave it up (cluster mode); `note` says
   * which node, as the delivery's last error.
   */
  settleDeliveryElsewhere(
    id: string,
    outcome: 'sent' | 'failed',
    now: number,
    note: string | null,
  ): void {
    this.deliveries.settleElsewhere(id, outcome, now, note);
  }

  /** Records a failed attempt: retried at `retryAt`, or given up when it is null. */
  markDeliveryFailed(id: string, error: string, retryAt: number | null): void {
    this.deliveries.markFailed(id, error, retryAt);
  }

  getDelivery(
    id: string,
  ): { status: string; attempts: number; lastError: string | null } | undefined {
    return this.deliveries.get(id);
  }

  listDeliveries(accountId: string, limit: number): Record<string, unknown>[] {
    return this.deliveries.list(accountId, limit);
  }

  countPendingDeliveries(): number {
    return this.deliveries.countPending();
  }

  // ---- housekeeping, copies ------------------------------------------------------------

  /**
   * Retention over every table that grows (raw results and minute rollups, finished
   * deliveries, closed incidents, expired tokens, tombstones, unused error texts). The node
   * runs it hourly.
   */
  housekeep(options: HousekeepingOptions): HousekeepingReport {
    return this.housekeeping.run(options);
  }

  /** Deletes raw results and minute rollups older than `before` (ms); hours and days stay. */
  pruneBefore(before: number): number {
    return this.results.pruneBefore(before);
  }

  /** An online, consistent copy of the database at `file` (SQLite's backup API). */
  async backupTo(file: string): Promise<void> {
    await this.db.backup(file);
  }

  /**
   * Merges the copy at `sourcePath` into this store by union, through the same parts (and
   * config through the same apply) as live writes; see mergeInto.
   */
  merge(sourcePath: string, options: MergeOptions = {}): MergeReport {
    try {
      return mergeCopy(
        {
          db: this.db,
          applyConfig: (change, deletedAt) => this.applyChange(change, deletedAt),
          storeWaiting: (monitorId, results) => this.storeWaiting(monitorId, results),
          waiting: this.waiting,
          config: this.config,
          results: this.results,
          alerts: this.alerts,
          deliveries: this.deliveries,
          meta: this.meta,
        },
        sourcePath,
        options,
      );
    } finally {
      // States, keys and monitors were written in bulk, past the caches.
      this.dropCaches();
    }
  }

  private applyChange(change: ConfigChange, deletedAt: number): ConfigOutcome {
    // Whatever the outcome: the document kept for it may no longer be the row.
    if (change.kind === 'monitor') this.awaitingJudgement.delete(change.id);
    const outcome = this.db.transaction(() => {
      const outcome = this.config.apply(change, deletedAt);
      if (!wasApplied(outcome)) return outcome;
      if (change.doc === null && change.kind === 'monitor') {
        this.results.forgetMonitor(change.id);
        this.alerts.forgetMonitor(change.id);
        this.waiting.forget(change.id);
      }
      if (change.doc !== null && change.kind === 'account') this.results.keyAccount(change.id);
      if (change.doc === null && change.kind === 'account') {
        // Its monitors' tombstones took their results and state; this is what is left.
        this.alerts.forgetAccount(change.id);
        this.deliveries.forgetAccount(change.id);
      }
      if (change.doc !== null && change.kind === 'monitor') {
        this.storeWaiting(change.id, this.waiting.take(change.id));
      }
      return outcome;
    })();
    if (change.kind === 'monitor' && wasApplied(outcome)) {
      this.monitors.delete(change.id);
      // The writer hands this very document to the scheduler too (`onChange`): one copy.
      const monitor = change.doc as Monitor | null;
      if (monitor && !monitor.paused) this.awaitingJudgement.set(change.id, monitor);
    }
    return outcome;
  }

  /**
   * Judges the monitor's stored results again from before `late` (a slot not judged because
   * it came after a later one) in the order every replica judges them (`inJudgingOrder`),
   * and rewrites what was judged from there: the incidents that began since and the state.
   * So replicas that received the same results in different orders — after a partition,
   * each island judged its own — hold the same incidents, with the same ids. Inside the
   * ingest transaction. A replay queues no alerts (see `rejudge`) but those still owed for
   * the incidents this replica announced, and keeps those it folded (`Judge.settle`).
   */
  private judgeAgain(known: KnownMonitor, late: number, judge: Judge): number {
    const from = this.replayStart(known, late);
    // Nothing to change: every result since is up and no incident began since, so the state
    // is up as a replay would leave it (and keeps what a replay cannot know: the
    // certificate warnings sent, as stored results have no certificate).
    if (
      from !== undefined &&
      !this.results.hasDownFrom(known.n, from) &&
      !this.alerts.hasIncidentFrom(known.monitor, from)
    ) {
      return 0;
    }
    const start = from ?? this.results.firstSlot(known.n);
    if (start === undefined) return 0;
    const monitorId = known.monitor.id;
    const ordered = this.results
      .inJudgingOrder(known.n, start)
      .map(({ error, ...result }): CheckedResult => ({
        monitorId,
        ...result,
        ...(error === null ? {} : { error }),
      }));
    const replayed = rejudge(judge, known.monitor, ordered);
    const latest = ordered.at(-1);
    const settled = latest && judge.settle?.(known.monitor, known.state, replayed.state, latest);
    this.alerts.rewrite(known, start, settled ? { ...replayed, state: settled.state } : replayed);
    return settled ? this.alerts.queue(settled.notifications, latest.checkedAt) : 0;
  }

  /**
   * Where a replay before `late` starts: the latest earlier slot at which every result is
   * up and no incident of this replica is open. Judged from no state there, the first
   * result (up) leaves the state every replica holding these results has after that slot:
   * up, no failures, no incident. Undefined if there is none: replay from the first result
   * (an incident older than the results kept, still open then, is replaced).
   */
  private replayStart(known: KnownMonitor, late: number): number | undefined {
    let before = late;
    for (;;) {
      const slot = this.results.latestUpSlot(known.n, before);
      if (slot === undefined) return undefined;
      const across = this.alerts.incidentAcross(known.monitor, slot);
      if (across === undefined) return slot;
      before = across;
    }
  }

  /**
   * Stores results that waited for this monitor's config (inside the config's transaction,
   * or a merge's); returns those new to the store. The config brings no judge: they are
   * judged, in order from the first, with the monitor's next result (its state is still
   * absent, see `ingest`).
   */
  private storeWaiting(monitorId: string, waiting: readonly CheckedResult[]): number {
    if (waiting.length === 0) return 0;
    this.monitors.delete(monitorId);
    const known = this.knownMonitor(monitorId);
    let stored = 0;
    if (known) for (const result of waiting) if (this.results.insert(known, result)) stored++;
    this.monitors.delete(monitorId);
    return stored;
  }

  private knownMonitor(monitorId: string): KnownMonitor | null {
    const cached = this.monitors.get(monitorId);
    if (cached !== undefined) return cached;
    const monitor =
      this.awaitingJudgement.get(monitorId) ?? this.config.get<Monitor>('monitor', monitorId);
    this.awaitingJudgement.delete(monitorId);
    const known = monitor
      ? {
          monitor,
          ...this.results.keysOf(monitor.id, monitor.accountId),
          state: this.alerts.getState(monitor.id),
        }
      : null;
    this.monitors.set(monitorId, known);
    return known;
  }
}
