import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TirelessError } from '../errors/index.js';
import { Store, type ConfigChange } from '../store/index.js';
import { tempDir } from '../testing/index.js';
import { SoloConfigWriter, type ConfigDoc } from './index.js';
import { LinkedClaims, LinkedConfigWriter } from './linked-config.js';
import type { ClaimAnswer, DeliveryClaims, DeliveryOutcome } from './ports.js';

const doc = { id: 'ch_a', accountId: 'acc_1', name: 'a' };

const refused = (why: RegExp) => (error: unknown) => {
  assert.ok(error instanceof TirelessError);
  assert.equal(error.code, 'TIRELESS_UNAVAILABLE');
  assert.match(error.message, why);
  assert.match(error.message, /nothing was changed\. Monitoring and alerts go on/);
  return true;
};

test('writes are refused with the reason until the node is joined, then go through', async () => {
  const store = new Store(join(tempDir(), 'tireless.db'));
  let why: string | undefined = 'this node is in island mode, it sees no other node';
  const linked = new LinkedConfigWriter(() => why);
  const heard: ConfigChange[] = [];
  // Registered before the node joined: hears what is applied after.
  linked.onChange((change) => heard.push(change));

  await assert.rejects(
    linked.put<ConfigDoc>('channel', doc, 0),
    refused(/^the channel cannot be stored now: this node is in island mode/),
  );
  why = undefined;
  await assert.rejects(linked.remove('channel', 'acc_1', 'ch_a'), refused(/has not joined/));

  const solo = new SoloConfigWriter(store);
  solo.onChange(linked.changed);
  linked.attach(solo);
  const saved = await linked.put<ConfigDoc>('channel', doc, 0);
  assert.equal(store.getConfig<ConfigDoc>('channel', 'ch_a')?.revision, saved.revision);
  assert.deepEqual(
    heard.map((c) => [c.kind, c.id]),
    [['channel', 'ch_a']],
  );

  why = 'JetStream has no quorum';
  await assert.rejects(
    linked.remove('channel', 'acc_1', 'ch_a', saved.revision),
    refused(/JetStream has no quorum/),
  );
  assert.ok(store.getConfig('channel', 'ch_a'), 'the refused delete changed nothing');
  store.close();
});

test('claims before the node joined: sent unclaimed and counted, outcomes handed to the cluster at join', async () => {
  let unclaimed = 0;
  const claims = new LinkedClaims(() => unclaimed++);
  const delivery = { id: 'm1:100:down:ch_a', createdAt: 100, monitorId: 'm1' };
  assert.deepEqual(await claims.claim(delivery), { kind: 'send' });
  assert.equal(unclaimed, 1);
  await claims.settle(delivery.id, { kind: 'sent' });
  // A retry is not an outcome: it is claimed again when due.
  await claims.settle('m2:100:down:ch_a', { kind: 'retry', retryAt: 200 });

  const settled: [string, DeliveryOutcome][] = [];
  const cluster: DeliveryClaims = {
    claim: () => Promise.resolve<ClaimAnswer>({ kind: 'wait', until: 500 }),
    settle: (id, outcome) => {
      settled.push([id, outcome]);
      return Promise.resolve();
    },
  };
  claims.attach(cluster);
  assert.deepEqual(settled, [[delivery.id, { kind: 'sent' }]]);
  // Joined: the cluster's claims decide.
  assert.deepEqual(await claims.claim(delivery), { kind: 'wait', until: 500 });
  assert.equal(unclaimed, 1);
  await claims.settle('m3:100:up:ch_a', { kind: 'failed' });
  assert.deepEqual(settled.at(-1), ['m3:100:up:ch_a', { kind: 'failed' }]);
});
