import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { systemClock } from '../clock/index.js';
import { startNatsCluster, waitFor, type NatsCluster } from '../testing/index.js';
import { KvDeliveryClaims } from './delivery-claims.js';
import type { ClaimAnswer, DeliveryRef } from './ports.js';

const log = pino({ level: 'silent' });
const BUCKET = 'tireless_deliveries_test';
const NODES = ['n1', 'n2', 'n3'];

let cluster: NatsCluster;
const connections: NatsConnection[] = [];
let deliveries = 0;

before(async () => {
  cluster = await startNatsCluster(3);
  const nc = await connectTo(cluster.urls);
  await new Kvm(nc).create(BUCKET, { replicas: 3, history: 1 });
});

after(async () => {
  for (const nc of connections) await nc.close();
  await cluster?.stop();
});

async function connectTo(urls: readonly string[]): Promise<NatsConnection> {
  const nc = await connect({ servers: [...urls], maxReconnectAttempts: -1 });
  connections.push(nc);
  return nc;
}

interface Node {
  claims: KvDeliveryClaims;
  /** Which members this node believes alive (all three unless a test says otherwise). */
  live: Set<string>;
  /** Monitors this node coordinates. */
  coordinates: Set<string>;
  unclaimed: number;
}

/** One KvDeliveryClaims per node id, each on its own connection to its own server. */
async function nodes(): Promise<Node[]> {
  return Promise.all(
    NODES.map(async (id, i) => {
      const nc = await connectTo([cluster.urls[i] as string, ...cluster.urls]);
      const node: Node = {
        live: new Set(NODES),
        coordinates: new Set(),
        unclaimed: 0,
        claims: undefined as unknown as KvDeliveryClaims,
      };
      node.claims = new KvDeliveryClaims({
        bucket: {
          js: jetstream(nc, { timeout: 1000 }),
          jsm: await jetstreamManager(nc, { timeout: 1000, checkAPI: false }),
          bucket: BUCKET,
        },
        node: id,
        clock: systemClock,
        log,
        live: () => [...node.live],
        coordinates: (monitorId) => node.coordinates.has(monitorId),
        graceMs: 3000,
        leaseMs: 30_000,
        onUnclaimedSend: () => node.unclaimed++,
        retryMs: 200,
      });
      return node;
    }),
  );
}

/** A new delivery of monitor `m`, due `ageMs` ago (past the grace: anyone may claim it). */
function delivery(ageMs = 10_000): DeliveryRef {
  return { id: `m:${++deliveries}:down:ch_1`, createdAt: Date.now() - ageMs, monitorId: 'm' };
}

const kinds = (answers: ClaimAnswer[]) => answers.map((a) => a.kind).sort();

test('three nodes claiming one delivery at once: exactly one sends, every time', async () => {
  const all = await nodes();
  for (let round = 0; round < 10; round++) {
    const ref = delivery();
    const answers = await Promise.all(all.map((node) => node.claims.claim(ref)));
    assert.deepEqual(kinds(answers), ['send', 'wait', 'wait'], `round ${round}`);
  }
});

test('the coordinator claims at once, the others wait for the grace; an outcome settles their copies', async () => {
  const [n1, n2, n3] = (await nodes()) as [Node, Node, Node];
  n1.coordinates.add('m');
  const fresh = delivery(0);
  assert.equal((await n2.claims.claim(fresh)).kind, 'wait', 'within the grace');
  assert.equal((await n1.claims.claim(fresh)).kind, 'send');
  await n1.claims.settle(fresh.id, { kind: 'sent' });
  const late = { ...fresh, createdAt: fresh.createdAt - 10_000 };
  for (const node of [n2, n3]) {
    assert.deepEqual(await node.claims.claim(late), {
      kind: 'settled',
      outcome: 'sent',
      node: 'n1',
    });
  }
});

test('a claim held by a dead node is taken over by one node; a retry keeps it for its holder', async () => {
  const [n1, n2, n3] = (await nodes()) as [Node, Node, Node];
  const ref = delivery();
  assert.equal((await n1.claims.claim(ref)).kind, 'send');
  // n1 waits for a retry in a minute: while it lives, its claim holds past the lease.
  await n1.claims.settle(ref.id, { kind: 'retry', retryAt: Date.now() + 60_000 });
  assert.equal((await n2.claims.claim(ref)).kind, 'wait');
  // n1 dies: the other two take over at once, and only one of them wins.
  n2.live.delete('n1');
  n3.live.delete('n1');
  const answers = await Promise.all([n2.claims.claim(ref), n3.claims.claim(ref)]);
  assert.deepEqual(kinds(answers), ['send', 'wait']);
  const winner = answers[0]?.kind === 'send' ? n2 : n3;
  // The winner fails for good: nobody sends it again.
  await winner.claims.settle(ref.id, { kind: 'failed' });
  const answer = await n1.claims.claim(ref);
  assert.equal(answer.kind === 'settled' && answer.outcome, 'failed');
});

test('without quorum the coordinator sends unclaimed (counted), the others wait; the outcome is written once the quorum is back', async () => {
  const [n1, n2] = (await nodes()) as [Node, Node, Node];
  n1.coordinates.add('m');
  const ref = delivery();
  // Two of three servers down: JetStream has no quorum (core NATS still connects).
  await (cluster.servers[1] as { stop(): Promise<void> }).stop();
  await (cluster.servers[2] as { stop(): Promise<void> }).stop();
  try {
    assert.equal((await n1.claims.claim(ref)).kind, 'send');
    assert.equal(n1.unclaimed, 1, 'counted');
    assert.equal((await n2.claims.claim(ref)).kind, 'wait', 'its coordinator lives and sends');
    assert.equal(n2.unclaimed, 0);
    await n1.claims.settle(ref.id, { kind: 'sent' });
    n1.claims.start();
  } finally {
    await (cluster.servers[1] as { start(): Promise<void> }).start();
    await (cluster.servers[2] as { start(): Promise<void> }).start();
  }
  // The outcome n1 kept is written when the bucket answers again: n2 never sends it.
  const answer = await waitFor(
    'the kept outcome written',
    async () => {
      const seen = await n2.claims.claim(ref);
      return seen.kind === 'settled' ? seen : undefined;
    },
    60_000,
    500,
  );
  n1.claims.stop();
  assert.deepEqual(answer, { kind: 'settled', outcome: 'sent', node: 'n1' });
});
