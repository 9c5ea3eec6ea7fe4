import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TirelessError } from '../errors/index.js';
import { Store, type ConfigChange } from '../store/index.js';
import { tempDir } from '../testing/index.js';
import { SoloConfigWriter, type ConfigDoc } from './index.js';
import { LinkedConfigWriter } from './linked-config.js';

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
