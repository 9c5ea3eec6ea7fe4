/**
 * Scenario 5, queries: 1,000 monitors with 90 days of history, then the read paths a
 * dashboard uses — the monitor list, uptime over 90 days for every monitor, and a chart
 * (the last 24 h of results of one monitor) — over HTTP against the started binary, and
 * uptime also in-process through the Store.
 */
import { DAY_MS, HOUR_MS, Store, type CheckedResult } from '../store/index.js';
import type { BenchContext, Scenario } from './context.js';
import { fmt, type ScenarioReport, type Table } from './report.js';
import { spreadOf, timeEach, type Spread } from './stats.js';
import { syntheticResult } from './synthetic.js';
import {
  createMonitors,
  emptyFleet,
  databaseOf,
  startBenchNode,
  withDataDir,
  type BenchNode,
} from './tireless-node.js';

const MONITORS = 1_000;
const HISTORY_DAYS = 90;
/** Monitors that also get the last 24 h at a 10 s grid, for the chart query. */
const CHART_MONITORS = 10;
const CHART_INTERVAL_MS = 10_000;
const BATCH = 2_000;

interface History {
  results: number;
  seconds: number;
  everyHours: number;
}

interface Latencies {
  list: Spread;
  uptimeHttp: Spread;
  /** All monitors' uptime one request after another over HTTP, ms. */
  uptimeHttpAllMs: number;
  /** In-process Store.uptime for all monitors, ms: the first (cold) pass, then the median warm pass. */
  uptimeStoreColdMs: number;
  uptimeStoreWarmMs: number;
  uptimeStore: Spread;
  chart: Spread;
  chartRows: number;
}

export const queriesScenario: Scenario = {
  name: 'queries',
  async run(context: BenchContext): Promise<ScenarioReport> {
    const everyHours = context.quick ? 6 : 1;
    return withDataDir(async (dataDir) => {
      const setup = await startBenchNode(dataDir);
      const ids = (
        await createMonitors(setup, emptyFleet(), MONITORS, {
          intervalSeconds: 60,
          fields: () => ({ type: 'http', url: 'http://127.0.0.1:9/' }),
          paused: true,
        })
      ).ids;
      const accountId = await accountOf(setup, ids[0] as string);
      await setup.stop();
      const now = Date.now();
      console.log(
        `queries: writing ${HISTORY_DAYS} days of history for ${fmt(MONITORS)} monitors…`,
      );
      const store = new Store(databaseOf(setup));
      const history = writeHistory(store, ids, now, everyHours);
      const inProcess = await timeStoreUptime(store, accountId, ids, now);
      store.close();
      const node = await startBenchNode(dataDir, {
        token: setup.api.token as string,
        env: { TIRELESS_RETENTION_DAYS: String(HISTORY_DAYS + 1) },
      });
      try {
        const latencies = { ...inProcess, ...(await timeHttp(node, ids, now)) };
        return {
          name: 'queries',
          tables: [queriesTable(latencies, history)],
          data: { monitors: MONITORS, history, latencies },
        };
      } finally {
        await node.stop();
      }
    });
  },
};

async function accountOf(node: BenchNode, monitorId: string): Promise<string> {
  const monitor = await node.api.expect<{ accountId: string }>(
    200,
    'GET',
    `/api/v1/monitors/${monitorId}`,
  );
  return monitor.accountId;
}

/**
 * Every `everyHours` hours over HISTORY_DAYS for every monitor, plus the last 24 h at a
 * 10 s grid for the first CHART_MONITORS, through Store.ingest (no judge).
 */
function writeHistory(
  store: Store,
  ids: readonly string[],
  now: number,
  everyHours: number,
): History {
  const started = performance.now();
  let results = 0;
  let batch: CheckedResult[] = [];
  const add = (id: string, slot: number) => {
    batch.push(syntheticResult(id, slot, results++));
    if (batch.length === BATCH) batch = flush(store, batch);
  };
  const step = everyHours * HOUR_MS;
  const first = Math.floor((now - HISTORY_DAYS * DAY_MS) / step) * step + step;
  for (let slot = first; slot < now - DAY_MS; slot += step) for (const id of ids) add(id, slot);
  for (const id of ids.slice(0, CHART_MONITORS)) {
    for (let slot = now - DAY_MS; slot < now; slot += CHART_INTERVAL_MS) add(id, slot);
  }
  flush(store, batch);
  return { results, seconds: (performance.now() - started) / 1000, everyHours };
}

function flush(store: Store, batch: CheckedResult[]): CheckedResult[] {
  store.ingest(batch);
  return [];
}

/** Store.uptime over 90 days for every monitor: one cold pass, then five warm ones. */
async function timeStoreUptime(
  store: Store,
  accountId: string,
  ids: readonly string[],
  now: number,
) {
  const pass = () =>
    timeEach(ids.length, (i) =>
      store.uptime(accountId, ids[i] as string, now - HISTORY_DAYS * DAY_MS, now),
    );
  const sum = (samples: number[]) => samples.reduce((a, b) => a + b, 0);
  const cold = await pass();
  const warm: number[][] = [];
  for (let i = 0; i < 5; i++) warm.push(await pass());
  const totals = warm.map(sum).sort((a, b) => a - b);
  return {
    uptimeStoreColdMs: sum(cold),
    uptimeStoreWarmMs: totals[2] as number,
    uptimeStore: spreadOf(warm.flat()),
  };
}

async function timeHttp(node: BenchNode, ids: readonly string[], now: number) {
  const api = node.api;
  const list = await timeEach(30, () => api.expect(200, 'GET', '/api/v1/monitors'));
  const uptimeStarted = performance.now();
  const uptime = await timeEach(ids.length, (i) =>
    api.expect(200, 'GET', `/api/v1/monitors/${ids[i]}/uptime?window=90d`),
  );
  const uptimeHttpAllMs = performance.now() - uptimeStarted;
  let chartRows = 0;
  const chart = await timeEach(3 * CHART_MONITORS, async (i) => {
    const path = `/api/v1/monitors/${ids[i % CHART_MONITORS]}/results?since=${now - DAY_MS}&limit=10000`;
    chartRows = (await api.expect<{ items: unknown[] }>(200, 'GET', path)).items.length;
  });
  return {
    list: spreadOf(list),
    uptimeHttp: spreadOf(uptime),
    uptimeHttpAllMs,
    chart: spreadOf(chart),
    chartRows,
  };
}

function queriesTable(l: Latencies, history: History): Table {
  const ms = (s: Spread) => `${fmt(s.p50, 2)} / ${fmt(s.p99, 2)} ms`;
  return {
    title: `Queries: ${fmt(MONITORS)} monitors with ${HISTORY_DAYS} days of history`,
    columns: ['query', 'via', 'p50 / p99', 'all monitors'],
    rows: [
      [`GET /api/v1/monitors (${fmt(MONITORS)} items)`, 'HTTP', ms(l.list), ''],
      [
        'GET …/uptime?window=90d',
        'HTTP',
        ms(l.uptimeHttp),
        `${fmt(l.uptimeHttpAllMs)} ms, one after another`,
      ],
      [
        'Store.uptime(90 d)',
        'in-process',
        ms(l.uptimeStore),
        `${fmt(l.uptimeStoreWarmMs, 1)} ms warm (cold first pass ${fmt(l.uptimeStoreColdMs, 1)} ms)`,
      ],
      [`GET …/results?since=−24h (chart, ${fmt(l.chartRows)} rows)`, 'HTTP', ms(l.chart), ''],
    ],
    notes: [
      `History: one result per monitor every ${history.everyHours} h over ${HISTORY_DAYS} days, plus the last 24 h at 10 s for ${CHART_MONITORS} chart monitors — ${fmt(history.results)} results written through Store.ingest in ${fmt(history.seconds, 1)} s.`,
      'HTTP: the started binary on that data dir (monitors paused, retention 91 days), one request at a time over keep-alive from this process.',
    ],
  };
}
