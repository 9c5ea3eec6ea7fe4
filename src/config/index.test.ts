import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { envName, loadSettings } from './index.js';
import { TirelessError } from '../errors/index.js';

test('defaults, then environment, then flags', () => {
  assert.equal(loadSettings({}, {}).port, 3000);
  assert.equal(loadSettings({}, {}).dataDir, './tireless-data');
  assert.equal(loadSettings({}, { TIRELESS_PORT: '4000' }).port, 4000);
  assert.equal(loadSettings({ port: 5000 }, { TIRELESS_PORT: '4000' }).port, 5000);
  assert.equal(
    loadSettings({}, { TIRELESS_BLOCK_PRIVATE_TARGETS: 'true' }).blockPrivateTargets,
    true,
  );
  assert.equal(
    loadSettings({}, { TIRELESS_BLOCK_PRIVATE_TARGETS: 'false' }).blockPrivateTargets,
    false,
  );
});

test('cluster: servers from a comma-separated list; heartbeats every 1 s, dead after 3 s', () => {
  const solo = loadSettings({}, {});
  assert.equal(solo.cluster, undefined);
  assert.deepEqual([solo.heartbeatMs, solo.deadAfterMs], [1000, 3000]);
  const settings = loadSettings(
    { nodeId: 'n1' },
    { TIRELESS_CLUSTER: 'nats://127.0.0.1:4222, tls://nats.example:4222' },
  );
  assert.deepEqual(settings.cluster, ['nats://127.0.0.1:4222', 'tls://nats.example:4222']);
  assert.equal(settings.nodeId, 'n1');
});

test('island mode after 10 s without the cluster by default; from the environment or a flag', () => {
  assert.equal(loadSettings({}, {}).islandAfterMs, 10_000);
  const env = { TIRELESS_ISLAND_AFTER_MS: '2500' };
  assert.equal(loadSettings({}, env).islandAfterMs, 2500);
  assert.equal(loadSettings({ islandAfterMs: '60000' }, env).islandAfterMs, 60_000);
});

test('check workers: one per core by default, at most 8; 0 runs checks on the main thread', () => {
  assert.equal(loadSettings({}, {}).checkWorkers, Math.min(8, availableParallelism()));
  assert.equal(loadSettings({}, { TIRELESS_CHECK_WORKERS: '0' }).checkWorkers, 0);
  assert.equal(loadSettings({}, { TIRELESS_CHECK_WORKERS: '3' }).checkWorkers, 3);
});

test('heap growth: 30 % by default, 0 leaves it to V8', () => {
  assert.equal(loadSettings({}, {}).heapGrowthPercent, 0);
  assert.equal(loadSettings({}, { TIRELESS_HEAP_GROWTH_PERCENT: '30' }).heapGrowthPercent, 30);
  assert.equal(loadSettings({}, { TIRELESS_HEAP_GROWTH_PERCENT: '100' }).heapGrowthPercent, 100);
});

test('a *_FILE variable reads a secret from a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tireless-config-'));
  const file = join(dir, 'key');
  writeFileSync(file, 'a'.repeat(64) + '\n');
  assert.equal(loadSettings({}, { TIRELESS_SECRET_KEY_FILE: file }).secretKey, 'a'.repeat(64));
});

test('bad settings name the setting and its variable; unknown flags are refused', () => {
  const cases: [Record<string, unknown>, Record<string, string>, RegExp][] = [
    [{ port: 'abc' }, {}, /port \(TIRELESS_PORT\)/],
    [{}, { TIRELESS_PORT: '70000' }, /port/],
    [{ region: 'Not A Region' }, {}, /region .*lowercase/],
    [{ secretKey: 'short' }, {}, /secretKey/],
    [{}, { TIRELESS_CHECK_WORKERS: '-1' }, /checkWorkers \(TIRELESS_CHECK_WORKERS\)/],
    [{}, { TIRELESS_CHECK_WORKERS: 'two' }, /checkWorkers \(TIRELESS_CHECK_WORKERS\)/],
    [
      {},
      { TIRELESS_HEAP_GROWTH_PERCENT: '-5' },
      /heapGrowthPercent \(TIRELESS_HEAP_GROWTH_PERCENT\)/,
    ],
    [{ colour: 'blue' }, {}, /colour|Unrecognized/i],
    [{}, { TIRELESS_SECRET_KEY_FILE: '/nonexistent/key' }, /TIRELESS_SECRET_KEY_FILE/],
    [
      { cluster: 'http://a:4222' },
      {},
      /cluster \(TIRELESS_CLUSTER\): http:\/\/a:4222 is not nats:\/\//,
    ],
    [{ cluster: ' , ' }, {}, /cluster .*at least one/],
    [{ nodeId: 'Node 1' }, {}, /nodeId \(TIRELESS_NODE_ID\)/],
    [{}, { TIRELESS_NATS_USER: 'tl' }, /natsPassword .*go together/],
    [{ natsTlsCert: '/c.pem' }, {}, /natsTlsKey .*go together/],
    [
      { natsNkey: '/node.nk' },
      { TIRELESS_NATS_CREDS: '/node.creds' },
      /natsNkey \(TIRELESS_NATS_NKEY\): give one way to sign in to NATS/,
    ],
    [{ heartbeatMs: 1000, deadAfterMs: 1500 }, {}, /deadAfterMs .*twice heartbeatMs/],
    [{}, { TIRELESS_ISLAND_AFTER_MS: '500' }, /islandAfterMs \(TIRELESS_ISLAND_AFTER_MS\): .*1000/],
    [{ islandAfterMs: '3600000' }, {}, /islandAfterMs \(TIRELESS_ISLAND_AFTER_MS\): .*600000/],
    [{}, { TIRELESS_ISLAND_AFTER_MS: 'soon' }, /islandAfterMs \(TIRELESS_ISLAND_AFTER_MS\)/],
  ];
  for (const [flags, env, pattern] of cases) {
    assert.throws(
      () => loadSettings(flags, env),
      (error: unknown) =>
        error instanceof TirelessError &&
        error.code === 'TIRELESS_CONFIG' &&
        pattern.test(error.message),
      JSON.stringify([flags, env]),
    );
  }
});

test('settings are frozen and variable names follow the keys', () => {
  assert.ok(Object.isFrozen(loadSettings({}, {})));
  assert.equal(envName('dataDir'), 'TIRELESS_DATA_DIR');
});
