import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { TirelessError } from '../errors/index.js';
import type { MonitorEvent } from '../events/index.js';
import { securityHeaders } from '../web/index.js';
import { callerOf, tokenLives } from './credentials.js';
import type { ApiDeps } from './deps.js';
import { stateItem, type StateItem } from './monitor-states.js';
import { routeSchema } from './openapi.js';
import { SnapshotReads, type SnapshotRead } from './snapshot-reads.js';

/**
 * A stream that has this much unsent beyond its snapshot is too slow: it is closed (the client
 * comes back). The snapshot itself may be bigger (2.2 MB at 10,000 monitors) and is not counted:
 * were it, a slow client would be cut off during every snapshot and come back for another.
 */
const MAX_BUFFERED_BYTES = 1_048_576;

/**
 * `GET /api/v1/events`: server-sent events of the caller's account. First a `snapshot` of
 * every monitor's state and latest result (read in pages, one read shared by the account's
 * streams that open meanwhile), then a `state` event for each monitor whose result the node
 * stores and judges (those judged while the snapshot was read come right after it); comment lines keep an idle stream open. Streams per
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
  const snapshots = new SnapshotReads(deps);
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
      // Until the snapshot is written, what the stream hears is kept with its read.
      let waiting: SnapshotRead | undefined;
      const stop = deps.events.subscribe(accountId, (events) => {
        if (waiting) waiting.heard.add(events);
        else write(batchText(events));
      });
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
        if (waiting) snapshots.leave(accountId, waiting);
        waiting = undefined;
      });
      stream.writeHead(200, {
        ...securityHeaders(),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        // nginx buffers responses unless told not to.
        'x-accel-buffering': 'no',
      });
      // Subscribed first, then joined to the snapshot's read, in one synchronous step: a change
      // judged after is heard, and sent after the snapshot.
      const read = (waiting = snapshots.join(accountId));
      read.items.then(
        (items) => {
          if (waiting !== read) return;
          snapshots.leave(accountId, read);
          waiting = undefined;
          const snapshot = snapshotText(read, items);
          snapshotBytes = snapshot.length;
          if (!stream.writableEnded && !stream.destroyed) {
            stream.write(snapshot, () => (snapshotBytes = 0));
          }
          for (const events of read.heard) write(batchText(events));
        },
        // The read logged why; the client comes back (retry) for a new one.
        () => stream.end(),
      );
    },
  );
}

/** The snapshot event of a read, serialized once for every stream that waited for it. */
const snapshotTexts = new WeakMap<SnapshotRead, Buffer>();
function snapshotText(read: SnapshotRead, items: StateItem[]): Buffer {
  let text = snapshotTexts.get(read);
  if (!text) {
    text = Buffer.from(`retry: 3000\n\n${sse('snapshot', { items })}`);
    snapshotTexts.set(read, text);
  }
  return text;
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
