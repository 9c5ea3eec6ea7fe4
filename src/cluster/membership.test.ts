import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { systemClock } from '../clock/index.js';
import { startNatsCluster, waitFor, type NatsCluster } from '../testing/index.js';
import { HEARTBEAT_SUBJECT, Membership } from './membership.js';
import type { Member } from './rendezvous.js';
import { WireLog } from './wire.js';

const log = pino({ level: 'silent' });
let cluster: NatsCluster;
const connections: NatsConnection[] = [];

before(async () => {
  cluster = await startNatsCluster(3);
});

after(async () => {
  await Promise.all(connections.filter((nc) => !nc.isClosed()).map((nc) => nc.close()));
  await cluster.stop();
});

async function node(id: string, region: string, server: number) {
  const nc = await connect({ servers: cluster.urls[server] as string });
  connections.push(nc);
  const changes: string[][] = [];
  const wire = new WireLog(log, systemClock);
  const membership = new Membership({
    nc,
    self: { id, region, version: 'test' },
    clock: systemClock,
    log,
    wire,
    heartbeatMs: 100,
    deadAfterMs: 400,
    onChange: (members: readonly Member[]) => changes.push(members.map((m) => m.id)),
  });
  membership.start();
  return { nc, membership, changes, wire };
}

const ids = (membership: Membership) => membership.live.map((m) => m.id).join(',');

test('nodes on different servers see each other; a leaving node goes at once, a silent one after the dead time', async () => {
  const a = await node('n1', 'eu', 0);
  const b = await node('n2', 'us', 1);
  const c = await node('n3', 'ap', 2);
  for (const { membership } of [a, b, c]) {
    await waitFor('all three alive', () => (ids(membership) === 'n1,n2,n3' ? true : undefined));
  }
  assert.deepEqual(
    a.membership.view().map((m) => [m.id, m.region, m.alive, m.self]),
    [
      ['n1', 'eu', true, true],
      ['n2', 'us', true, false],
      ['n3', 'ap', true, false],
    ],
  );

  const leftAt = Date.now();
  await c.membership.stop();
  await waitFor('n3 gone', () => (ids(a.membership) === 'n1,n2' ? true : undefined));
  // Dropped on its goodbye, long before the 400 ms dead time would have.
  assert.ok(Date.now() - leftAt < 300, `took ${Date.now() - leftAt} ms`);

  // A node whose process dies says nothing: its connection just closes.
  const diedAt = Date.now();
  await b.nc.close();
  await waitFor('n2 dead', () => (ids(a.membership) === 'n1' ? true : undefined));
  assert.ok(Date.now() - diedAt >= 300, 'not before the dead time');
  assert.deepEqual(a.changes.at(-1), ['n1']);
  await Promise.all([a.membership.stop(), b.membership.stop()]);
});

test('garbage on the heartbeat subject is counted and passed over; unknown fields are fine; a newer version counts by its envelope', async () => {
  const a = await node('n1', 'eu', 0);
  const sender = await connect({ servers: cluster.urls[1] as string });
  connections.push(sender);
  // A node of a newer version, with a field this version does not know; sent until heard
  // (interest in the subject takes a moment to cross the cluster's routes).
  const newer = JSON.stringify({ node: 'n9', region: 'eu', version: '2', sentAt: 1, extra: [1] });
  await waitFor('n9 from a newer version', () => {
    sender.publish(HEARTBEAT_SUBJECT, newer);
    return ids(a.membership) === 'n1,n9' ? true : undefined;
  });
  for (const payload of [
    'not json',
    '{}',
    JSON.stringify({ node: '', region: 'eu', version: '1', sentAt: 1 }),
    JSON.stringify({ node: 'x'.repeat(500), region: 'eu', version: '1', sentAt: 1 }),
    Buffer.alloc(100_000, 1),
  ]) {
    sender.publish(HEARTBEAT_SUBJECT, payload);
  }
  sender.publish(HEARTBEAT_SUBJECT, newer);
  await waitFor('five rejected', () => (a.wire.totals.rejected.heartbeats >= 5 ? true : undefined));
  assert.equal(a.wire.totals.rejected.heartbeats, 5);
  assert.ok(a.membership.live.some((m) => m.id === 'n9'));

  // A node of a newer major: alive by its envelope (node, region), counted as newer.
  const major = JSON.stringify({ v: 2, node: 'n8', region: 'us', shape: 'unknown here' });
  await waitFor('n8 of version 2', () => {
    sender.publish(HEARTBEAT_SUBJECT, major);
    return ids(a.membership) === 'n1,n8,n9' ? true : undefined;
  });
  assert.ok(a.wire.totals.newer.heartbeats >= 1);
  assert.equal(a.wire.totals.rejected.heartbeats, 5);
  await a.membership.stop();
});
