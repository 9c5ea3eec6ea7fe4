import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { systemClock } from '../clock/index.js';
import { SecretBox } from '../secrets/index.js';
import { Store } from '../store/index.js';
import { startRecordingHttpServer, tempDir, waitFor } from '../testing/index.js';
import { Deliverer } from './deliverer.js';

const log = pino({ level: 'silent' });
const secrets = new SecretBox(SecretBox.generateKey());

function setup() {
  const store = new Store(join(tempDir(), 'tireless.db'));
  const addChannel = (id: string, url: string) =>
    store.applyConfig({
      kind: 'channel',
      id,
      accountId: 'acc',
      revision: 1,
      doc: {
        id,
        accountId: 'acc',
        revision: 1,
        type: 'webhook',
        name: id,
        config: { url },
      },
    });
  const queue = (id: string, channelId: string) =>
    store.queueDelivery(
      {
        id,
        accountId: 'acc',
        channelId,
        event: 'test',
        payload: {
          event: 'test',
          at: new Date(0).toISOString(),
          monitor: { id: 'm', name: 'm', type: 'http', target: 'x' },
          title: 't',
          text: 't',
        },
      },
      systemClock.now(),
    );
  return { store, addChannel, queue };
}

test('a channel that never answers holds up no other channel', async (t) => {
  const { store, addChannel, queue } = setup();
  const good = await startRecordingHttpServer();
  const stuck = await startRecordingHttpServer(() => 'no-reply');
  addChannel('good', good.url);
  addChannel('stuck', stuck.url);
  const deliverer = new Deliverer(store, secrets, systemClock, log, {
    pollMs: 50,
    sendTimeoutMs: 3000,
    batch: 2,
  });
  t.after(async () => {
    await deliverer.stop();
    await good.close();
    await stuck.close();
  });
  for (let i = 0; i < 3; i++) queue(`stuck-${i}`, 'stuck');
  deliverer.start();
  await stuck.waitFor(1);
  for (let i = 0; i < 5; i++) queue(`good-${i}`, 'good');
  deliverer.wake();
  await waitFor(
    'the good channel to get all five',
    () =>
      Array.from({ length: 5 }, (_, i) => store.getDelivery(`good-${i}`)?.status).every(
        (s) => s === 'sent',
      )
        ? true
        : undefined,
    2000,
  );
  assert.equal(good.requests.length, 5);
  assert.equal(stuck.requests.length, 1, 'one place for the stuck channel');
});

test('a failing channel is retried with backoff; a permanent failure is given up', async (t) => {
  const { store, addChannel, queue } = setup();
  let replies = [503, 200];
  const flaky = await startRecordingHttpServer(() => ({ status: replies.shift() ?? 200 }));
  const gone = await startRecordingHttpServer(() => ({ status: 410 }));
  addChannel('flaky', flaky.url);
  addChannel('gone', gone.url);
  const deliverer = new Deliverer(store, secrets, systemClock, log, { pollMs: 50 });
  t.after(async () => {
    await deliverer.stop();
    await flaky.close();
    await gone.close();
  });
  queue('f', 'flaky');
  queue('g', 'gone');
  deliverer.start();
  await waitFor(
    'the permanent failure',
    () => (store.getDelivery('g')?.status === 'failed' ? true : undefined),
    3000,
  );
  assert.match(store.getDelivery('g')?.lastError ?? '', /410/);
  await waitFor(
    'the first failed attempt',
    () => (store.getDelivery('f')?.attempts === 1 ? true : undefined),
    3000,
  );
  const first = store.getDelivery('f');
  assert.equal(first?.status, 'pending');
  assert.match(first?.lastError ?? '', /503/);
  // The retry waits for its backoff (5 s): nothing is re-sent at the next poll.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(flaky.requests.length, 1);
  replies = [200];
});

test('a delivery to a deleted channel is given up with the reason', async (t) => {
  const { store, queue } = setup();
  const deliverer = new Deliverer(store, secrets, systemClock, log, { pollMs: 50 });
  t.after(() => deliverer.stop());
  queue('orphan', 'nope');
  deliverer.start();
  await waitFor(
    'giving up',
    () => (store.getDelivery('orphan')?.status === 'failed' ? true : undefined),
    3000,
  );
  assert.match(store.getDelivery('orphan')?.lastError ?? '', /no longer exists/);
});

test('a channel aimed at an address the guard refuses is given up, nothing sent', async (t) => {
  const { store, addChannel, queue } = setup();
  const internal = await startRecordingHttpServer();
  addChannel('internal', internal.url);
  const deliverer = new Deliverer(store, secrets, systemClock, log, {
    pollMs: 50,
    addressGuard: (address) => (address === internal.host ? 'address is internal' : undefined),
  });
  t.after(async () => {
    await deliverer.stop();
    await internal.close();
  });
  queue('i', 'internal');
  deliverer.start();
  await waitFor(
    'giving up',
    () => (store.getDelivery('i')?.status === 'failed' ? true : undefined),
    3000,
  );
  assert.match(store.getDelivery('i')?.lastError ?? '', /address refused: address is internal/);
  assert.equal(store.getDelivery('i')?.attempts, 1);
  assert.equal(internal.requests.length, 0);
});
