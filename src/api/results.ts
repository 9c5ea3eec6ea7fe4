import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validationError } from '../errors/index.js';
import type { Monitor } from '../model/index.js';
import {
  DAY_MS,
  HOUR_MS,
  type Granularity,
  type StoredResult,
  type UptimeTotals,
} from '../store/index.js';
import { findScoped } from './config-resource.js';
import { callerOf } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { attachment, csvRecord } from './downloads.js';
import { accountStates } from './monitor-states.js';
import { readInPages } from './paged-read.js';
import { routeSchema } from './openapi.js';
import { idParam, parseQuery, queryInteger } from './request.js';
import type { SharedReads } from './shared-reads.js';

/** A time in a query: ms since the epoch, or an ISO 8601 date or time. */
const time = z.string().transform((value, context) => {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isSafeInteger(ms)) return ms;
  context.addIssue({ code: 'custom', message: 'must be ms since the epoch or an ISO 8601 time' });
  return z.NEVER;
});

const resultsQuery = z.object({
  since: time.optional(),
  until: time.optional(),
  limit: queryInteger(1, 10_000, 100),
});

const resultsCsvQuery = z.object({
  since: time.optional(),
  until: time.optional(),
});

/** The CSV's columns: a result's check time (ISO 8601), up/down, latency, error, where. */
const CSV_COLUMNS = ['time', 'status', 'latency_ms', 'error', 'node', 'region'];

/** Results the CSV reads from the store at once, with a turn of the event loop between. */
const CSV_PAGE_SIZE = 1000;

/** The uptime windows by name, ms. */
const WINDOWS = {
  '24h': DAY_MS,
  '7d': 7 * DAY_MS,
  '30d': 30 * DAY_MS,
  '90d': 90 * DAY_MS,
} as const;

const uptimeQuery = z.object({
  window: z.enum(Object.keys(WINDOWS) as [keyof typeof WINDOWS]).default('24h'),
  from: time.optional(),
  to: time.optional(),
});

const summaryQuery = z.object({
  recent: queryInteger(0, 100, 30),
});

/** The windows of the summary's uptimes. */
const SUMMARY_WINDOWS = ['24h', '30d'] as const;

const seriesQuery = z.object({
  from: time.optional(),
  to: time.optional(),
});

/** The longest span a series covers, ms. */
const MAX_SERIES_MS = 400 * DAY_MS;

/** The finest rollup whose buckets over `spanMs` stay few enough for a chart (≤ ~3000). */
function seriesGranularity(spanMs: number): Granularity {
  if (spanMs <= 2 * DAY_MS) return 'minute';
  if (spanMs <= 31 * DAY_MS) return 'hour';
  return 'day';
}

/**
 * `/api/v1/monitors/summary`, `/api/v1/monitors/:id/results` (and `results.csv`),
 * `/api/v1/monitors/:id/uptime` and `/api/v1/monitors/:id/series`.
 */
export function registerResultRoutes(
  app: FastifyInstance,
  deps: ApiDeps,
  sharedReads: SharedReads,
): void {
  app.get(
    '/api/v1/monitors/summary',
    {
      schema: routeSchema({
        tag: 'monitors',
        role: 'viewer',
        summary:
          'Every monitor of the account at once: state, latest result, the statuses of its newest results (recent ≤ 100, default 30), uptime over 24h and 30d',
        query: summaryQuery,
        responses: {
          200:
            '{ to, items: [{ monitorId, status, inMaintenance, latest, recent ("u"/"d" per result, oldest first), ' +
            'uptime: { "24h", "30d" } (0..1, null without checks), checks: { "24h", "30d" } }…] }',
        },
      }),
    },
    (request, reply) => {
      const { accountId } = callerOf(request);
      const { recent } = parseQuery(summaryQuery, request);
      // Every dashboard of the account reads it each minute: they share one computation.
      return sharedReads.answer(reply, accountId, `summary?recent=${recent}`, () =>
        summaryOf(deps, accountId, recent),
      );
    },
  );

  app.get(
    '/api/v1/monitors/:id/series',
    {
      schema: routeSchema({
        tag: 'monitors',
        role: 'viewer',
        summary:
          'Response times and checks of a monitor over [from, to) (default: the last 24 hours), from its minute, hour or day rollups as the span needs',
        params: ['id'],
        query: seriesQuery,
        responses: {
          200: '{ from, to, granularity, items: [{ at, up, down, latencyAvg, latencyMin, latencyMax }…] }',
        },
      }),
    },
    (request) => {
      const { accountId } = callerOf(request);
      const monitor = findScoped<Monitor>(deps, 'monitor', accountId, idParam(request));
      const query = parseQuery(seriesQuery, request);
      const to = query.to ?? deps.clock.now();
      const from = query.from ?? to - DAY_MS;
      if (from >= to) throw validationError([{ field: 'from', problem: 'must be before to' }]);
      if (to - from > MAX_SERIES_MS) {
        throw validationError([{ field: 'from', problem: 'must be at most 400 days before to' }]);
      }
      const granularity = seriesGranularity(to - from);
      const items = deps.store.series(accountId, monitor.id, granularity, { from, to });
      return { from, to, granularity, items };
    },
  );

  app.get(
    '/api/v1/monitors/:id/results',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'monitors',
        summary: 'Results of a monitor with slots in [since, until), newest first (limit ≤ 10000)',
        params: ['id'],
        query: resultsQuery,
        responses: {
          200:
            '{ items: [{ slot, checkedAt, status, latencyMs, error, node, region, ' +
            'timing? (HTTP: { dnsMs?, connectMs?, tlsMs?, firstByteMs? }, whole ms) }…] }',
        },
      }),
    },
    (request) => {
      const { accountId } = callerOf(request);
      const monitor = findScoped<Monitor>(deps, 'monitor', accountId, idParam(request));
      const query = parseQuery(resultsQuery, request);
      const range = {
        since: query.since ?? 0,
        until: query.until ?? Number.MAX_SAFE_INTEGER,
        limit: query.limit,
      };
      return { items: deps.store.listResults(accountId, monitor.id, range) };
    },
  );

  app.get(
    '/api/v1/monitors/:id/results.csv',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'monitors',
        summary:
          'Every result of a monitor with slots in [since, until) (default: all it keeps), newest first, as CSV; a download',
        params: ['id'],
        query: resultsCsvQuery,
        responses: {
          200: `text/csv (RFC 4180, CRLF): a header row ${CSV_COLUMNS.join(',')}, then a row per result`,
        },
        textReply: true,
      }),
    },
    (request, reply) => {
      const { accountId } = callerOf(request);
      const monitor = findScoped<Monitor>(deps, 'monitor', accountId, idParam(request));
      const query = parseQuery(resultsCsvQuery, request);
      const range = { since: query.since ?? 0, until: query.until ?? Number.MAX_SAFE_INTEGER };
      const pages = deps.store.resultPages(accountId, monitor.id, range, CSV_PAGE_SIZE);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', attachment(`tireless-${monitor.id}-results.csv`))
        .send(Readable.from(resultsCsv(pages)));
    },
  );

  app.get(
    '/api/v1/monitors/:id/uptime',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'monitors',
        summary: 'Uptime over a window ending now (24h, 7d, 30d, 90d) or over [from, to)',
        params: ['id'],
        query: uptimeQuery,
        responses: {
          200: '{ from, to, uptime (0..1, null without checks), checks, up, down, downSeconds }',
        },
      }),
    },
    (request) => {
      const { accountId } = callerOf(request);
      const monitor = findScoped<Monitor>(deps, 'monitor', accountId, idParam(request));
      const { from, to } = uptimeRange(parseQuery(uptimeQuery, request), deps.clock.now());
      const { up, down } = deps.store.uptime(accountId, monitor.id, from, to);
      return {
        from,
        to,
        uptime: ratio({ up, down }),
        checks: up + down,
        up,
        down,
        downSeconds: down * monitor.intervalSeconds,
      };
    },
  );
}

/**
 * The CSV text of a monitor's results, a page at a time as the reply is read: a history of
 * millions of results is never in memory at once, nor does it hold the event loop.
 */
async function* resultsCsv(pages: Iterable<StoredResult[]>): AsyncGenerator<string> {
  yield csvRecord(CSV_COLUMNS);
  for (const page of pages) {
    yield page
      .map((result) =>
        csvRecord([
          new Date(result.checkedAt).toISOString(),
          result.status,
          result.latencyMs,
          result.error ?? '',
          result.node,
          result.region,
        ]),
      )
      .join('');
    await nextTurn();
  }
}

/** [from, to) in ms: `from`/`to` when given, else the named window ending at `to` or now. */
function uptimeRange(
  query: z.output<typeof uptimeQuery>,
  now: number,
): { from: number; to: number } {
  const to = query.to ?? now;
  const from = query.from ?? to - WINDOWS[query.window];
  if (from >= to) throw validationError([{ field: 'from', problem: 'must be before to' }]);
  return { from, to };
}

/** The share of checks that were up, 0..1; null without checks. */
function ratio({ up, down }: UptimeTotals): number | null {
  return up + down === 0 ? null : up / (up + down);
}

/**
 * The summary of every monitor of the account. Its windows end at the next whole hour, so
 * most of them are whole hour and day rollups: a few rows per monitor, whatever the number
 * of monitors.
 */
async function summaryOf(deps: ApiDeps, accountId: string, recent: number) {
  const to = Math.ceil(deps.clock.now() / HOUR_MS) * HOUR_MS;
  const windows = SUMMARY_WINDOWS.map((name) => ({ from: to - WINDOWS[name], to }));
  const summaries = await readInPages(
    (page) => accountStates(deps, accountId, recent, windows, page),
    (summary) => summary.item.monitorId,
  );
  const items = summaries.map((summary) => {
    const byWindow = <T>(figure: (totals: UptimeTotals) => T) =>
      Object.fromEntries(
        SUMMARY_WINDOWS.map((name, index) => [
          name,
          figure(summary.uptimes[index] ?? { up: 0, down: 0 }),
        ]),
      );
    return {
      ...summary.item,
      recent: summary.recent,
      uptime: byWindow(ratio),
      checks: byWindow(({ up, down }) => up + down),
    };
  });
  return { to, items };
}
