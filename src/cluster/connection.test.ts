import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { TirelessError } from '../errors/index.js';
import { startNatsCluster, type NatsCluster } from '../testing/index.js';
import { joinCluster, secretKeyFingerprint } from './connection.js';

const log = pino({ level: 'silent' });
let cluster: NatsCluster;

before(async () => {
  cluster = await startNatsCluster(3);
});

after(async () => {
  await cluster.stop();
});

const join = (nodeId: string, secretKey: Buffer, servers = cluster.urls) =>
  joinCluster({ servers, nodeId, secretKey, log });

test('the first node creates the buckets with three replicas; nodes with the same key join', async () => {
  const key = randomBytes(32);
  const first = await join('n1', key, [cluster.urls[0] as string]);
  assert.equal(first.replicas, 3);
  assert.equal((await first.config.status()).replicas, 3);
  assert.equal(
    (await first.cluster.get('secret-key-fingerprint'))?.string(),
    secretKeyFingerprint(key),
  );
  const second = await join('n2', Buffer.from(key), [cluster.urls[2] as string]);
  await Promise.all([first.close(), second.close()]);

  // A node with another key is refused, and the message says what to do.
  await assert.rejects(join('n3', randomBytes(32)), (error: unknown) => {
    assert.ok(error instanceof TirelessError);
    assert.equal(error.code, 'TIRELESS_CONFIG');
    assert.match(error.message, /secret key is not the cluster's .*copy secret\.key/);
    return true;
  });
});

test('fingerprints tell keys apart and do not contain them', () => {
  const key = Buffer.alloc(32, 7);
  assert.equal(secretKeyFingerprint(key), secretKeyFingerprint(Buffer.alloc(32, 7)));
  assert.notEqual(secretKeyFingerprint(key), secretKeyFingerprint(Buffer.alloc(32, 8)));
  assert.ok(!secretKeyFingerprint(key).includes(key.toString('hex')));
});

test('no server answering is a clear error naming the servers, one that may pass (island mode)', async () => {
  const nowhere = 'nats://127.0.0.1:1';
  await assert.rejects(join('n1', randomBytes(32), [nowhere]), (error: unknown) => {
    assert.ok(error instanceof TirelessError);
    assert.equal(error.code, 'TIRELESS_UNAVAILABLE');
    assert.match(error.message, /cannot connect to the cluster at nats:\/\/127\.0\.0\.1:1/);
    return true;
  });
});
