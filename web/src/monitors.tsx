import { useEffect, useState } from 'preact/hooks';
import { call, type Monitor, type StateItem } from './api';
import { Page } from './form';
import { onLink, ROUTES } from './router';
import { strings } from './strings';

type StateWord = keyof typeof strings.states;

/** The word (and colour class) of a monitor's state: maintenance first, then its status. */
export function stateWord(state: StateItem | undefined, monitor: Monitor): StateWord {
  if (monitor.paused || state?.status === 'paused') return 'paused';
  if (state?.inMaintenance) return 'maintenance';
  if (state?.status === 'up' || state?.status === 'down') return state.status;
  return 'pending';
}

function target(monitor: Monitor): string {
  if (monitor.url) return monitor.url;
  if (monitor.host) return monitor.port ? `${monitor.host}:${monitor.port}` : monitor.host;
  return '—';
}

/**
 * States by monitor id from the account's event stream: its snapshot, then each change, live.
 * `live` says whether the stream is open (EventSource reconnects by itself).
 */
function useLiveStates(): { states: ReadonlyMap<string, StateItem>; live: boolean } {
  const [states, setStates] = useState<ReadonlyMap<string, StateItem>>(new Map());
  const [live, setLive] = useState(false);
  useEffect(() => {
    const source = new EventSource('/api/v1/events');
    source.addEventListener('open', () => setLive(true));
    source.addEventListener('error', () => setLive(false));
    source.addEventListener('snapshot', (event) => {
      const { items } = JSON.parse((event as MessageEvent<string>).data) as { items: StateItem[] };
      setStates(new Map(items.map((item) => [item.monitorId, item])));
    });
    source.addEventListener('state', (event) => {
      const item = JSON.parse((event as MessageEvent<string>).data) as StateItem;
      setStates((current) => new Map(current).set(item.monitorId, item));
    });
    return () => source.close();
  }, []);
  return { states, live };
}

/**
 * The account's monitors: name, type, target, state in words and colour, last latency.
 * `canEdit`: the caller's role edits monitors (a viewer sees no edit controls).
 */
export function MonitorsPage({ canEdit }: { canEdit: boolean }) {
  const [monitors, setMonitors] = useState<Monitor[] | undefined>(undefined);
  const [failed, setFailed] = useState<string | undefined>(undefined);
  const { states, live } = useLiveStates();
  useEffect(() => {
    call<{ items: Monitor[] }>('GET', '/api/v1/monitors').then(
      ({ items }) => setMonitors(items),
      (error: unknown) =>
        setFailed(error instanceof Error ? error.message : strings.errors.network),
    );
  }, []);
  return (
    <Page title={strings.monitors.title}>
      <p class="toolbar">
        {canEdit && (
          <a class="button" href={ROUTES.newMonitor} onClick={onLink(ROUTES.newMonitor)}>
            {strings.monitors.add}
          </a>
        )}
        <span class={live ? 'live on' : 'live'} role="status">
          {live ? strings.monitors.live : strings.monitors.reconnecting}
        </span>
      </p>
      {failed && (
        <p class="problems" role="alert">
          {failed}
        </p>
      )}
      {monitors === undefined && !failed && <p>{strings.loading}</p>}
      {monitors?.length === 0 && <p>{strings.monitors.empty}</p>}
      {monitors && monitors.length > 0 && (
        <table class="monitors">
          <caption>{strings.monitors.caption}</caption>
          <thead>
            <tr>
              <th scope="col">{strings.monitors.columns.name}</th>
              <th scope="col">{strings.monitors.columns.type}</th>
              <th scope="col">{strings.monitors.columns.target}</th>
              <th scope="col">{strings.monitors.columns.state}</th>
              <th scope="col" class="number">
                {strings.monitors.columns.latency}
              </th>
            </tr>
          </thead>
          <tbody>
            {monitors.map((monitor) => {
              const state = states.get(monitor.id);
              const word = stateWord(state, monitor);
              const latest = state?.latest;
              return (
                <tr key={monitor.id} data-monitor-id={monitor.id}>
                  <th scope="row">{monitor.name}</th>
                  <td>{monitor.type.toUpperCase()}</td>
                  <td class="target">{target(monitor)}</td>
                  <td>
                    <span class={`state state-${word}`} title={latest?.error ?? undefined}>
                      {strings.states[word]}
                    </span>
                  </td>
                  <td class="number">
                    {latest
                      ? strings.monitors.latency(latest.latencyMs)
                      : strings.monitors.noLatency}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Page>
  );
}
