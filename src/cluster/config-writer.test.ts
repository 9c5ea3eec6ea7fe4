import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { systemClock } from '../clock/index.js';
import { TirelessError } from '../errors/index.js';
import { Store, type ConfigChange } from '../store/index.js';
import { startNatsCluster, tempDir, waitFor, type NatsCluster } from '../testing/index.js';
import { SoloConfigWriter, type ConfigDoc, type ConfigWriter, type UniqueName } from './index.js';
import { KvConfigWriter, type KvConfigWriterOptions } from './kv-config.js';
import { WIRE_VERSION, WireLog } from './wire.js';

const log = pino({ level: 'silent' });

interface Replica {
  writer: ConfigWriter;
  store: Store;
}

const monitor = (id: string, name: string, accountId = 'acc_1') => ({
  id,
  accountId,
  name,
  type: 'http',
});

function openStore(): Store {
  return new Store(join(tempDir(), 'tireless.db'));
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TirelessError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  });
}

let cluster: NatsCluster;
const connections: NatsConnection[] = [];
const writers: KvConfigWriter[] = [];
let buckets = 0;

async function connectTo(url: string | readonly string[]): Promise<NatsConnection> {
  const nc = await connect({ servers: [url].flat(), maxReconnectAttempts: -1 });
  connections.push(nc);
  return nc;
}

/** A new bucket per test, replicated on all three servers. */
async function newBucket(nc: NatsConnection): Promise<string> {
  const name = `tireless_config_test_${++buckets}`;
  await waitFor(
    'JetStream to elect its leader and create the bucket',
    async () => {
      try {
        await new Kvm(nc).create(name, { replicas: 3, history: 1 });
        return true;
      } catch {
        return undefined;
      }
    },
    30_000,
    250,
  );
  return name;
}

async function openKv(nc: NatsConnection, bucket: string): Promise<KV> {
  return new Kvm(nc).open(bucket);
}

async function kvReplica(
  nc: NatsConnection,
  bucket: string,
  store = openStore(),
  extra: Pick<KvConfigWriterOptions, 'claimGraceMs' | 'wire'> = {},
) {
  const writer = await KvConfigWriter.open({
    kv: await openKv(nc, bucket),
    bucket,
    js: jetstream(nc),
    jsm: await jetstreamManager(nc),
    store,
    log,
    ...extra,
  });
  writers.push(writer);
  return { writer, store };
}

/** A way to open replicas of one config: one, or several sharing it (on separate servers). */
interface Implementation {
  open: () => Promise<Replica>;
  openMany: (count: number) => Promise<Replica[]>;
}

// One suite, run against every ConfigWriter: the solo one and the JetStream one.
const implementations: [string, Implementation][] = [
  [
    'solo',
    {
      open: () => {
        const store = openStore();
        return Promise.resolve({ writer: new SoloConfigWriter(store), store });
      },
      // Solo "nodes" are callers of one store: each with a writer of its own.
      openMany: (count) => {
        const store = openStore();
        return Promise.resolve(
          Array.from({ length: count }, () => ({ writer: new SoloConfigWriter(store), store })),
        );
      },
    },
  ],
  [
    'JetStream KV',
    {
      open: async () => {
        const nc = await connectTo(cluster.urls);
        return kvReplica(nc, await newBucket(nc));
      },
      openMany: async (count) => {
        const first = await connectTo(cluster.urls[0] as string);
        const bucket = await newBucket(first);
        const replicas: Replica[] = [];
        for (let i = 0; i < count; i++) {
          const nc = i === 0 ? first : await connectTo(cluster.urls[i % 3] as string);
          replicas.push(await kvReplica(nc, bucket));
        }
        return replicas;
      },
    },
  ],
];

const user = (id: string, accountId = 'acc_1') => ({ id, accountId, email: `${id}@example.com` });
const EMAIL: UniqueName = { name: 'email.0123abcd', taken: 'a user with this email exists' };
const OWNER: UniqueName = { name: 'owner', taken: 'setup is done already' };

/** Exactly one of the outcomes won; the others are 409s with `taken`. Returns the winner. */
function oneWinner(outcomes: PromiseSettledResult<ConfigDoc>[], taken: string, what: string) {
  const won = outcomes.filter((o) => o.status === 'fulfilled');
  assert.equal(won.length, 1, `${what}: ${outcomes.map((o) => o.status).join(', ')}`);
  for (const lost of outcomes.filter((o) => o.status === 'rejected')) {
    const error = lost.reason as TirelessError;
    assert.equal(error.code, 'TIRELESS_CONFLICT', `${what}: ${error.message}`);
    assert.equal(error.message, taken, what);
  }
  return (won[0] as PromiseFulfilledResult<ConfigDoc>).value;
}

before(async () => {
  cluster = await startNatsCluster(3);
});

after(async () => {
  for (const writer of writers) writer.close();
  await Promise.all(connections.map((nc) => nc.close()));
  await cluster.stop();
});

for (const [name, { open, openMany }] of implementations) {
  void describe(`ConfigWriter conformance: ${name}`, () => {
    void it('creates once; a second create of the id is a conflict', async () => {
      const { writer, store } = await open();
      const saved = await writer.put<ConfigDoc>('monitor', monitor('mon_1', 'shop'), 0);
      assert.ok(saved.revision > 0);
      assert.deepEqual(store.getConfig('monitor', 'mon_1'), saved);
      await rejectsWith(writer.put('monitor', monitor('mon_1', 'other'), 0), 'TIRELESS_CONFLICT');
      assert.equal(store.getConfig<ConfigDoc>('monitor', 'mon_1')?.name, 'shop');
    });

    void it('updates only from the current revision; revisions only increase', async () => {
      const { writer, store } = await open();
      const first = await writer.put<ConfigDoc>('monitor', monitor('mon_1', 'a'), 0);
      await writer.put<ConfigDoc>('monitor', monitor('mon_2', 'unrelated'), 0);
      const second = await writer.put<ConfigDoc>('monitor', monitor('mon_1', 'b'), first.revision);
      assert.ok(second.revision > first.revision);
      await rejectsWith(
        writer.put('monitor', monitor('mon_1', 'stale'), first.revision),
        'TIRELESS_CONFLICT',
      );
      assert.equal(store.getConfig<ConfigDoc>('monitor', 'mon_1')?.name, 'b');
    });

    void it("never touches another account's entity", async () => {
      const { writer, store } = await open();
      const saved = await writer.put<ConfigDoc>('monitor', monitor('mon_1', 'a'), 0);
      await rejectsWith(
        writer.put('monitor', monitor('mon_1', 'taken', 'acc_2'), saved.revision),
        'TIRELESS_NOT_FOUND',
      );
      await rejectsWith(writer.remove('monitor', 'acc_2', 'mon_1'), 'TIRELESS_NOT_FOUND');
      assert.equal(store.getConfig<ConfigDoc>('monitor', 'mon_1')?.accountId, 'acc_1');
    });

    void it('removes from the expected revision only, and tells listeners', async () => {
      const { writer, store } = await open();
      const changes: ConfigChange[] = [];
      writer.onChange((change) => changes.push(change));
      const first = await writer.put<ConfigDoc>('monitor', monitor('mon_1', 'a'), 0);
      const second = await writer.put<ConfigDoc>('monitor', monitor('mon_1', 'b'), first.revision);
      await rejectsWith(
        writer.remove('monitor', 'acc_1', 'mon_1', first.revision),
        'TIRELESS_CONFLICT',
      );
      assert.ok(store.getConfig('monitor', 'mon_1'));
      await writer.remove('monitor', 'acc_1', 'mon_1', second.revision);
      assert.equal(store.getConfig('monitor', 'mon_1'), undefined);
      assert.deepEqual(
        changes.map((change) => [change.id, change.doc === null ? 'deleted' : 'put']),
        [
          ['mon_1', 'put'],
          ['mon_1', 'put'],
          ['mon_1', 'deleted'],
        ],
      );
      await rejectsWith(writer.remove('monitor', 'acc_1', 'mon_1'), 'TIRELESS_NOT_FOUND');
    });

    void it('a unique name has one live holder: a second entity gets 409, its holder may rewrite, a deleted holder frees it', async () => {
      const { writer, store } = await open();
      const first = await writer.put<ConfigDoc>('user', user('usr_1'), 0, [EMAIL]);
      await assert.rejects(writer.put('user', user('usr_2'), 0, [EMAIL]), (error: unknown) => {
        assert.ok(error instanceof TirelessError);
        assert.equal(error.code, 'TIRELESS_CONFLICT');
        assert.equal(error.message, EMAIL.taken);
        return true;
      });
      assert.equal(store.getConfig('user', 'usr_2'), undefined);
      // Other names, and no names, are not held back by it.
      await writer.put<ConfigDoc>('user', user('usr_3'), 0, [{ ...EMAIL, name: 'email.ffff' }]);
      await writer.put<ConfigDoc>('user', user('usr_4'), 0);
      const again = await writer.put<ConfigDoc>('user', user('usr_1'), first.revision, [EMAIL]);
      await writer.remove('user', 'acc_1', 'usr_1', again.revision);
      await writer.put<ConfigDoc>('user', user('usr_2'), 0, [EMAIL]);
      assert.ok(store.getConfig('user', 'usr_2'));
    });

    void it('three writers racing for one unique name, round after round: exactly one wins each', async () => {
      const replicas = await openMany(3);
      for (let round = 0; round < 8; round++) {
        const name: UniqueName = { name: `email.r${round}`, taken: `round ${round} taken` };
        const outcomes = await Promise.allSettled(
          replicas.map(({ writer }, i) =>
            writer.put<ConfigDoc>('user', user(`usr_r${round}n${i}`), 0, [name]),
          ),
        );
        const winner = oneWinner(outcomes, name.taken, `round ${round}`);
        for (const { store } of replicas) {
          await waitFor('the winner on every replica', () =>
            store.getConfig('user', winner.id) ? true : undefined,
          );
          const losers = replicas
            .map((_, i) => `usr_r${round}n${i}`)
            .filter((id) => id !== winner.id);
          for (const id of losers) assert.equal(store.getConfig('user', id), undefined);
        }
      }
    });

    void it('racing for two names, one shared: one wins the shared name and the loser gives up its other claim', async () => {
      const [a, b] = (await openMany(2)) as [Replica, Replica];
      const outcomes = await Promise.allSettled([
        a.writer.put<ConfigDoc>('user', user('usr_a'), 0, [{ ...EMAIL, name: 'email.a' }, OWNER]),
        b.writer.put<ConfigDoc>('user', user('usr_b'), 0, [{ ...EMAIL, name: 'email.b' }, OWNER]),
      ]);
      const winner = oneWinner(outcomes, OWNER.taken, 'the owner');
      const loser = winner.id === 'usr_a' ? 'b' : 'a';
      // The loser's email is free at once, for anyone.
      await a.writer.put<ConfigDoc>('user', user('usr_c'), 0, [
        { ...EMAIL, name: `email.${loser}` },
      ]);
    });
  });
}

void describe('JetStream KV config across nodes', () => {
  void it("many concurrent creates on one node all land, each once, without voiding one another's compare-and-set", async () => {
    const nc = await connectTo(cluster.urls[0] as string);
    const { writer, store } = await kvReplica(nc, await newBucket(nc));
    const ids = Array.from({ length: 64 }, (_, i) => `mon_${i}`);
    const saved = await Promise.all(
      ids.map((id) => writer.put<ConfigDoc>('monitor', monitor(id, id), 0)),
    );
    assert.equal(new Set(saved.map((doc) => doc.revision)).size, ids.length);
    for (const id of ids) assert.equal(store.getConfig<ConfigDoc>('monitor', id)?.name, id);
    assert.equal(writer.retries, 0);
  });

  void it('a write on one node is on the other, and concurrent edits of one entity: one wins, one gets 409', async () => {
    const a = await connectTo(cluster.urls[0] as string);
    const b = await connectTo(cluster.urls[1] as string);
    const bucket = await newBucket(a);
    const nodeA = await kvReplica(a, bucket);
    const nodeB = await kvReplica(b, bucket);
    const seenOnB: ConfigChange[] = [];
    nodeB.writer.onChange((change) => seenOnB.push(change));

    const created = await nodeA.writer.put<ConfigDoc>('monitor', monitor('mon_1', 'shop'), 0);
    await waitFor('the monitor on node B', () =>
      nodeB.store.getConfig<ConfigDoc>('monitor', 'mon_1')?.revision === created.revision
        ? true
        : undefined,
    );
    assert.equal(seenOnB.length, 1);

    const outcomes = await Promise.allSettled([
      nodeA.writer.put<ConfigDoc>('monitor', monitor('mon_1', 'from A'), created.revision),
      nodeB.writer.put<ConfigDoc>('monitor', monitor('mon_1', 'from B'), created.revision),
    ]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected');
    assert.equal(won.length, 1);
    assert.equal(lost.length, 1);
    assert.equal((lost[0]?.reason as TirelessError).code, 'TIRELESS_CONFLICT');
    const winner = (won[0] as PromiseFulfilledResult<ConfigDoc>).value;
    for (const node of [nodeA, nodeB]) {
      await waitFor('both nodes on the winner', () =>
        node.store.getConfig<ConfigDoc>('monitor', 'mon_1')?.revision === winner.revision
          ? true
          : undefined,
      );
      assert.equal(node.store.getConfig<ConfigDoc>('monitor', 'mon_1')?.name, winner.name);
    }

    // Many rounds, three writers on three servers: each round exactly one wins (nats-server
    // 2.9's own per-key check lets all of them win; see KvConfigWriter).
    const c = await connectTo(cluster.urls[2] as string);
    const nodeC = await kvReplica(c, bucket);
    let revision = winner.revision;
    for (let round = 0; round < 15; round++) {
      const contest = await Promise.allSettled(
        [nodeA, nodeB, nodeC].map((node, i) =>
          node.writer.put<ConfigDoc>('monitor', monitor('mon_1', `r${round}n${i}`), revision),
        ),
      );
      const winners = contest.filter((o) => o.status === 'fulfilled');
      assert.equal(winners.length, 1, `round ${round}`);
      revision = (winners[0] as PromiseFulfilledResult<ConfigDoc>).value.revision;
      await waitFor('node C on the round winner', () =>
        nodeC.store.getConfig<ConfigDoc>('monitor', 'mon_1')?.revision === revision
          ? true
          : undefined,
      );
    }
    await waitFor('node A on the last winner', () =>
      nodeA.store.getConfig<ConfigDoc>('monitor', 'mon_1')?.revision === revision
        ? true
        : undefined,
    );

    await nodeB.writer.remove('monitor', 'acc_1', 'mon_1', revision);
    await waitFor('the delete on node A', () =>
      nodeA.store.getConfig('monitor', 'mon_1') === undefined ? true : undefined,
    );
    await rejectsWith(
      nodeA.writer.put('monitor', monitor('mon_1', 'resurrected'), revision),
      'TIRELESS_CONFLICT',
    );
    assert.equal(nodeA.store.getConfig('monitor', 'mon_1'), undefined);
  });

  void it('a status page replicates with its slug claim, and its delete leaves a tombstone on the other node', async () => {
    const a = await connectTo(cluster.urls[0] as string);
    const b = await connectTo(cluster.urls[1] as string);
    const bucket = await newBucket(a);
    const nodeA = await kvReplica(a, bucket);
    const nodeB = await kvReplica(b, bucket);
    const slug: UniqueName[] = [{ name: 'status-page.slug.acme', taken: 'slug taken' }];
    const page = (id: string, accountId: string) => ({
      id,
      accountId,
      slug: 'acme',
      monitorIds: [],
    });
    const created = await nodeA.writer.put<ConfigDoc>(
      'status-page',
      page('sp_1', 'acc_1'),
      0,
      slug,
    );
    await waitFor(
      'the page on node B',
      () =>
        nodeB.store.getConfig<ConfigDoc>('status-page', 'sp_1')?.revision === created.revision ||
        undefined,
    );
    // Another account's page on the other node cannot take the slug while the first lives.
    await rejectsWith(
      nodeB.writer.put<ConfigDoc>('status-page', page('sp_2', 'acc_2'), 0, slug),
      'TIRELESS_CONFLICT',
    );
    await nodeA.writer.remove('status-page', 'acc_1', 'sp_1', created.revision);
    await waitFor(
      'the tombstone on node B',
      () => nodeB.store.isConfigDeleted('status-page', 'sp_1') || undefined,
    );
    const taken = await nodeB.writer.put<ConfigDoc>('status-page', page('sp_2', 'acc_2'), 0, slug);
    assert.equal(taken.slug, 'acme');
  });

  void it('a new replica holds the whole config before open resolves; a reopened one resumes where it was', async () => {
    const nc = await connectTo(cluster.urls);
    const bucket = await newBucket(nc);
    const first = await kvReplica(nc, bucket);
    const kept = await first.writer.put<ConfigDoc>('monitor', monitor('mon_kept', 'kept'), 0);
    const gone = await first.writer.put<ConfigDoc>('channel', monitor('ch_gone', 'gone'), 0);
    await first.writer.remove('channel', 'acc_1', 'ch_gone', gone.revision);

    const late = await kvReplica(nc, bucket);
    assert.deepEqual(late.store.getConfig('monitor', 'mon_kept'), kept);
    assert.equal(late.store.getConfig('channel', 'ch_gone'), undefined);

    // The late replica stops; meanwhile the first changes things; reopened on the same
    // store, it applies what it missed (and only that) before it resolves.
    late.writer.close();
    const renamed = await first.writer.put<ConfigDoc>(
      'monitor',
      monitor('mon_kept', 'renamed'),
      kept.revision,
    );
    await first.writer.put<ConfigDoc>(
      'account',
      { id: 'acc_1', accountId: 'acc_1', name: 'Acme' },
      0,
    );
    const reopened = await kvReplica(nc, bucket, late.store);
    assert.deepEqual(late.store.getConfig('monitor', 'mon_kept'), renamed);
    assert.equal(late.store.getConfig<ConfigDoc>('account', 'acc_1')?.name, 'Acme');
    assert.equal(reopened.writer.appliedRevision, first.writer.appliedRevision);
  });

  void it('a claim whose entity never came (its node died) is taken over after the grace time; a token made on one node is found on another once caught up', async () => {
    const nc = await connectTo(cluster.urls);
    const bucket = await newBucket(nc);
    const node = await kvReplica(nc, bucket, openStore(), { claimGraceMs: 1500 });
    const kv = await openKv(nc, bucket);
    await kv.put('unique.email.ghost', 'user.acc_1.usr_ghost');
    const ghost: UniqueName = { name: 'email.ghost', taken: 'taken by a ghost' };
    const claimedAt = Date.now();
    await rejectsWith(node.writer.put('user', user('usr_1'), 0, [ghost]), 'TIRELESS_CONFLICT');
    const saved = await waitFor(
      'the grace time to pass',
      async () => {
        try {
          return await node.writer.put<ConfigDoc>('user', user('usr_1'), 0, [ghost]);
        } catch (error) {
          if (error instanceof TirelessError && error.code === 'TIRELESS_CONFLICT')
            return undefined;
          throw error;
        }
      },
      10_000,
      200,
    );
    assert.ok(Date.now() - claimedAt >= 1400, 'not before the grace time');
    assert.deepEqual(node.store.getConfig('user', 'usr_1'), saved);

    // Written on node B: node A, asked at once, holds it once caughtUp resolves.
    const other = await kvReplica(await connectTo(cluster.urls[1] as string), bucket);
    for (let i = 0; i < 20; i++) {
      const token = await other.writer.put<ConfigDoc>('token', user(`tok_${i}`), 0);
      await node.writer.caughtUp();
      assert.deepEqual(node.store.getConfig('token', `tok_${i}`), token);
    }
  });

  void it('passes over malformed entries in the bucket and keeps applying the rest', async () => {
    const nc = await connectTo(cluster.urls);
    const bucket = await newBucket(nc);
    const wire = new WireLog(log, systemClock);
    const node = await kvReplica(nc, bucket, openStore(), { wire });
    const kv = await openKv(nc, bucket);
    await kv.put('monitor.acc_1.mon_bad', 'not json');
    await kv.put('nonsense.acc_1.x', JSON.stringify({ id: 'x', accountId: 'acc_1' }));
    await kv.put('monitor.acc_1.mon_liar', JSON.stringify({ id: 'mon_other', accountId: 'acc_1' }));
    const good = await node.writer.put<ConfigDoc>('monitor', monitor('mon_ok', 'ok'), 0);
    assert.deepEqual(node.store.getConfig('monitor', 'mon_ok'), good);
    assert.equal(node.store.getConfig('monitor', 'mon_bad'), undefined);
    assert.equal(node.store.getConfig('monitor', 'mon_other'), undefined);
    assert.equal(node.store.getConfig('monitor', 'mon_liar'), undefined);
    assert.equal(wire.totals.rejected.config, 3);
  });

  void it('entries carry the wire version; one without is version 1; one of a newer major is kept aside, counted, and parked until something replaces it', async () => {
    const nc = await connectTo(cluster.urls);
    const bucket = await newBucket(nc);
    const wire = new WireLog(log, systemClock);
    const store = openStore();
    const node = await kvReplica(nc, bucket, store, { wire });
    const kv = await openKv(nc, bucket);
    const saved = await node.writer.put<ConfigDoc>('monitor', monitor('mon_1', 'shop'), 0);
    const written = await kv.get('monitor.acc_1.mon_1');
    assert.deepEqual(written?.json(), { ...monitor('mon_1', 'shop'), v: WIRE_VERSION });
    assert.deepEqual(store.getConfig('monitor', 'mon_1'), saved);
    assert.equal('v' in saved, false, 'the version is the entry’s, not the entity’s');

    await kv.put('monitor.acc_1.mon_old', JSON.stringify(monitor('mon_old', 'stored before v')));
    await kv.put(
      'monitor.acc_1.mon_1',
      JSON.stringify({ v: WIRE_VERSION + 1, id: 'mon_1', accountId: 'acc_1', shape: 'unknown' }),
    );
    // A later write still lands: the newer entry held nothing up.
    await node.writer.put<ConfigDoc>('monitor', monitor('mon_2', 'after'), 0);
    assert.equal(store.getConfig<ConfigDoc>('monitor', 'mon_old')?.name, 'stored before v');
    assert.deepEqual(store.getConfig('monitor', 'mon_1'), saved, 'the replica keeps what it held');
    assert.deepEqual(wire.totals.newer, { heartbeats: 0, results: 0, config: 1 });
    assert.equal(wire.totals.rejected.config, 0);

    // Parked in the replica: a reopened writer reads it again and still keeps it aside.
    node.writer.close();
    const again = await kvReplica(nc, bucket, store, { wire });
    assert.equal(store.getMeta('parked_config'), JSON.stringify(['monitor.acc_1.mon_1']));
    assert.deepEqual(store.getConfig('monitor', 'mon_1'), saved);
    // An edit from the revision this replica holds meets the newer entry's: 409, not a loss.
    await rejectsWith(
      again.writer.put('monitor', monitor('mon_1', 'stale'), saved.revision),
      'TIRELESS_CONFLICT',
    );
    const newer = (await kv.get('monitor.acc_1.mon_1'))?.revision ?? 0;
    await again.writer.put<ConfigDoc>('monitor', monitor('mon_1', 'replaced'), newer);
    assert.equal(store.getConfig<ConfigDoc>('monitor', 'mon_1')?.name, 'replaced');
    assert.equal(store.getMeta('parked_config'), '[]');
  });

  void it('a parked entry this node reads (as after its upgrade) is applied at open', async () => {
    const nc = await connectTo(cluster.urls);
    const bucket = await newBucket(nc);
    const kv = await openKv(nc, bucket);
    await kv.put('monitor.acc_1.mon_p', JSON.stringify({ ...monitor('mon_p', 'parked'), v: 1 }));
    await kv.put('monitor.acc_1.mon_q', JSON.stringify({ ...monitor('mon_q', 'deleted'), v: 1 }));
    await kv.delete('monitor.acc_1.mon_q');
    // A replica that got past both entries while it could not read them.
    const store = openStore();
    const last = (await kv.status()).streamInfo.state.last_seq;
    store.setMeta('config_kv_revision', String(last));
    store.setMeta('parked_config', JSON.stringify(['monitor.acc_1.mon_p', 'monitor.acc_1.mon_q']));
    const node = await kvReplica(nc, bucket, store);
    assert.equal(store.getConfig<ConfigDoc>('monitor', 'mon_p')?.name, 'parked');
    assert.equal(store.getConfig('monitor', 'mon_q'), undefined);
    assert.equal(store.isConfigDeleted('monitor', 'mon_q'), true, 'the delete marker: a tombstone');
    assert.equal(store.getMeta('parked_config'), '[]');
    assert.equal(node.writer.appliedRevision, last);
  });

  // Last in the file: it takes two servers away and brings them back.
  void it('without quorum a write answers unavailable and this replica is unchanged; with quorum back, writes work', async () => {
    const nc = await connectTo(cluster.urls[0] as string);
    const bucket = await newBucket(nc);
    const node = await kvReplica(nc, bucket);
    const saved = await node.writer.put<ConfigDoc>('monitor', monitor('mon_1', 'before'), 0);

    await Promise.all([cluster.servers[1]?.kill(), cluster.servers[2]?.kill()]);
    await rejectsWith(
      node.writer.put('monitor', monitor('mon_1', 'during'), saved.revision),
      'TIRELESS_UNAVAILABLE',
    );
    assert.equal(node.store.getConfig<ConfigDoc>('monitor', 'mon_1')?.name, 'before');

    await Promise.all([cluster.servers[1]?.start(), cluster.servers[2]?.start()]);
    // A write that timed out may still have landed: each try starts from the replica.
    const after = await waitFor(
      'a write once quorum is back',
      async () => {
        const current = node.store.getConfig<ConfigDoc>('monitor', 'mon_1');
        try {
          return await node.writer.put<ConfigDoc>(
            'monitor',
            monitor('mon_1', 'after'),
            current?.revision ?? 0,
          );
        } catch (error) {
          if (error instanceof TirelessError && error.retryable) return undefined;
          if (error instanceof TirelessError && error.code === 'TIRELESS_CONFLICT')
            return undefined;
          throw error;
        }
      },
      60_000,
      500,
    );
    assert.equal(node.store.getConfig<ConfigDoc>('monitor', 'mon_1')?.name, 'after');
    assert.ok(after.revision > saved.revision);
  });
});
