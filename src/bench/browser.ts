/**
 * Scenario, browser: one real Chromium logged in on the monitor list of a node checking
 * 10,000 HTTP monitors at 10 s (quick: 2,000), a few % of them flapping — whether the list
 * stays smooth in the page: frame intervals and long tasks (measured in the page, by
 * requestAnimationFrame and a PerformanceObserver) while scrolling it top to bottom at a
 * steady rate, while typing a search, and while idle with live events arriving; the time to
 * the first rows after login, the rows in the page, its JS heap.
 */
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BrowserContext, Page } from 'playwright-core';
import { ConsoleErrors, launchChromium, submitLogIn } from '../e2e/index.js';
import {
  phaseFigures,
  SMOOTH,
  smoothVerdict,
  type LongTask,
  type PhaseFigures,
} from './browser-figures.js';
import type { BenchContext, Scenario } from './context.js';
import { fmt, megabytes, type ScenarioReport, type Table } from './report.js';
import { startTargetPool, type TargetPool } from './target-pool.js';
import {
  BENCH_OWNER,
  createMonitors,
  emptyFleet,
  httpFields,
  startBenchNode,
  withDataDir,
  type BenchNode,
} from './tireless-node.js';

const INTERVAL_SECONDS = 10;
/** Monitor n flaps when n % FLAP_EVERY is 0 (3 %): its target answers 200, then 503, … */
const FLAP_EVERY = 33;
/** How long a flapping target answers one way before the other, ms. */
const FLAP_PERIOD_MS = 20_000;
/** The scroll from the top of the list to its end, at a steady rate, s. */
const SCROLL_SECONDS = 20;
/** Typed into Search, a key every TYPE_DELAY_MS: the last monitor's name, found alone. */
const searchOf = (count: number) => `bench ${count - 1}`;
const TYPE_DELAY_MS = 150;
/** The idle phase, with the live events arriving, s (quick: 10). */
const IDLE_SECONDS = 30;

/**
 * Set up in the page before its scripts run: every animation frame's time, every long task,
 * the most rows and elements the page held (sampled every 250 ms), and the `state` events
 * its EventSource received. A string: this code's types are Node's, not the DOM's.
 */
const RECORDER = `(() => {
  const rec = { frames: [], longTasks: [], maxRows: 0, maxElements: 0, states: 0 };
  window.__bench = rec;
  new PerformanceObserver((list) => {
    for (const task of list.getEntries()) rec.longTasks.push({ startTime: task.startTime, duration: task.duration });
  }).observe({ type: 'longtask', buffered: true });
  const frame = (at) => { rec.frames.push(at); requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  setInterval(() => {
    rec.maxRows = Math.max(rec.maxRows, document.getElementsByTagName('tr').length);
    rec.maxElements = Math.max(rec.maxElements, document.getElementsByTagName('*').length);
  }, 250);
  const Source = window.EventSource;
  window.EventSource = class extends Source {
    constructor(url, init) { super(url, init); this.addEventListener('state', () => rec.states++); }
  };
})();`;

interface Recorded {
  frames: number[];
  longTasks: LongTask[];
  maxRows: number;
  maxElements: number;
  states: number;
}

// What the functions run in the page use (this code's types are Node's, not the DOM's).
declare const document: {
  querySelector(selector: string): {
    scrollTop: number;
    scrollHeight: number;
    clientHeight: number;
  } | null;
};
declare const window: { __bench: Recorded };
declare function requestAnimationFrame(callback: () => void): number;

/** The page's clock, ms. */
const pageNow = (page: Page) => page.evaluate(() => performance.now());
const recorded = (page: Page) => page.evaluate(() => window.__bench);

interface BrowserRun {
  count: number;
  flapping: number;
  createdPerSecond: number;
  /** Login click → the first rows drawn, and → the first state in words from the snapshot, ms. */
  firstRowsMs: number;
  firstStatesMs: number;
  scroll: PhaseFigures & { pxPerSecond: number; lastRow: string };
  typing: PhaseFigures & { search: string };
  idle: PhaseFigures & { statesPerSecond: number };
  maxRows: number;
  maxElements: number;
  /** The page's JS heap used after the first rows, and at the end, bytes. */
  heapAfterLoad: number;
  heapAtEnd: number;
  consoleErrors: string[];
  verdict: ReturnType<typeof smoothVerdict>;
}

export const browserScenario: Scenario = {
  name: 'browser',
  async run(context: BenchContext): Promise<ScenarioReport> {
    const count = context.quick ? 2_000 : 10_000;
    const idleSeconds = context.quick ? 10 : IDLE_SECONDS;
    const pool = await startTargetPool(context.targetProcesses);
    const flap = await startFlapTarget();
    try {
      return await withDataDir(async (dataDir) => {
        const node = await startBenchNode(dataDir);
        try {
          return report(await measureBrowser(node, pool, flap.url, { count, idleSeconds }));
        } finally {
          await node.stop();
        }
      });
    } finally {
      await flap.close();
      await pool.close();
    }
  },
};

/** A target for the flapping monitors: /flap/<n> answers 200 or 503, turn by turn. */
async function startFlapTarget(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const n = Number(/^\/flap\/(\d+)$/.exec(request.url ?? '')?.[1] ?? 0);
    const up = (Math.floor(Date.now() / FLAP_PERIOD_MS) + n) % 2 === 0;
    response.writeHead(up ? 200 : 503, { 'content-type': 'text/plain' }).end(up ? 'ok' : 'no');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function measureBrowser(
  node: BenchNode,
  pool: TargetPool,
  flapUrl: string,
  spec: { count: number; idleSeconds: number },
): Promise<BrowserRun> {
  const { count, idleSeconds } = spec;
  console.log(`browser: creating ${fmt(count)} HTTP monitors…`);
  const fleet = emptyFleet();
  const pooled = httpFields(pool);
  const flaps = (n: number) => n % FLAP_EVERY === 0;
  const creation = await createMonitors(node, fleet, count, {
    intervalSeconds: INTERVAL_SECONDS,
    fields: (n) => (flaps(n) ? { type: 'http', url: `${flapUrl}/flap/${n}` } : pooled(n)),
  });
  // Each monitor has a state before the browser opens.
  await sleep(INTERVAL_SECONDS * 1000);
  let context: BrowserContext | undefined;
  try {
    context = await launchChromium();
    await context.addInitScript({ content: RECORDER });
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = new ConsoleErrors(page);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const heapUsed = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
    };

    console.log('browser: logging in…');
    await page.goto(`${node.api.baseUrl}/login`);
    const clicked = performance.now();
    await submitLogIn(page, BENCH_OWNER);
    const rows = page.locator('table.monitors tbody tr[data-monitor-id]');
    await rows.first().waitFor({ timeout: 120_000 });
    const firstRowsMs = performance.now() - clicked;
    await rows.locator('.state-up, .state-down').first().waitFor({ timeout: 120_000 });
    const firstStatesMs = performance.now() - clicked;
    await page.getByText(`${count} monitors`).waitFor({ timeout: 60_000 });
    await sleep(2_000);
    const heapAfterLoad = await heapUsed();

    console.log(`browser: scrolling the list to its end in ${SCROLL_SECONDS} s…`);
    const scrolled = await page.evaluate((ms) => {
      const list = document.querySelector('.scroller');
      if (!list) throw new Error('no .scroller in the page');
      const end = list.scrollHeight - list.clientHeight;
      return new Promise<{ from: number; to: number; end: number; at: number }>((resolve) => {
        const from = performance.now();
        const step = () => {
          const done = Math.min(1, (performance.now() - from) / ms);
          list.scrollTop = done * end;
          if (done < 1) requestAnimationFrame(step);
          else
            requestAnimationFrame(() =>
              resolve({ from, to: performance.now(), end, at: list.scrollTop }),
            );
        };
        requestAnimationFrame(step);
      });
    }, SCROLL_SECONDS * 1000);
    const lastRow = await page
      .locator('table.monitors tbody tr[data-monitor-id] th a')
      .last()
      .innerText();

    const search = searchOf(count);
    console.log(`browser: typing "${search}" into Search…`);
    await page.locator('.scroller').evaluate((list) => {
      (list as { scrollTop: number }).scrollTop = 0;
    });
    await sleep(1_000);
    const typingFrom = await pageNow(page);
    await page.getByLabel('Search').pressSequentially(search, { delay: TYPE_DELAY_MS });
    await page.getByText(`1 of ${count} monitors`).waitFor({ timeout: 60_000 });
    await sleep(500);
    const typingTo = await pageNow(page);
    await page.getByLabel('Search').fill('');
    await page.getByText(`${count} monitors`, { exact: true }).waitFor({ timeout: 60_000 });
    await sleep(1_000);

    console.log(`browser: idle on the list for ${idleSeconds} s, live events arriving…`);
    const statesBefore = (await recorded(page)).states;
    const idleFrom = await pageNow(page);
    await sleep(idleSeconds * 1000);
    const idleTo = await pageNow(page);
    const heapAtEnd = await heapUsed();
    const rec = await recorded(page);

    const phase = (from: number, to: number) => phaseFigures(rec.frames, rec.longTasks, from, to);
    const scroll = {
      ...phase(scrolled.from, scrolled.to),
      pxPerSecond: scrolled.end / ((scrolled.to - scrolled.from) / 1000),
      lastRow,
    };
    if (scrolled.at < scrolled.end - 1) throw new Error(`the scroll stopped at ${scrolled.at}`);
    const typing = { ...phase(typingFrom, typingTo), search };
    const idle = {
      ...phase(idleFrom, idleTo),
      statesPerSecond: (rec.states - statesBefore) / ((idleTo - idleFrom) / 1000),
    };
    return {
      count,
      flapping: fleet.monitors.filter((_, n) => flaps(n)).length,
      createdPerSecond: creation.perSecond,
      firstRowsMs,
      firstStatesMs,
      scroll,
      typing,
      idle,
      maxRows: rec.maxRows,
      maxElements: rec.maxElements,
      heapAfterLoad,
      heapAtEnd,
      consoleErrors: errors.seen,
      verdict: smoothVerdict([scroll, typing, idle], rec.maxRows),
    };
  } finally {
    await context?.close();
  }
}

const mark = (ok: boolean): string => (ok ? '✓' : '✗');

function phaseRow(name: string, phase: PhaseFigures): string[] {
  const { frames, longTasks } = phase;
  return [
    name,
    fmt(phase.seconds, 1),
    fmt(frames.frames),
    `${fmt(frames.p50, 1)} / ${fmt(frames.p95, 1)} / ${fmt(frames.p99, 1)} / ${fmt(frames.max)} ms`,
    `${fmt(longTasks.count)}, ${fmt(longTasks.totalMs)} ms, longest ${fmt(longTasks.maxMs)} ms`,
    phase.held ? 'yes ✓' : 'no ✗',
  ];
}

function report(run: BrowserRun): ScenarioReport {
  const smoothTable: Table = {
    title: `Browser: the monitor list with ${fmt(run.count)} monitors in Chromium, live`,
    columns: [
      'phase',
      's',
      'frames',
      `frame interval p50 / p95 / p99 / max (p95 ≤ ${SMOOTH.p95FrameMs} ms)`,
      `long tasks: count, total, longest (≤ ${SMOOTH.longestTaskMs} ms)`,
      'held',
    ],
    rows: [
      phaseRow(`scroll top → end, ${fmt(run.scroll.pxPerSecond)} px/s`, run.scroll),
      phaseRow(`type "${run.typing.search}", a key / ${TYPE_DELAY_MS} ms`, run.typing),
      phaseRow(`idle, ${fmt(run.idle.statesPerSecond)} state events/s`, run.idle),
    ],
    notes: [
      `Smooth: ${run.verdict.held ? 'yes ✓' : 'no ✗'} (each phase held ${mark(run.verdict.phasesHeld)}, rows in the page at most ${fmt(run.maxRows)} < ${SMOOTH.rows} ${mark(run.verdict.fewRows)}). The bars and why: src/bench/method.md.`,
      `${fmt(run.count)} HTTP monitors at ${INTERVAL_SECONDS} s (${fmt(run.createdPerSecond)} created/s through the API), ${fmt(run.flapping)} of them (1 in ${FLAP_EVERY}) against a target that answers 200 and 503 in turns of ${FLAP_PERIOD_MS / 1000} s, the rest against the bench's load targets; one interval of warm-up, then Debian's Chromium (headless, playwright-core, 1280 × 720) logged in as the owner and stayed on the list.`,
      `Measured in the page: the time of every requestAnimationFrame (an interval = how long one picture stayed), PerformanceObserver 'longtask' (main-thread tasks over 50 ms; a task overlapping a phase counts whole). Scroll: the list's scrollTop set each frame on a straight line from the top to the end in ${SCROLL_SECONDS} s (${fmt(run.scroll.pxPerSecond / 60)} px per frame at 60 Hz); the last row then: ${run.scroll.lastRow}. Typing: from the first key to 500 ms after the one match showed.`,
      `Login click → first rows drawn ${fmt(run.firstRowsMs)} ms, → first states from the snapshot ${fmt(run.firstStatesMs)} ms. Page at most ${fmt(run.maxRows)} table rows and ${fmt(run.maxElements)} elements (sampled every 250 ms). JS heap used ${megabytes(run.heapAfterLoad)} MB after the first load, ${megabytes(run.heapAtEnd)} MB at the end (CDP Performance.getMetrics). Console errors: ${fmt(run.consoleErrors.length)}.`,
      'Chromium, the node, its check threads and the load targets share the machine’s cores: a frame late here may be the node’s checks taking the core the page needed.',
    ],
  };
  return {
    name: 'browser',
    tables: [smoothTable],
    data: {
      intervalSeconds: INTERVAL_SECONDS,
      scrollSeconds: SCROLL_SECONDS,
      ...run,
    },
  };
}
