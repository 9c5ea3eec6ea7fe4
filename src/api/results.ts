import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { validationError } from '../errors/index.js';
import type { Monitor } from '../model/index.js';
import { DAY_MS } from '../store/index.js';
import { findScoped } from './config-resource.js';
import { callerOf } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { routeSchema } from './openapi.js';
import { idParam, parseQuery, queryInteger } from './request.js';

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

/** `/api/v1/monitors/:id/results` and `/api/v1/monitors/:id/uptime`. */
export function registerResultRoutes(app: FastifyInstance, deps: ApiDeps): void {
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
          200: '{ items: [{ slot, checkedAt, status, latencyMs, error, node, region }…] }',
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
      const checks = up + down;
      return {
        from,
        to,
        uptime: checks === 0 ? null : up / checks,
        checks,
        up,
        down,
        downSeconds: down * monitor.intervalSeconds,
      };
    },
  );
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
