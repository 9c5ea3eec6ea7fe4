import { summarize, type ResultSummary } from '../events/index.js';
import type { Monitor } from '../model/index.js';
import type { Page, UptimeTotals, Window } from '../store/index.js';
import type { ApiDeps } from './deps.js';

/** One monitor's state, as the event stream and the summary endpoint show it. */
export interface StateItem {
  monitorId: string;
  status: 'up' | 'down' | 'unknown' | 'paused';
  inMaintenance: boolean;
  latest: ResultSummary | null;
}

/** The state item of a monitor given its judged status and latest result. */
export function stateItem(
  deps: ApiDeps,
  monitor: Monitor,
  status: 'up' | 'down' | 'unknown',
  latest: ResultSummary | null,
): StateItem {
  return {
    monitorId: monitor.id,
    status: monitor.paused ? 'paused' : status,
    inMaintenance: deps.maintenance.covers(monitor, deps.clock.now()),
    latest,
  };
}

/** A state item with what the store's summary adds: the newest statuses and the uptimes. */
export interface MonitorStateSummary {
  item: StateItem;
  /** Statuses of the newest results, oldest first: `u` up, `d` down. */
  recent: string;
  /** Up/down counts over each window asked for, in order. */
  uptimes: UptimeTotals[];
}

/**
 * Every monitor of the account with its state, from a few statements for any number of
 * monitors (the store's summary and one read of the account's monitors), ordered by id; or
 * one page of them (both statements read the same page).
 */
export function accountStates(
  deps: ApiDeps,
  accountId: string,
  recent: number,
  windows: readonly Window[],
  page?: Page,
): MonitorStateSummary[] {
  const docs = page
    ? deps.store.listScopedPage<Monitor>('monitor', accountId, page)
    : deps.store.listScoped<Monitor>('monitor', accountId);
  const monitors = new Map(docs.map((monitor) => [monitor.id, monitor]));
  return deps.store.summarizeMonitors(accountId, recent, windows, page).flatMap((summary) => {
    const monitor = monitors.get(summary.monitorId);
    if (!monitor) return [];
    const status = (summary.state as { status?: 'up' | 'down' | 'unknown' } | undefined)?.status;
    const latest = summary.latest ? summarize(summary.latest) : null;
    return [
      {
        item: stateItem(deps, monitor, status ?? 'unknown', latest),
        recent: summary.recent,
        uptimes: summary.uptimes,
      },
    ];
  });
}
