import { useEffect, useState } from 'preact/hooks';
import { ApiError, call } from './api';
import { ResponseChart } from './chart';
import { Page } from './form';
import { useLiveStates } from './live';
import { MonitorActions } from './monitor-actions';
import type { Incident, MonitorDoc, SeriesPoint, StoredResult } from './monitor-data';
import { stateWord, target } from './monitors';
import { MonitorForm } from './new-monitor';
import { monitorPath, navigate, onLink, ROUTES } from './router';
import { strings } from '../../src/catalog';
import { breakdownOf, TimingBar, TimingBreakdown } from './timing';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The chart's periods, ending now, ms. */
const RANGES = {
  '1h': HOUR_MS,
  '24h': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
  '90d': 90 * DAY_MS,
} as const;
type RangeName = keyof typeof RANGES;

const UPTIME_WINDOWS = ['24h', '7d', '30d', '90d'] as const;
type UptimeWindow = (typeof UPTIME_WINDOWS)[number];

interface Uptime {
  uptime: number | null;
  checks: number;
}

/**
 * Reads `path` whenever it or `key` changes: undefined while it loads (never the answer of an
 * earlier path), an Error if it failed.
 */
function useRead<T>(path: string, key?: unknown): T | Error | undefined {
  const [read, setRead] = useState<{ path: string; value: T | Error } | undefined>(undefined);
  useEffect(() => {
    let current = true;
    call<T>('GET', path).then(
      (value) => current && setRead({ path, value }),
      (error: unknown) =>
        current &&
        setRead({
          path,
          value: error instanceof Error ? error : new Error(strings.errors.network),
        }),
    );
    return () => {
      current = false;
    };
  }, [path, key]);
  return read?.path === path ? read.value : undefined;
}

function when(ms: number): string {
  return new Date(ms).toLocaleString();
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * A monitor: its state (live), response-time chart, uptimes, incidents and recent results,
 * with the controls that pause, resume, edit, clone and delete it (`canEdit`: not for a viewer).
 */
export function MonitorPage({ id, canEdit }: { id: string; canEdit: boolean }) {
  const [monitor, setMonitor] = useState<MonitorDoc | Error | undefined>(undefined);
  const [mode, setMode] = useState<'view' | 'edit' | 'clone'>('view');
  const { states } = useLiveStates();
  useEffect(() => {
    setMode('view');
    setMonitor(undefined);
    call<MonitorDoc>('GET', `/api/v1/monitors/${encodeURIComponent(id)}`).then(
      setMonitor,
      (error) => setMonitor(error instanceof Error ? error : new Error(strings.errors.network)),
    );
  }, [id]);
  // The page's heading comes with the monitor: it takes the focus and names the tab then.
  const loaded = monitor !== undefined;
  useEffect(() => {
    const heading = document.querySelector<HTMLElement>('main h1');
    heading?.focus();
    if (heading?.textContent) document.title = `${heading.textContent} · ${strings.appName}`;
  }, [loaded, mode]);

  if (monitor instanceof Error) {
    const missing = monitor instanceof ApiError && monitor.status === 404;
    return (
      <Page title={missing ? strings.monitor.notFound : strings.errors.title}>
        {!missing && <p role="alert">{monitor.message}</p>}
        <BackLink />
      </Page>
    );
  }
  if (!monitor) return <p>{strings.loading}</p>;
  const a = strings.actions;
  if (mode === 'edit') {
    return (
      <MonitorForm
        mode="edit"
        title={a.editTitle(monitor.name)}
        submitLabel={a.save}
        initial={monitor}
        save={async (fields) => {
          const saved = await call<MonitorDoc>('PATCH', `/api/v1/monitors/${monitor.id}`, {
            ...fields,
            revision: monitor.revision,
          });
          setMonitor(saved);
          setMode('view');
        }}
        cancel={() => setMode('view')}
      />
    );
  }
  if (mode === 'clone') {
    return (
      <MonitorForm
        mode="clone"
        title={a.cloneTitle(monitor.name)}
        submitLabel={strings.newMonitor.submit}
        initial={{ ...monitor, name: a.cloneName(monitor.name) }}
        save={async (fields) => {
          // Every field is in the form; a clone of a paused monitor is paused too.
          const created = await call<MonitorDoc>('POST', '/api/v1/monitors', {
            paused: monitor.paused,
            ...fields,
          });
          navigate(monitorPath(created.id));
        }}
        cancel={() => setMode('view')}
      />
    );
  }
  const word = stateWord(states.get(monitor.id), monitor);
  return (
    <Page title={monitor.name}>
      <BackLink />
      <p class="monitor-summary">
        <span class={`state state-${word}`}>{strings.states[word]}</span>{' '}
        <span class="target">{target(monitor)}</span>{' '}
        <span class="hint">{strings.monitor.interval(monitor.intervalSeconds)}</span>
      </p>
      <TypeDetails monitor={monitor} />
      {canEdit && (
        <MonitorActions
          monitor={monitor}
          onChanged={setMonitor}
          onEdit={() => setMode('edit')}
          onClone={() => setMode('clone')}
        />
      )}
      <Chart monitor={monitor} />
      <Uptimes monitorId={monitor.id} />
      <Incidents monitorId={monitor.id} />
      <Results monitorId={monitor.id} latestSlot={states.get(monitor.id)?.latest?.slot} />
    </Page>
  );
}

function BackLink() {
  return (
    <p>
      <a href={ROUTES.monitors} onClick={onLink(ROUTES.monitors)}>
        {strings.monitor.back}
      </a>
    </p>
  );
}

/** What the monitor's type adds: the URL a push monitor's job calls, a TLS certificate's expiry. */
function TypeDetails({ monitor }: { monitor: MonitorDoc }) {
  const d = strings.monitorTypeDetails;
  return (
    <>
      {monitor.pushUrl && (
        <div class="field">
          <label for="push-url">{d.pushUrl}</label>
          <input
            id="push-url"
            readOnly
            value={new URL(monitor.pushUrl, location.origin).href}
            aria-describedby="push-url-hint"
          />
          <p id="push-url-hint" class="hint">
            {d.pushHint}
          </p>
        </div>
      )}
      {monitor.certExpiresAt !== undefined && (
        <p class="certificate">
          {d.certificate(
            when(monitor.certExpiresAt),
            Math.floor((monitor.certExpiresAt - Date.now()) / DAY_MS),
          )}
        </p>
      )}
    </>
  );
}

function Chart({ monitor }: { monitor: MonitorDoc }) {
  const m = strings.monitor;
  const [range, setRange] = useState<RangeName>('24h');
  const [zoom, setZoom] = useState<{ from: number; to: number } | undefined>(undefined);
  const [now, setNow] = useState(Date.now());
  const from = zoom?.from ?? now - RANGES[range];
  const to = zoom?.to ?? now;
  const series = useRead<{ items: SeriesPoint[] }>(
    `/api/v1/monitors/${monitor.id}/series?from=${from}&to=${to}`,
  );
  const choose = (name: RangeName) => {
    setRange(name);
    setZoom(undefined);
    setNow(Date.now());
  };
  return (
    <section aria-labelledby="chart-heading">
      <h2 id="chart-heading">{m.chart}</h2>
      <div class="ranges" role="group" aria-label={m.range}>
        {(Object.keys(RANGES) as RangeName[]).map((name) => (
          <button
            key={name}
            type="button"
            class="secondary"
            aria-pressed={!zoom && range === name}
            onClick={() => choose(name)}
          >
            {m.ranges[name]}
          </button>
        ))}
        {zoom && (
          <button type="button" class="secondary" onClick={() => choose(range)}>
            {m.resetZoom}
          </button>
        )}
      </div>
      {series === undefined && <p>{strings.loading}</p>}
      {series instanceof Error && <p role="alert">{series.message}</p>}
      {series && !(series instanceof Error) && (
        <>
          {series.items.length === 0 && <p>{m.noData}</p>}
          <ResponseChart
            range={zoom ? 'zoom' : range}
            points={series.items}
            from={from}
            to={to}
            label={m.chartLabel(monitor.name)}
            onZoom={(zoomFrom, zoomTo) => setZoom({ from: zoomFrom, to: zoomTo })}
          />
          <p class="hint">{m.zoomHint}</p>
        </>
      )}
    </section>
  );
}

function Uptimes({ monitorId }: { monitorId: string }) {
  const m = strings.monitor;
  const [uptimes, setUptimes] = useState<Partial<Record<UptimeWindow, Uptime>>>({});
  useEffect(() => {
    for (const window of UPTIME_WINDOWS) {
      call<Uptime>('GET', `/api/v1/monitors/${monitorId}/uptime?window=${window}`).then(
        (uptime) => setUptimes((current) => ({ ...current, [window]: uptime })),
        () => undefined,
      );
    }
  }, [monitorId]);
  return (
    <section aria-labelledby="uptime-heading">
      <h2 id="uptime-heading">{m.uptime}</h2>
      <dl class="uptimes">
        {UPTIME_WINDOWS.map((window) => {
          const uptime = uptimes[window];
          return (
            <div key={window} data-window={window}>
              <dt>{m.windows[window]}</dt>
              <dd>
                {uptime?.uptime === null || uptime?.uptime === undefined
                  ? strings.monitors.noUptime
                  : strings.monitors.uptime(uptime.uptime)}
                {uptime && <small class="hint"> {m.checks(uptime.checks)}</small>}
              </dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
}

function Incidents({ monitorId }: { monitorId: string }) {
  const m = strings.monitor;
  const incidents = useRead<{ items: Incident[] }>(
    `/api/v1/incidents?monitorId=${monitorId}&limit=20`,
  );
  return (
    <section aria-labelledby="incidents-heading">
      <h2 id="incidents-heading">{m.incidents}</h2>
      {incidents === undefined && <p>{strings.loading}</p>}
      {incidents instanceof Error && <p role="alert">{incidents.message}</p>}
      {incidents && !(incidents instanceof Error) && incidents.items.length === 0 && (
        <p>{m.noIncidents}</p>
      )}
      {incidents && !(incidents instanceof Error) && incidents.items.length > 0 && (
        <ol class="incidents">
          {incidents.items.map((incident) => (
            <li key={incident.id}>
              <ol class="timeline">
                <li class="state-down">
                  <time dateTime={new Date(incident.startedAt).toISOString()}>
                    {when(incident.startedAt)}
                  </time>{' '}
                  {m.incidentDown(incident.cause)}
                  {incident.inMaintenance && <span class="hint"> ({m.inMaintenance})</span>}
                </li>
                {incident.endedAt === null ? (
                  <li class="state-pending">{m.incidentOpen}</li>
                ) : (
                  <li class="state-up">
                    <time dateTime={new Date(incident.endedAt).toISOString()}>
                      {when(incident.endedAt)}
                    </time>{' '}
                    {m.incidentUp}{' '}
                    <span class="hint">
                      ({m.lasted(duration(incident.endedAt - incident.startedAt))})
                    </span>
                  </li>
                )}
              </ol>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function Results({ monitorId, latestSlot }: { monitorId: string; latestSlot?: number }) {
  const m = strings.monitor;
  const [errorsOnly, setErrorsOnly] = useState(false);
  // A new result on the event stream reads the list again.
  const results = useRead<{ items: StoredResult[] }>(
    `/api/v1/monitors/${monitorId}/results?limit=100`,
    latestSlot,
  );
  const items =
    results && !(results instanceof Error)
      ? results.items.filter((result) => !errorsOnly || result.error !== null)
      : [];
  return (
    <>
      <section aria-labelledby="timing-heading">
        <h2 id="timing-heading">{strings.timing.heading}</h2>
        {results && !(results instanceof Error) && <TimingBreakdown results={results.items} />}
      </section>
      <section aria-labelledby="results-heading">
        <h2 id="results-heading">{m.results}</h2>
        <p>
          {/* Every result kept, not only those shown: the server writes it a page at a time. */}
          <a href={`/api/v1/monitors/${encodeURIComponent(monitorId)}/results.csv`} download>
            {strings.exports.results}
          </a>
        </p>
        <p>
          <label class="inline">
            <input
              type="checkbox"
              checked={errorsOnly}
              onChange={(event) => setErrorsOnly(event.currentTarget.checked)}
            />{' '}
            {m.errorsOnly}
          </label>
        </p>
        {results instanceof Error && <p role="alert">{results.message}</p>}
        {results && !(results instanceof Error) && items.length === 0 && <p>{m.noResults}</p>}
        {items.length > 0 && (
          <div class="scroller short">
            <table class="results">
              <thead>
                <tr>
                  <th scope="col">{m.resultColumns.time}</th>
                  <th scope="col">{m.resultColumns.status}</th>
                  <th scope="col" class="number">
                    {m.resultColumns.latency}
                  </th>
                  <th scope="col">{m.resultColumns.error}</th>
                  <th scope="col">{m.resultColumns.where}</th>
                  <th scope="col">{m.resultColumns.timing}</th>
                </tr>
              </thead>
              <tbody>
                {items.map((result) => (
                  <tr key={`${result.slot}-${result.node}-${result.region}`}>
                    <td>
                      <time dateTime={new Date(result.checkedAt).toISOString()}>
                        {when(result.checkedAt)}
                      </time>
                    </td>
                    <td>
                      <span class={`state state-${result.status}`}>
                        {strings.states[result.status]}
                      </span>
                    </td>
                    <td class="number">{strings.monitors.latency(result.latencyMs)}</td>
                    <td class="error">{result.error ?? ''}</td>
                    <td>{m.where(result.node, result.region)}</td>
                    <td class="timing-cell">
                      <ResultTiming result={result} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function ResultTiming({ result }: { result: StoredResult }) {
  const breakdown = breakdownOf(result);
  return breakdown ? <TimingBar breakdown={breakdown} /> : null;
}
