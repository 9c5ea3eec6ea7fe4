import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { FakeClock, systemClock, type Clock } from '../clock/index.js';
import { SecretBox } from '../secrets/index.js';
import { Store, type Delivery } from '../store/index.js';
import { startRecordingHttpServer, tempDir, waitFor } from '../testing/index.js';
import { DELIVERY_RETRY, retryDelay } from './backoff.js';
import { Deliverer } from './deliverer.js';

const log = pino({ level: 'silent' });
const secrets = new SecretBox(SecretBox.generateKey());

function setup(clock: Clock = systemClock) {
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
          title: id,
          text: 't',
        },
      },
      clock.now(),
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

/**
 * A deliverer on a FakeClock over a real store, with every claim recorded as it happens
 * (claims are synchronous, so a test sees at once whether advancing the clock sent anything).
 */
function fakeClockDeliverer(t: { after(fn: () => Promise<void>): void }, pollMs = 1000) {
  const clock = new FakeClock(Date.UTC(2030, 0, 1));
  const parts = setup(clock);
  const claims: { id: string; at: number }[] = [];
  const outcomes: string[] = [];
  let settled: (() => void) | undefined;
  const queue = {
    claimDueDeliveries: (...args: Parameters<Store['claimDueDeliveries']>): Delivery[] => {
      const claimed = parts.store.claimDueDeliveries(...args);
      for (const delivery of claimed) claims.push({ id: delivery.id, at: clock.now() });
      return claimed;
    },
    markDelivered: (id: string, now: number) => parts.store.markDelivered(id, now),
    markDeliveryFailed: (id: string, error: string, retryAt: number | null) =>
      parts.store.markDeliveryFailed(id, error, retryAt),
    postponeDelivery: (id: string, nextAt: number) => parts.store.postponeDelivery(id, nextAt),
    settleDeliveryElsewhere: (...args: Parameters<Store['settleDeliveryElsewhere']>) =>
      parts.store.settleDeliveryElsewhere(...args),
    getScoped: <T>(...args: Parameters<Store['getScoped']>) => parts.store.getScoped<T>(...args),
  };
  const deliverer = new Deliverer(queue, secrets, clock, log, {
    pollMs,
    onAttempt: (outcome, delivery) => {
      outcomes.push(`${delivery.id}:${outcome}`);
      settled?.();
    },
  });
  t.after(() => deliverer.stop());
  /** Resolves when `count` attempts have settled in all. */
  const attempts = async (count: number) => {
    while (outcomes.length < count) await new Promise<void>((resolve) => (settled = resolve));
  };
  return { ...parts, clock, claims, outcomes, attempts, deliverer };
}

test('a failing channel is retried after 5, 10, 20 s…, and its later messages wait their turn', async (t) => {
  const { clock, addChannel, queue, claims, outcomes, attempts, deliverer, store } =
    fakeClockDeliverer(t);
  const failures = 3;
  const flaky = await startRecordingHttpServer((request) =>
    flaky.requests.indexOf(request) < failures ? { status: 503 } : { status: 200 },
  );
  t.after(() => flaky.close());
  addChannel('flaky', flaky.url);
  const start = clock.now();
  queue('a-down', 'flaky');
  clock.advance(1);
  queue('b-up', 'flaky');
  deliverer.start();
  await attempts(1);
  assert.deepEqual(claims, [{ id: 'a-down', at: start + 1 }]);
  assert.match(store.getDelivery('a-down')?.lastError ?? '', /503/);

  // Each retry comes exactly when its backoff ends, not a millisecond before.
  let failedAt = start + 1;
  for (let attempt = 1; attempt <= failures; attempt++) {
    const delay = 5000 * 2 ** (attempt - 1);
    clock.advance(failedAt + delay - 1 - clock.now());
    assert.equal(claims.length, attempt, `attempt ${attempt + 1} waits for its ${delay} ms`);
    clock.advance(1);
    assert.deepEqual(claims.at(-1), { id: 'a-down', at: failedAt + delay });
    await attempts(attempt + 1);
    failedAt += delay;
  }
  // The fourth attempt succeeded; only then does the channel's next message go.
  await attempts(failures + 2);
  assert.deepEqual(outcomes, [
    'a-down:retry',
    'a-down:retry',
    'a-down:retry',
    'a-down:sent',
    'b-up:sent',
  ]);
  assert.deepEqual(
    flaky.requests.map((request) => (request.json as { title: string }).title),
    ['a-down', 'a-down', 'a-down', 'a-down', 'b-up'],
  );
  assert.deepEqual(store.getDelivery('a-down'), { status: 'sent', attempts: 4, lastError: null });
});

test('a channel that keeps failing is given up after 150 attempts, about a day', async (t) => {
  const POLL_MS = 10_000;
  const { clock, addChannel, queue, claims, outcomes, attempts, deliverer, store } =
    fakeClockDeliverer(t, POLL_MS);
  const broken = await startRecordingHttpServer(() => ({ status: 502 }));
  const gone = await startRecordingHttpServer(() => ({ status: 410 }));
  t.after(async () => {
    await broken.close();
    await gone.close();
  });
  addChannel('broken', broken.url);
  addChannel('gone', gone.url);
  const start = clock.now();
  queue('x', 'broken');
  queue('g', 'gone');
  deliverer.start();
  await attempts(2);
  assert.deepEqual(store.getDelivery('g')?.status, 'failed', 'a permanent failure at once');
  assert.match(store.getDelivery('g')?.lastError ?? '', /410/);
  // The clock moves one poll at a time, and waits for each attempt a poll started.
  for (let step = 0; store.getDelivery('x')?.status === 'pending' && step < 20_000; step++) {
    clock.advance(POLL_MS);
    await attempts(claims.length);
  }
  const sends = claims.filter((claim) => claim.id === 'x');
  assert.equal(sends.length, DELIVERY_RETRY.giveUpAfterAttempts);
  assert.equal(broken.requests.length, DELIVERY_RETRY.giveUpAfterAttempts);
  const gaps = sends.slice(1).map((claim, i) => claim.at - (sends[i]?.at ?? 0));
  // Each retry at the first poll after its backoff ended.
  gaps.forEach((gap, i) => {
    const backoff = retryDelay(i, true) ?? NaN;
    assert.ok(
      gap >= backoff && gap < backoff + POLL_MS,
      `retry ${i + 1}: ${gap} ms, backoff ${backoff}`,
    );
  });
  const hours = ((sends.at(-1)?.at ?? 0) - start) / 3_600_000;
  assert.ok(hours > 23 && hours < 25, `given up after ${hours.toFixed(1)} h`);
  assert.equal(outcomes.at(-1), 'x:failed');
  assert.match(store.getDelivery('x')?.lastError ?? '', /502/);
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
