import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Store } from '../store/index.js';
import { tempDir } from '../testing/index.js';
import { SoloConfigWriter, type ConfigDoc } from './index.js';

const ACCOUNT = 'acc_1';
const channel = (id: string, name: string) => ({ id, accountId: ACCOUNT, name });

test('the solo writer hands out revisions from one sequence: higher per key, never reused', async () => {
  const path = join(tempDir(), 'tireless.db');
  const store = new Store(path);
  const writer = new SoloConfigWriter(store);
  const a1 = await writer.put<ConfigDoc>('channel', channel('ch_a', 'a'), 0);
  const b1 = await writer.put<ConfigDoc>('channel', channel('ch_b', 'b'), 0);
  const a2 = await writer.put<ConfigDoc>('channel', channel('ch_a', 'a2'), a1.revision);
  assert.ok(b1.revision > a1.revision && a2.revision > b1.revision, 'one sequence for all keys');
  assert.ok(a2.revision > a1.revision + 1, 'not one more than the key’s previous revision');
  await assert.rejects(
    writer.put<ConfigDoc>('channel', channel('ch_a', 'stale'), a1.revision),
    (error: Error & { code?: string }) => error.code === 'TIRELESS_CONFLICT',
  );

  await writer.remove('channel', ACCOUNT, 'ch_a');
  const deletedAt = store.listConfigEntries().find((entry) => entry.id === 'ch_a')?.revision;
  assert.ok(deletedAt !== undefined && deletedAt > a2.revision, 'the tombstone has a new revision');
  const again = await writer.put<ConfigDoc>('channel', channel('ch_a', 'recreated'), 0);
  assert.ok(again.revision > deletedAt, 'a recreated key goes on above its tombstone');
  store.close();

  const reopened = new Store(path);
  const after = await new SoloConfigWriter(reopened).put<ConfigDoc>(
    'channel',
    channel('ch_c', 'c'),
    0,
  );
  assert.ok(after.revision > again.revision, 'the sequence survives a restart');
  reopened.close();
});
