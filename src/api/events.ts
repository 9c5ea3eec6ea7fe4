import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { TirelessError } from '../errors/index.js';
import { summarize, type MonitorEvent, type ResultSummary } from '../events/index.js';
import type { Monitor } from '../model/index.js';
import { securityHeaders } from '../web/index.js';
import { callerOf, tokenLives } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { routeSchema } from './openapi.js';

/** A stream that has this much unsent is too slow: it is closed (the client comes back). */
const MAX_BUFFERED_BYTES = 1_048_576;

/** One monitor's state on the event stream. */
interface StateItem {
  monitorId: string;
  status: 'up' | 'down' | 'unknown' | 'paused';
  inMaintenance: boolean;
  latest: ResultSummary | null;
}

/**
 * `GET /api/v1/events`: server-sent events of the caller's account. First a `snapshot` of
 * every monitor's state and latest result, then a `state` event for each monitor whose
 * result the node stores and judges; comment lines keep an idle stream open. Streams per
 * account are capped (the hub's `maxPerAccount`); a stream that cannot keep up is closed, and
 * so is one whose token no longer works, at its next heartbeat.
 */
export function registerEventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const open = new Set<ServerResponse>();
  // Open streams would keep the server from closing.
  app.addHook('preClose', (done) => {
    for (const stream of open) stream.end();
    done();
  });
  const heartbeatMs = deps.settings.eventHeartbeatMs ?? 15_000;

  const item = (
    monitor: Monitor,
    status: StateItem['status'],
    latest: ResultSummary | null,
  ): StateItem => ({
    monitorId: monitor.id,
    status: monitor.paused ? 'paused' : status,
    inMaintenance: deps.maintenance.covers(monitor, deps.clock.now()),
    latest,
  });

  app.get(
    '/api/v1/events',
    {
      schema: routeSchema({
        role: 'viewer',
        tag: 'events',
        summary: "Server-sent events of the account's monitors: a snapshot, then each change",
        responses: {
          200:
            'text/event-stream: `snapshot` { items: [{ monitorId, status, inMaintenance, latest }…] }, ' +
            'then `state` { monitorId, status, inMaintenance, latest: { slot, checkedAt, status, latencyMs, error, node, region } }',
        },
        textReply: true,
      }),
    },
    (request, reply) => {
      const { accountId, tokenId } = callerOf(request);
      const stream = reply.raw;
      const send = (event: string, data: unknown) =>
        `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      const write = (text: string) => {
        if (stream.writableEnded || stream.destroyed) return;
        if (stream.writableLength > MAX_BUFFERED_BYTES) stream.destroy();
        else stream.write(text);
      };
      const stop = deps.events.subscribe(accountId, (events: readonly MonitorEvent[]) =>
        write(
          events
            .map((event) => send('state', item(event.monitor, event.status, event.latest)))
            .join(''),
        ),
      );
      if (!stop) {
        throw new TirelessError(
          'TIRELESS_RATE_LIMITED',
          `this account has ${deps.events.maxPerAccount} event streams open already; close one`,
        );
      }
      reply.hijack();
      open.add(stream);
      // A token revoked or expired since (logout, log out everywhere, idle) ends its stream.
      const heartbeat = setInterval(() => {
        if (tokenLives(deps, tokenId)) write(': keep-alive\n\n');
        else stream.end();
      }, heartbeatMs);
      stream.on('close', () => {
        clearInterval(heartbeat);
        stop();
        open.delete(stream);
      });
      stream.writeHead(200, {
        ...securityHeaders(),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // nginx buffers responses unless told not to.
        'x-accel-buffering': 'no',
      });
      // Subscribed first, then the snapshot, in one synchronous step: no change falls between.
      const items = deps.store.listScoped<Monitor>('monitor', accountId).map((monitor) => {
        const state = deps.store.getMonitorState(monitor.id) as { status?: string } | undefined;
        const [latest] = deps.store.listResults(accountId, monitor.id, {
          since: 0,
          until: Number.MAX_SAFE_INTEGER,
          limit: 1,
        });
        const status = (state?.status ?? 'unknown') as MonitorEvent['status'];
        return item(monitor, status, latest ? summarize(latest) : null);
      });
      write(`retry: 3000\n\n${send('snapshot', { items })}`);
    },
  );
}
