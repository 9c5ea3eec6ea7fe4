import type { Account } from '../model/index.js';
import type { AlertState } from './alert-state.js';
import type { ConfigDocs } from './config-docs.js';
import type { DeliveryQueue } from './deliveries.js';
import type { Results } from './results.js';
import { DAY_MS } from './rollup-ranges.js';
import type { WaitingResults } from './outbox.js';

/**
 * How long closed incidents and tombstones are kept: 400 days. Incidents: a year of them
 * answers a yearly SLA report and a year-over-year look, like the hour and day rollups
 * (kept for good) do for uptime. Tombstones: they must outlive any copy one might still
 * merge (`tireless restore`), or a deleted entity comes back from it; backup rotations keep
 * dailies, weeklies and monthlies for up to a year, and a year and a month covers the
 * oldest of those.
 */
const LONG_RETENTION_MS = 400 * DAY_MS;

export interface HousekeepingOptions {
  /** ms since the epoch */
  now: number;
  /**
   * How long raw results, minute rollups and finished (sent or given-up) deliveries are kept,
   * ms: the node's TIRELESS_RETENTION_DAYS.
   */
  retentionMs: number;
  /** How long closed incidents and tombstones are kept, ms. @defaultValue LONG_RETENTION_MS */
  longRetentionMs?: number;
}

/** Rows each housekeeping run removed, by kind. */
export interface HousekeepingReport {
  /** Raw results older than the retention (their minute rollups go with them). */
  results: number;
  /** Sent or given-up deliveries queued before the retention. */
  deliveries: number;
  /** Incidents closed before the long retention. */
  incidents: number;
  /** Tokens past their expiry. */
  tokens: number;
  /** Tombstones of deletes older than the long retention. */
  tombstones: number;
  /** Error texts no stored result refers to any more. */
  errorTexts: number;
}

/** The time (ms) before which each kind of row goes. */
function retentionCutoffs(options: HousekeepingOptions) {
  const long = options.longRetentionMs ?? LONG_RETENTION_MS;
  return {
    results: options.now - options.retentionMs,
    deliveries: options.now - options.retentionMs,
    incidents: options.now - long,
    tombstones: options.now - long,
    tokens: options.now,
  };
}

/** An account with a retention of its own, and the time (ms) before which its history goes. */
export interface AccountCutoff {
  accountId: string;
  before: number;
}

/**
 * The accounts that keep their history for less than the node's rules do, each with its
 * cutoff: its own retention, never longer than the node's (`retentionMs`), which wins should
 * the node's be lowered below an account's. Accounts without one keep the node's rules.
 */
export function accountCutoffs(
  accounts: readonly Pick<Account, 'id' | 'retentionDays'>[],
  options: Pick<HousekeepingOptions, 'now' | 'retentionMs'>,
): AccountCutoff[] {
  return accounts.flatMap(({ id, retentionDays }) =>
    retentionDays === undefined
      ? []
      : [
          {
            accountId: id,
            before: options.now - Math.min(retentionDays * DAY_MS, options.retentionMs),
          },
        ],
  );
}

/** Retention over every table that grows: one entry point, run hourly by the node. */
export class Housekeeping {
  constructor(
    private readonly parts: {
      config: ConfigDocs;
      results: Results;
      alerts: AlertState;
      deliveries: DeliveryQueue;
      waiting: WaitingResults;
    },
  ) {}

  /**
   * Prunes, each kind in its own statement (no long transaction): old raw results and
   * minute rollups, finished deliveries, closed incidents, expired tokens, old tombstones;
   * then each account with a retention of its own: its results and rollups of every
   * granularity (a transaction per monitor), finished deliveries and closed incidents older
   * than it; last the error texts the pruned results were the last to use.
   */
  run(options: HousekeepingOptions): HousekeepingReport {
    const cut = retentionCutoffs(options);
    const { config, results, alerts, deliveries, waiting } = this.parts;
    const report = {
      results: results.pruneBefore(cut.results) + waiting.pruneBefore(cut.results),
      deliveries: deliveries.pruneFinished(cut.deliveries),
      incidents: alerts.pruneClosedIncidents(cut.incidents),
      tokens: config.pruneExpiredTokens(cut.tokens),
      tombstones: config.pruneTombstones(cut.tombstones),
      errorTexts: 0,
    };
    for (const { accountId, before } of accountCutoffs(
      config.listAll<Account>('account'),
      options,
    )) {
      for (const monitor of config.listScoped<{ id: string }>('monitor', accountId)) {
        report.results += results.pruneMonitorBefore(monitor.id, before);
      }
      report.deliveries += deliveries.pruneFinished(before, accountId);
      report.incidents += alerts.pruneClosedIncidents(before, accountId);
    }
    report.errorTexts = results.pruneErrorTexts();
    return report;
  }
}
