import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { TirelessError } from '../errors/index.js';
import type { MonitorEvent } from '../events/index.js';
import { securityHeaders } from '../web/index.js';
import { callerOf, tokenLives } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { accountStates, stateItem } from './monitor-states.js';
import { routeSchema } from './openapi.js';

/**
 * A stream that has this much unsent beyond its snapshot is too slow: it is closed (the client
 * comes back). The snapshot itself may be bigger (2.2 MB at 10,000 monitors) and is not counted:
 * were it, a slow client would be cut off during every snapshot and come back for another.
 */
const MAX_BUFFERED_BYTES = 1_048_576;

/**
 * `GET /api/v1/events`: server-sent events of the caller's account. First a `snapshot` of
 * every monitor's state and latest result, then a `state` event for each monitor whose
 * result the node stores and judges; comment lines keep an idle stream open. Streams per
 * account are capped (the hub's `maxPerAccount`); a stream that cannot keep up is closed, and
 * so is one whose token no longer works there (revoked, expired, its user removed from the
 * account), at its next heartbeat.
 */
export function registerEventRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const open = new Set<ServerResponse>();
  // Open streams would keep the server from closing.
  app.addHook('preClose', (done) => {
    for (const stream of open) stream.end();
    done();
  });
  const heartbeatMs = deps.settings.eventHeartbeatMs ?? 15_000;
  // A batch is serialized once, not once per stream: the hub hands every listener of an
  // account the same array (of that account's events only), so its text is kept with it.
  const texts = new WeakMap<readonly MonitorEvent[], Buffer>();
  const batchText = (events: readonly MonitorEvent[]): Buffer => {
    let text = texts.get(events);
    if (!text) {
      text = Buffer.from(
        events
          .map((event) => sse('state', stateItem(deps, event.monitor, event.status, event.latest)))
          .join(''),
      );
      texts.set(events, text);
    }
    return text;
  };

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
      // Bytes of the snapshot that may still be unsent: until its write is flushed, the whole.
      let snapshotBytes = 0;
      const write = (chunk: string | Buffer) => {
        if (stream.writableEnded || stream.destroyed) return;
        if (stream.writableLength - snapshotBytes > MAX_BUFFERED_BYTES) stream.destroy();
        else stream.write(chunk);
      };
      const stop = deps.events.subscribe(accountId, (events) => write(batchText(events)));
      if (!stop) {
        throw new TirelessError(
          'TIRELESS_RATE_LIMITED',
          `this account has ${deps.events.maxPerAccount} event streams open already; close one`,
        );
      }
      reply.hijack();
      open.add(stream);
      // A token revoked or expired since (logout, log out everywhere, idle), or a user removed
      // from the account since, ends its stream.
      const heartbeat = setInterval(() => {
        if (tokenLives(deps, tokenId, accountId)) write(': keep-alive\n\n');
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
      // One read for every monitor of the account, not one per monitor.
      const items = accountStates(deps, accountId, 0, []).map((summary) => summary.item);
      const snapshot = Buffer.from(`retry: 3000\n\n${sse('snapshot', { items })}`);
      snapshotBytes = snapshot.length;
      stream.write(snapshot, () => (snapshotBytes = 0));
    },
  );
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
