import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { systemClock } from '../clock/index.js';
import type { CheckedResult } from '../store/index.js';
import { startNatsCluster, waitFor, type NatsCluster } from '../testing/index.js';
import {
  ensureResultsStream,
  parkedInMeta,
  ResultFollower,
  ResultPublisher,
  RESULTS_STREAM,
  type Outbox,
  type Parked,
} from './results-stream.js';
import { WireLog } from './wire.js';

const log = pino({ level: 'silent' });
let cluster: NatsCluster;
const connections: NatsConnection[] = [];

before(async () => {
  cluster = await startNatsCluster(3);
  const nc = await open(0);
  await ensureResultsStream(await jetstreamManager(nc), { replicas: 3, maxAgeMs: 3_600_000 });
});

after(async () => {
  await Promise.all(connections.filter((nc) => !nc.isClosed()).map((nc) => nc.close()));
  await cluster.stop();
});

async function open(server: number | 'all'): Promise<NatsConnection> {
  const nc = await connect({
    servers: server === 'all' ? [...cluster.urls] : cluster.urls[server],
    maxReconnectAttempts: -1,
  });
  connections.push(nc);
  return nc;
}

/** A node's outbox as its interface says, in memory (the SQLite one has its own tests). */
class MemoryOutbox implements Outbox {
  private next = 1;
  readonly rows = new Map<number, CheckedResult[]>();
  add(results: CheckedResult[]): void {
    this.rows.set(this.next++, results);
  }
  pending(limit: number) {
    return [...this.rows].slice(0, limit).map(([seq, results]) => ({ seq, results }));
  }
  published(seqs: readonly number[]): void {
    for (const seq of seqs) this.rows.delete(seq);
  }
  depth(): number {
    return this.rows.size;
  }
}

/** Parked positions in a map standing in for the replica's meta. */
function memoryParked(): Parked {
  const meta = new Map<string, string>();
  return parkedInMeta({ getMeta: (key) => meta.get(key), setMeta: (key, v) => meta.set(key, v) });
}

/**
 * A replica as the follower sees it: results by key, when each was first applied (ms), and
 * the position applied.
 */
function replica(nc: NatsConnection, from = 0, parked = memoryParked(), pullExpiresMs?: number) {
  const held = new Map<string, number>();
  const appliedAt = new Map<string, number>();
  const received = new Map<string, CheckedResult>();
  let position = from;
  const wire = new WireLog(log, systemClock);
  const follower = new ResultFollower({
    js: jetstream(nc),
    log,
    wire,
    parked,
    applied: () => position,
    apply: (results, reached) => {
      for (const r of results) {
        const key = `${r.monitorId}:${r.slot}:${r.node}`;
        held.set(key, (held.get(key) ?? 0) + 1);
        if (!appliedAt.has(key)) appliedAt.set(key, Date.now());
        received.set(key, r);
      }
      position = reached;
    },
    ...(pullExpiresMs === undefined ? {} : { pullExpiresMs }),
  });
  return { held, appliedAt, received, follower, wire, parked, position: () => position };
}

const results = (node: string, monitor: string, from: number, count: number): CheckedResult[] =>
  Array.from({ length: count }, (_, i) => ({
    monitorId: monitor,
    slot: (from + i) * 10_000,
    checkedAt: (from + i) * 10_000 + 3,
    status: 'up',
    latencyMs: 4,
    node,
    region: 'eu',
  }));

test('published batches (timing phases too) reach a follower on another server once each, in order; a restarted follower resumes after its position', async () => {
  const outbox = new MemoryOutbox();
  const nc = await open(0);
  const publisher = new ResultPublisher({
    js: jetstream(nc),
    outbox,
    node: 'n1',
    clock: systemClock,
    log,
  });
  for (let i = 0; i < 50; i++) outbox.add(results('n1', `mon_${i % 5}`, i * 10, 10));
  const timing = { dnsMs: 1.2, connectMs: 0.3, tlsMs: 4.5, firstByteMs: 20 };
  outbox.add([{ ...results('n1', 'mon_timed', 0, 1)[0]!, timing }]);
  const reader = replica(await open(1));
  reader.follower.start();
  publisher.start();
  await waitFor('501 results on the follower', () => (reader.held.size === 501 ? true : undefined));
  assert.equal(outbox.depth(), 0);
  assert.deepEqual(reader.received.get('mon_timed:0:n1')?.timing, timing, 'timing phases travel');
  assert.ok([...reader.held.values()].every((n) => n === 1));
  reader.follower.stop();

  const stoppedAt = reader.position();
  outbox.add(results('n1', 'mon_late', 0, 3));
  publisher.wake();
  await waitFor('the outbox drained', () => (outbox.depth() === 0 ? true : undefined));
  // The same replica state, restarted: it starts after the position it had applied.
  const resumed = replica(await open(2), stoppedAt);
  resumed.follower.start();
  await waitFor('the late batch', () => (resumed.held.size === 3 ? true : undefined));
  assert.deepEqual([...resumed.held.keys()].sort(), [
    'mon_late:0:n1',
    'mon_late:10000:n1',
    'mon_late:20000:n1',
  ]);
  resumed.follower.stop();
  publisher.stop();
});

test('garbage on the results subjects is passed over and counted; the previous and a newer version: read, or parked and kept', async () => {
  const nc = await open(0);
  const js = jetstream(nc);
  const reader = replica(await open(1));
  reader.follower.start();
  const base = reader.held.size;
  await js.publish('tireless.v1.results.x', 'not json');
  await js.publish('tireless.v1.results.x', JSON.stringify({ v: 1, node: 'x', results: [] }));
  await js.publish(
    'tireless.v1.results.x',
    JSON.stringify({ v: 1, node: 'x', results: [{ monitorId: 'm' }] }),
  );
  await js.publish('tireless.v1.results.x', Buffer.alloc(500_000, 0x7b));
  await js.publish('tireless.v1.results.x', JSON.stringify({ v: 'one', node: 'x' }));
  // Version 1 with fields this node does not know (a newer release's additions): read.
  const readable = await js.publish(
    'tireless.v1.results.x',
    JSON.stringify({ v: 1, node: 'n7', results: results('n7', 'mon_v1', 0, 1), hint: 'new' }),
  );
  // A newer major: kept in the stream, its position parked, nothing applied.
  const newer = await js.publish(
    'tireless.v1.results.x',
    JSON.stringify({ v: 2, node: 'n8', batches: [{ results: results('n8', 'mon_v2', 0, 1) }] }),
  );
  const outbox = new MemoryOutbox();
  outbox.add(results('n2', 'mon_after', 0, 2));
  const publisher = new ResultPublisher({ js, outbox, node: 'n2', clock: systemClock, log });
  publisher.start();
  await waitFor('the good batch after the garbage', () =>
    reader.held.has('mon_after:10000:n2') ? true : undefined,
  );
  assert.equal(reader.wire.totals.rejected.results, 5);
  assert.equal(reader.wire.totals.newer.results, 1);
  assert.ok(reader.held.has('mon_v1:0:n7'));
  assert.ok(![...reader.held.keys()].some((key) => key.startsWith('mon_v2:')));
  assert.deepEqual(reader.parked.list(), [newer.seq]);
  assert.ok(reader.held.size >= base + 3);
  reader.follower.stop();
  publisher.stop();

  // At its next start a follower reads its parked messages again: one it now reads (as an
  // upgraded node would) is applied and unparked, one gone from the stream is forgotten, one
  // still too new stays parked.
  const parked = memoryParked();
  for (const seq of [newer.seq, readable.seq, newer.seq + 1_000_000]) parked.add(seq);
  const again = replica(await open(1), reader.position(), parked);
  again.follower.start();
  await waitFor('the parked readable batch applied', () =>
    again.held.has('mon_v1:0:n7') ? true : undefined,
  );
  await waitFor('the parked list settled', () => (parked.list().length === 1 ? true : undefined));
  assert.deepEqual(parked.list(), [newer.seq]);
  assert.equal(again.position(), reader.position(), 'unparking does not move the position');
  again.follower.stop();
});

test('reach resolves once the replica applied the stream up to a position, and gives up with false when nothing moves', async () => {
  const nc = await open(0);
  const outbox = new MemoryOutbox();
  for (let i = 0; i < 30; i++) outbox.add(results('n4', 'mon_reach', i * 10, 10));
  const publisher = new ResultPublisher({
    js: jetstream(nc),
    outbox,
    node: 'n4',
    clock: systemClock,
    log,
  });
  publisher.start();
  await waitFor('the outbox drained', () => (outbox.depth() === 0 ? true : undefined));
  publisher.stop();
  const last = (await (await jetstreamManager(nc)).streams.info(RESULTS_STREAM)).state.last_seq;
  const reader = replica(await open(1));
  reader.follower.start();
  assert.equal(await reader.follower.reach(last), true);
  assert.ok(reader.position() >= last);
  assert.equal(
    [...reader.held.keys()].filter((k) => k.startsWith('mon_reach:')).length,
    300,
    'everything up to the position is applied when reach resolves',
  );
  const startedAt = Date.now();
  assert.equal(await reader.follower.reach(last + 1000, 300), false);
  assert.ok(Date.now() - startedAt >= 300);
  reader.follower.stop();
});

test('a pull the server drops as it expires, without its 408, holds a follower up for a moment, not for seconds', async () => {
  // nats-server 2.9 drops a pull that expires as a message arrives for it without telling
  // the client. With 1 s pulls and ~200 messages/s, a few pulls of four followers meet that
  // within a few seconds; a follower that waited for missed heartbeats lagged ≥ 2 s then.
  const readers = await Promise.all(
    [0, 1, 2, 0].map(async (s) => replica(await open(s), 0, memoryParked(), 1000)),
  );
  const last = (await (await jetstreamManager(await open(0))).streams.info(RESULTS_STREAM)).state
    .last_seq;
  for (const reader of readers) {
    reader.follower.start();
    assert.equal(await reader.follower.reach(last), true);
  }
  const js = jetstream(await open(1));
  const sentAt = new Map<string, number>();
  try {
    const acks: Promise<unknown>[] = [];
    const until = Date.now() + 8000;
    for (let i = 0; Date.now() < until; i++) {
      const batch = results('n5', 'mon_pulls', i, 1);
      sentAt.set(`mon_pulls:${i * 10_000}:n5`, Date.now());
      const body = JSON.stringify({ v: 1, node: 'n5', results: batch });
      acks.push(js.publish('tireless.v1.results.n5', body));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(acks);
    for (const [i, reader] of readers.entries()) {
      await waitFor(`follower ${i} holds every result`, () =>
        [...sentAt.keys()].every((key) => reader.held.has(key)) ? true : undefined,
      );
    }
  } finally {
    for (const reader of readers) reader.follower.stop();
  }
  for (const [i, reader] of readers.entries()) {
    const lags = [...sentAt].map(([key, at]) => (reader.appliedAt.get(key) ?? Infinity) - at);
    const worst = Math.max(...lags);
    assert.ok(worst < 1500, `follower ${i}: a result applied ${worst} ms after it was published`);
  }
});

test('island: with two of three servers gone the outbox keeps everything; when they return it drains and each result arrives once', async () => {
  const nc = await open(0);
  const outbox = new MemoryOutbox();
  const publisher = new ResultPublisher({
    js: jetstream(nc, { timeout: 1000 }),
    outbox,
    node: 'n3',
    clock: systemClock,
    log,
    retryMs: 200,
  });
  publisher.start();
  const before = (await (await jetstreamManager(nc)).streams.info(RESULTS_STREAM)).state.messages;

  await Promise.all([cluster.servers[1]?.kill(), cluster.servers[2]?.kill()]);
  for (let i = 0; i < 20; i++) outbox.add(results('n3', 'mon_island', i * 5, 5));
  publisher.wake();
  await waitFor('the publisher to notice', () => (publisher.isFailing ? true : undefined), 20_000);
  assert.ok(outbox.depth() > 0, 'results wait in the outbox');

  await Promise.all([cluster.servers[1]?.start(), cluster.servers[2]?.start()]);
  await waitFor('the outbox drained', () => (outbox.depth() === 0 ? true : undefined), 60_000);
  const reader = replica(await open('all'));
  reader.follower.start();
  await waitFor(
    'all 100 island results',
    () =>
      [...reader.held.keys()].filter((k) => k.startsWith('mon_island:')).length === 100
        ? true
        : undefined,
    30_000,
  );
  for (const [key, n] of reader.held) if (key.startsWith('mon_island:')) assert.equal(n, 1, key);
  const info = await (await jetstreamManager(nc)).streams.info(RESULTS_STREAM);
  assert.ok(info.state.messages - before <= 20 + 20, 'no flood of copies');
  reader.follower.stop();
  publisher.stop();
});
