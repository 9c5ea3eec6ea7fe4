import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm, type KV } from '@nats-io/kv';
import { systemClock, type Clock } from '../clock/index.js';
import { startNatsCluster, type NatsCluster } from '../testing/index.js';
import { overshootBound, RATE_WINDOW_MS } from './rate-tally.js';
import { SharedRates } from './shared-rates.js';

const log = pino({ level: 'silent' });
const BUCKET = 'tireless_rates_test';
/** Mid-minute, held still: no window ends during a test; timers run for real. */
const clock: Clock = {
  now: () => 29_412_000 * RATE_WINDOW_MS + 30_000,
  setTimer: (fn, ms) => systemClock.setTimer(fn, ms),
};

let cluster: NatsCluster;
const connections: NatsConnection[] = [];
const counters: SharedRates[] = [];

before(async () => {
  cluster = await startNatsCluster(3);
  const nc = await connectTo(cluster.urls);
  await new Kvm(nc).create(BUCKET, { replicas: 3, history: 1 });
});

after(async () => {
  for (const rates of counters) rates.stop();
  for (const nc of connections) await nc.close();
  await cluster?.stop();
});

async function connectTo(urls: readonly string[]): Promise<NatsConnection> {
  const nc = await connect({ servers: [...urls], maxReconnectAttempts: -1 });
  connections.push(nc);
  return nc;
}

/** A node's SharedRates on its own connection to server `server`, attached to the bucket. */
async function node(id: string, server: number): Promise<{ rates: SharedRates; kv: KV }> {
  const nc = await connectTo([cluster.urls[server] as string]);
  const kv = await new Kvm(nc).open(BUCKET);
  const rates = new SharedRates({ nodeId: id, clock, log });
  counters.push(rates);
  await rates.attach(kv);
  return { rates, kv };
}

/** Sends `total` requests of one account, alternating between `nodes`, 10 at a time. */
async function flood(nodes: SharedRates[], account: string, limit: number, total: number) {
  const accepted = nodes.map(() => 0);
  for (let sent = 0; sent < total; sent += 10) {
    await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const at = (sent + i) % nodes.length;
        const { current } = await (nodes[at] as SharedRates).take('api', account, limit);
        if (current <= limit) accepted[at]!++;
      }),
    );
  }
  return accepted;
}

test('two nodes share one account’s limit: together they accept it, and at most a batch each beyond', async () => {
  const a = await node('n1', 0);
  const b = await node('n2', 1);
  for (const limit of [50, 600]) {
    const account = `acc_shared_${limit}`;
    const accepted = await flood([a.rates, b.rates], account, limit, 3 * limit);
    const total = accepted[0]! + accepted[1]!;
    const most = limit + overshootBound(limit, 2);
    assert.ok(
      total <= most,
      `limit ${limit}: ${total} accepted (${accepted.join(' + ')}), at most ${most}`,
    );
    assert.ok(total >= limit, `limit ${limit}: ${total} accepted, the whole limit`);
    assert.ok(
      accepted[0]! > 0 && accepted[1]! > 0,
      `both nodes accepted some: ${accepted.join(' + ')}`,
    );
  }
  // Another account's count is its own.
  const other = await flood([a.rates, b.rates], 'acc_other', 50, 20);
  assert.equal(other[0]! + other[1]!, 20);
});

test('a node that starts later hears the counts so far', async () => {
  const a = await node('n3', 0);
  assert.deepEqual(await flood([a.rates], 'acc_late', 20, 10), [10]);
  // Written within the write interval (250 ms), then heard by the newcomer's watch.
  await new Promise((resolve) => setTimeout(resolve, 600));
  const late = await node('n4', 2);
  const accepted = await flood([late.rates], 'acc_late', 20, 20);
  assert.ok(accepted[0]! <= 10 + overshootBound(20, 2), `${accepted[0]} accepted by the newcomer`);
});

test('island: the bucket does not answer, and each node counts alone, without waiting long', async () => {
  const a = await node('n5', 0);
  await cluster.stop();
  const started = Date.now();
  const accepted = await flood([a.rates], 'acc_island', 5, 10);
  assert.deepEqual(accepted, [5], 'its own limit, counted alone');
  assert.ok(Date.now() - started < 5000, `answered in ${Date.now() - started} ms`);
});
