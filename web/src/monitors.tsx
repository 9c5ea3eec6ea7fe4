import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { call, type Monitor, type StateItem } from './api';
import { Page } from './form';
import { useLiveStates } from './live';
import {
  newerOf,
  RECENT_RESULTS,
  withLatest,
  type MonitorDoc,
  type SummaryItem,
} from './monitor-data';
import { monitorPath, onLink, ROUTES } from './router';
import { strings } from '../../src/catalog';
import { useVisibleRows } from './virtual';

export type StateWord = keyof typeof strings.states;

/** The word (and colour class) of a monitor's state: maintenance first, then its status. */
export function stateWord(state: StateItem | undefined, monitor: Monitor): StateWord {
  if (monitor.paused || state?.status === 'paused') return 'paused';
  if (state?.inMaintenance) return 'maintenance';
  if (state?.status === 'up' || state?.status === 'down') return state.status;
  return 'pending';
}

export function target(monitor: Monitor): string {
  if (monitor.url) return monitor.url;
  if (monitor.host) return monitor.port ? `${monitor.host}:${monitor.port}` : monitor.host;
  return '—';
}

/** A row's height, px (style.css `.monitors tbody tr` keeps to it): the virtual list needs it. */
const ROW_PX = 48;
/** The summary's uptimes are read again this often, ms (states come live, uptimes do not). */
const SUMMARY_EVERY_MS = 60_000;

type SortKey = keyof typeof strings.monitors.sorts;

/** How states sort: the ones that need a look first. */
const STATE_ORDER: Record<StateWord, number> = {
  down: 0,
  pending: 1,
  maintenance: 2,
  up: 3,
  paused: 4,
};

interface Row {
  monitor: MonitorDoc;
  summary: SummaryItem | undefined;
  word: StateWord;
}

const SORTS: Record<SortKey, (a: Row, b: Row) => number> = {
  name: () => 0,
  state: (a, b) => STATE_ORDER[a.word] - STATE_ORDER[b.word],
  latency: (a, b) => (b.summary?.latest?.latencyMs ?? -1) - (a.summary?.latest?.latencyMs ?? -1),
  uptime24h: (a, b) => (a.summary?.uptime['24h'] ?? 2) - (b.summary?.uptime['24h'] ?? 2),
};

function byName(a: Row, b: Row): number {
  return a.monitor.name.localeCompare(b.monitor.name);
}

/**
 * The account's monitors and their summaries (one request each, whatever their number),
 * with the live states folded into the summaries. A state for a monitor the list does not know
 * (created in another tab or on another node) reads both again.
 */
function useMonitorRows() {
  const [monitors, setMonitors] = useState<MonitorDoc[] | undefined>(undefined);
  const [summaries, setSummaries] = useState<ReadonlyMap<string, SummaryItem>>(new Map());
  const [failed, setFailed] = useState<string | undefined>(undefined);
  const loading = useRef(false);
  const load = () => {
    if (loading.current) return;
    loading.current = true;
    Promise.all([
      call<{ items: MonitorDoc[] }>('GET', '/api/v1/monitors'),
      call<{ items: SummaryItem[] }>('GET', `/api/v1/monitors/summary?recent=${RECENT_RESULTS}`),
    ])
      .then(([list, summary]) => {
        setMonitors(list.items);
        setSummaries(
          (shown) =>
            new Map(
              summary.items.map((item) => [
                item.monitorId,
                newerOf(item, shown.get(item.monitorId)),
              ]),
            ),
        );
        setFailed(undefined);
      })
      .catch((error: unknown) =>
        setFailed(error instanceof Error ? error.message : strings.errors.network),
      )
      .finally(() => (loading.current = false));
  };
  const ids = useMemo(() => new Set(monitors?.map((monitor) => monitor.id)), [monitors]);
  const { live } = useLiveStates({
    // Each new result extends its monitor's bar; the summary read each minute replaces them.
    onItems: (items) =>
      setSummaries((current) => {
        const next = new Map(current);
        for (const item of items)
          next.set(item.monitorId, withLatest(current.get(item.monitorId), item));
        return next;
      }),
    known: (id) => monitors === undefined || ids.has(id),
    onUnknown: load,
  });
  useEffect(() => {
    load();
    const timer = setInterval(load, SUMMARY_EVERY_MS);
    return () => clearInterval(timer);
  }, []);
  const rows = useMemo(
    () =>
      monitors?.map((monitor): Row => {
        const summary = summaries.get(monitor.id);
        return { monitor, summary, word: stateWord(summary, monitor) };
      }),
    [monitors, summaries],
  );
  return { rows, live, failed };
}

/** The filters of the list, kept in the page's state. */
interface Filters {
  search: string;
  state: StateWord | '';
  tag: string;
  sort: SortKey;
}

function matches(row: Row, filters: Filters, needle: string): boolean {
  if (filters.state && row.word !== filters.state) return false;
  if (filters.tag && !row.monitor.tags?.includes(filters.tag)) return false;
  if (!needle) return true;
  return (
    row.monitor.name.toLowerCase().includes(needle) ||
    target(row.monitor).toLowerCase().includes(needle) ||
    (row.monitor.tags ?? []).some((tag) => tag.toLowerCase().includes(needle))
  );
}

/**
 * The account's monitors: name, type, target, state in words and colour, last latency, a bar
 * of the latest results, uptime over 24 hours and 30 days; searched, filtered, sorted, live.
 * Only the rows in view are drawn. `canEdit`: the caller's role edits monitors (a viewer sees
 * no edit controls).
 */
export function MonitorsPage({ canEdit }: { canEdit: boolean }) {
  const { rows, live, failed } = useMonitorRows();
  const [filters, setFilters] = useState<Filters>({ search: '', state: '', tag: '', sort: 'name' });
  const set = (change: Partial<Filters>) => setFilters((current) => ({ ...current, ...change }));
  const tags = useMemo(
    () => [...new Set(rows?.flatMap((row) => row.monitor.tags ?? []))].sort(),
    [rows],
  );
  const shown = useMemo(() => {
    const needle = filters.search.trim().toLowerCase();
    const sort = SORTS[filters.sort];
    return (rows ?? [])
      .filter((row) => matches(row, filters, needle))
      .sort((a, b) => sort(a, b) || byName(a, b));
  }, [rows, filters]);
  const { ref, rows: visible } = useVisibleRows(shown.length, ROW_PX);
  const m = strings.monitors;
  return (
    <Page title={m.title}>
      <p class="toolbar">
        {canEdit && (
          <a class="button" href={ROUTES.newMonitor} onClick={onLink(ROUTES.newMonitor)}>
            {m.add}
          </a>
        )}
        <span class={live ? 'live on' : 'live'} role="status">
          {live ? m.live : m.reconnecting}
        </span>
      </p>
      {failed && (
        <p class="problems" role="alert">
          {failed}
        </p>
      )}
      {rows === undefined && !failed && <p>{strings.loading}</p>}
      {rows?.length === 0 && <p>{m.empty}</p>}
      {rows && rows.length > 0 && (
        <>
          <div class="filters" role="search">
            <div class="field">
              <label for="monitor-search">{m.search}</label>
              <input
                id="monitor-search"
                type="search"
                placeholder={m.searchHint}
                value={filters.search}
                onInput={(event) => set({ search: event.currentTarget.value })}
              />
            </div>
            <div class="field">
              <label for="monitor-state">{m.stateFilter}</label>
              <select
                id="monitor-state"
                value={filters.state}
                onChange={(event) => set({ state: event.currentTarget.value as StateWord | '' })}
              >
                <option value="">{m.any}</option>
                {(Object.keys(strings.states) as StateWord[]).map((word) => (
                  <option key={word} value={word}>
                    {strings.states[word]}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="monitor-tag">{m.tagFilter}</label>
              <select
                id="monitor-tag"
                value={filters.tag}
                onChange={(event) => set({ tag: event.currentTarget.value })}
              >
                <option value="">{m.any}</option>
                {tags.map((tag) => (
                  <option key={tag} value={tag}>
                    {tag}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="monitor-sort">{m.sort}</label>
              <select
                id="monitor-sort"
                value={filters.sort}
                onChange={(event) => set({ sort: event.currentTarget.value as SortKey })}
              >
                {(Object.keys(m.sorts) as SortKey[]).map((key) => (
                  <option key={key} value={key}>
                    {m.sorts[key]}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <p class="count" aria-live="polite">
            {m.shown(shown.length, rows.length)}
          </p>
          {shown.length === 0 ? (
            <p>{m.noMatch}</p>
          ) : (
            <div class="scroller" ref={ref} tabIndex={0} aria-label={m.caption}>
              <table class="monitors" aria-rowcount={shown.length + 1}>
                <caption>{m.caption}</caption>
                <thead>
                  <tr aria-rowindex={1}>
                    <th scope="col">{m.columns.name}</th>
                    <th scope="col">{m.columns.type}</th>
                    <th scope="col" class="target">
                      {m.columns.target}
                    </th>
                    <th scope="col">{m.columns.state}</th>
                    <th scope="col" class="number">
                      {m.columns.latency}
                    </th>
                    <th scope="col" class="recent">
                      {m.columns.recent}
                    </th>
                    <th scope="col" class="number">
                      {m.columns.uptime24h}
                    </th>
                    <th scope="col" class="number">
                      {m.columns.uptime30d}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {visible.before > 0 && <Spacer px={visible.before} />}
                  {shown.slice(visible.start, visible.end).map((row, index) => (
                    <MonitorRow key={row.monitor.id} row={row} index={visible.start + index} />
                  ))}
                  {visible.after > 0 && <Spacer px={visible.after} />}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </Page>
  );
}

/** The space of the rows not drawn (a style property, which the CSP allows from script). */
function Spacer({ px }: { px: number }) {
  return <tr class="spacer" aria-hidden="true" style={{ height: `${px}px` }} />;
}

function MonitorRow({ row, index }: { row: Row; index: number }) {
  const { monitor, summary, word } = row;
  const latest = summary?.latest;
  const m = strings.monitors;
  const uptime = (ratio: number | null | undefined) =>
    ratio === null || ratio === undefined ? m.noUptime : m.uptime(ratio);
  const path = monitorPath(monitor.id);
  return (
    <tr data-monitor-id={monitor.id} aria-rowindex={index + 2}>
      <th scope="row">
        <a href={path} onClick={onLink(path)}>
          {monitor.name}
        </a>
      </th>
      <td>{monitor.type.toUpperCase()}</td>
      <td class="target">{target(monitor)}</td>
      <td>
        <span class={`state state-${word}`} title={latest?.error ?? undefined}>
          {strings.states[word]}
        </span>
      </td>
      <td class="number latency">{latest ? m.latency(latest.latencyMs) : m.noLatency}</td>
      <td class="recent">
        <Bars recent={summary?.recent ?? ''} />
      </td>
      <td class="number uptime-24h">{uptime(summary?.uptime['24h'])}</td>
      <td class="number uptime-30d">{uptime(summary?.uptime['30d'])}</td>
    </tr>
  );
}

/** The latest results as a bar per result, oldest left; its label says the counts. */
export function Bars({ recent }: { recent: string }) {
  const down = [...recent].filter((status) => status === 'd').length;
  return (
    <span class="bars" role="img" aria-label={strings.monitors.bars(recent.length - down, down)}>
      {[...recent].map((status, index) => (
        <i key={index} class={status === 'u' ? 'bar up' : 'bar down'} />
      ))}
    </span>
  );
}
