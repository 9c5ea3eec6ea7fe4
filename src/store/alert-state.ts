import type { Incident, Monitor } from '../model/index.js';
import { upsertCounts, type Connection } from './database.js';
import type { DeliveryQueue } from './deliveries.js';
import type { CheckedResult } from './results.js';

/** What the judge decided about one new result; the store writes it atomically. */
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

/** Where a replayed result stands (see `rejudge`). */
export interface ReplayPosition {
  /** The next result replayed is of the same slot: judge the slot once it has them all. */
  slotContinues: boolean;
}

/**
 * Judges one result of `monitor` against the state it returned last (undefined: none yet).
 * Undefined: the result is not judged because it is older than one judged (late); the store
 * then judges the monitor again in order (see `rejudge`).
 */
export interface Judge {
  (
    monitor: Monitor,
    state: object | undefined,
    result: CheckedResult,
    replay?: ReplayPosition,
  ): Judgement | undefined;
  /**
   * After a replay turned the state `before` into `after`: the state to keep (what the
   * replay cannot know, e.g. the incidents this replica announced that it replaced) and the
   * notifications still owed (an "up" for an announced incident the replay closed), about
   * `latest`, the newest result replayed. Absent, or undefined: keep `after`, owe nothing.
   * Its incidents are ignored (the replay wrote them).
   */
  settle?: (
    monitor: Monitor,
    before: object | undefined,
    after: object | undefined,
    latest: CheckedResult,
  ) => Judgement | undefined;
}

/** What judging a monitor's results again in order produced (see `rejudge`). */
export interface Rejudged {
  /** The state after the last result the judge took; undefined if it took none. */
  state: object | undefined;
  /** The incidents opened, oldest first, each with the `endedAt` of its close if it closed. */
  incidents: Incident[];
}

/** A monitor with its alert state as last written, so judging a result reads no row. */
export interface JudgedMonitor {
  monitor: Monitor;
  state: object | undefined;
}

interface IncidentRow {
  id: string;
  account_id: string;
  monitor_id: string;
  started_at: number;
  ended_at: number | null;
  cause: string;
  in_maintenance: number;
}

const INCIDENT_COLUMNS = 'id, account_id, monitor_id, started_at, ended_at, cause, in_maintenance';

/** A later push wins, whether it is recorded or merged. */
const LATEST_PUSH =
  'ON CONFLICT (monitor_id) DO UPDATE SET at = excluded.at WHERE excluded.at > pushes.at';

/**
 * Each monitor's alert state (as this replica judged it), incidents, and heartbeat pushes;
 * a judgement is written here, its notifications into the delivery queue.
 */
export class AlertState {
  private readonly sql;

  constructor(
    private readonly db: Connection,
    private readonly deliveries: DeliveryQueue,
  ) {
    this.sql = {
      getState: db.prepare('SELECT state FROM monitor_state WHERE monitor_id = ?').pluck(),
      setState: db.prepare(
        'INSERT OR REPLACE INTO monitor_state (monitor_id, account_id, state) VALUES (?, ?, ?)',
      ),
      openIncident: db.prepare(
        `INSERT OR IGNORE INTO incidents (${INCIDENT_COLUMNS}) VALUES (?, ?, ?, ?, NULL, ?, ?)`,
      ),
      closeIncident: db.prepare(
        'UPDATE incidents SET ended_at = ? WHERE id = ? AND ended_at IS NULL',
      ),
      // These use incidents_by_monitor (account, monitor, started_at).
      putIncident: db.prepare(
        `INSERT OR REPLACE INTO incidents (${INCIDENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteIncidentsFrom: db.prepare(
        `DELETE FROM incidents WHERE account_id = ? AND monitor_id = ?
         AND (started_at >= ? OR ended_at IS NULL OR ended_at > ?)`,
      ),
      hasIncidentFrom: db
        .prepare(
          'SELECT 1 FROM incidents WHERE account_id = ? AND monitor_id = ? AND started_at >= ? LIMIT 1',
        )
        .pluck(),
      incidentAcross: db
        .prepare(
          `SELECT min(started_at) FROM incidents WHERE account_id = ? AND monitor_id = ?
           AND started_at < ? AND (ended_at IS NULL OR ended_at > ?)`,
        )
        .pluck(),
      incidentsOfAccount: db.prepare(
        'SELECT * FROM incidents WHERE account_id = ? ORDER BY started_at DESC LIMIT ?',
      ),
      incidentsOfMonitor: db.prepare(
        `SELECT * FROM incidents WHERE account_id = ? AND monitor_id = ?
         ORDER BY started_at DESC LIMIT ?`,
      ),
      recordPush: db.prepare(`INSERT INTO pushes (monitor_id, at) VALUES (?, ?) ${LATEST_PUSH}`),
      lastPush: db.prepare('SELECT at FROM pushes WHERE monitor_id = ?').pluck(),
      forget: [
        db.prepare('DELETE FROM monitor_state WHERE monitor_id = ?'),
        db.prepare('DELETE FROM pushes WHERE monitor_id = ?'),
      ],
      forgetAccount: db.prepare('DELETE FROM incidents WHERE account_id = ?'),
      // The condition matches incidents_closed, a partial index.
      pruneClosed: db.prepare('DELETE FROM incidents WHERE ended_at < ?'),
      // started_at <= ended_at: the bound lets incidents_by_account find them.
      pruneClosedOf: db.prepare(
        'DELETE FROM incidents WHERE account_id = ? AND started_at < ? AND ended_at < ?',
      ),
    };
  }

  getState(monitorId: string): object | undefined {
    const state = this.sql.getState.get(monitorId) as string | undefined;
    return state === undefined ? undefined : (JSON.parse(state) as object);
  }

  /**
   * Judges a new result of `judged.monitor` and writes the verdict — state (also into
   * `judged.state`), incident opened or closed, one delivery per notification and channel.
   * Returns the deliveries newly queued, or undefined if the judge did not judge the result
   * (it is older than one judged: late). Run it inside the result's transaction.
   */
  judge(judged: JudgedMonitor, result: CheckedResult, judge: Judge): number | undefined {
    const { monitor } = judged;
    const judgement = judge(monitor, judged.state, result);
    if (!judgement) return undefined;
    this.setState(judged, judgement.state);
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
    return this.queue(judgement.notifications, result.checkedAt);
  }

  /** Queues one delivery per notification and channel; returns how many are new. */
  queue(notifications: Judgement['notifications'], at: number): number {
    let queued = 0;
    for (const notification of notifications) {
      for (const channelId of notification.channelIds) {
        queued += this.deliveries.queue(
          {
            id: `${notification.key}:${channelId}`,
            accountId: notification.accountId,
            channelId,
            event: notification.event,
            payload: notification.payload,
          },
          at,
        );
      }
    }
    return queued;
  }

  /**
   * Replaces what was judged of `judged.monitor` from slot `from` on by a replay's outcome:
   * its incidents that started from `from` on or were still open after it by `incidents`,
   * and its state by `state`. Inside the caller's transaction.
   */
  rewrite(judged: JudgedMonitor, from: number, replayed: Rejudged): void {
    const { monitor } = judged;
    this.sql.deleteIncidentsFrom.run(monitor.accountId, monitor.id, from, from);
    for (const incident of replayed.incidents) {
      this.sql.putIncident.run(
        incident.id,
        incident.accountId,
        incident.monitorId,
        incident.startedAt,
        incident.endedAt,
        incident.cause,
        incident.inMaintenance ? 1 : 0,
      );
    }
    if (replayed.state !== undefined) this.setState(judged, replayed.state);
  }

  /** Whether an incident of the monitor started at `from` or later. */
  hasIncidentFrom(monitor: Monitor, from: number): boolean {
    return this.sql.hasIncidentFrom.get(monitor.accountId, monitor.id, from) !== undefined;
  }

  /**
   * When the earliest incident of the monitor that spans `at` started (one that began
   * before it and was still open after it), if one does.
   */
  incidentAcross(monitor: Monitor, at: number): number | undefined {
    const started = this.sql.incidentAcross.get(monitor.accountId, monitor.id, at, at) as
      number | null;
    return started ?? undefined;
  }

  private setState(judged: JudgedMonitor, state: object): void {
    const { monitor } = judged;
    this.sql.setState.run(monitor.id, monitor.accountId, JSON.stringify(state));
    // Frozen: the next judgement gets this object itself, and must not change the cache.
    judged.state = Object.freeze(state);
  }

  listIncidents(accountId: string, filter: { monitorId?: string; limit: number }): Incident[] {
    const rows = (
      filter.monitorId === undefined
        ? this.sql.incidentsOfAccount.all(accountId, filter.limit)
        : this.sql.incidentsOfMonitor.all(accountId, filter.monitorId, filter.limit)
    ) as IncidentRow[];
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

  recordPush(monitorId: string, at: number): void {
    this.sql.recordPush.run(monitorId, at);
  }

  lastPushAt(monitorId: string): number | undefined {
    return this.sql.lastPush.get(monitorId) as number | undefined;
  }

  /** Deletes a deleted monitor's state and last push; its incidents stay (history). */
  forgetMonitor(monitorId: string): void {
    for (const statement of this.sql.forget) statement.run(monitorId);
  }

  /** Deletes a deleted account's incidents (its monitors' state goes with each monitor). */
  forgetAccount(accountId: string): void {
    this.sql.forgetAccount.run(accountId);
  }

  /**
   * Deletes incidents that closed before `before` (ms), of every account or of `accountId`;
   * open ones stay whatever their age.
   */
  pruneClosedIncidents(before: number, accountId?: string): number {
    if (accountId === undefined) return this.sql.pruneClosed.run(before).changes;
    return this.sql.pruneClosedOf.run(accountId, before, before).changes;
  }

  // ---- merging a copy attached as `schema` ------------------------------------------
  // These statements name the attached copy, so they are prepared per merge.

  /** Union by id; an incident one copy saw close is closed. */
  mergeIncidents(schema: string): { added: number; updated: number } {
    return upsertCounts(
      this.db,
      'incidents',
      `INSERT INTO main.incidents (${INCIDENT_COLUMNS})
       SELECT ${INCIDENT_COLUMNS} FROM ${schema}.incidents WHERE true
       ON CONFLICT (id) DO UPDATE SET ended_at = excluded.ended_at
       WHERE incidents.ended_at IS NULL AND excluded.ended_at IS NOT NULL`,
    );
  }

  /**
   * Of the monitors in `liveMonitors` (a SQL query of ids), the state judged from the latest
   * slot wins (the coordinator's `lastSlot`); a deleted monitor's state is left out.
   */
  mergeStates(schema: string, liveMonitors: string): { added: number; updated: number } {
    const lastSlot = (table: string) => `coalesce(json_extract(${table}.state, '$.lastSlot'), -1)`;
    return upsertCounts(
      this.db,
      'monitor_state',
      `INSERT INTO main.monitor_state (monitor_id, account_id, state)
       SELECT monitor_id, account_id, state FROM ${schema}.monitor_state
       WHERE monitor_id IN (${liveMonitors})
       ON CONFLICT (monitor_id) DO UPDATE SET account_id = excluded.account_id, state = excluded.state
       WHERE ${lastSlot('excluded')} > ${lastSlot('monitor_state')}`,
    );
  }

  /** The latest push of each monitor in `liveMonitors`, as recordPush keeps it. */
  mergePushes(schema: string, liveMonitors: string): { added: number; updated: number } {
    return upsertCounts(
      this.db,
      'pushes',
      `INSERT INTO main.pushes (monitor_id, at) SELECT monitor_id, at FROM ${schema}.pushes
       WHERE monitor_id IN (${liveMonitors}) ${LATEST_PUSH}`,
    );
  }
}
