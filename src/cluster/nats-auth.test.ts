import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { nkeys } from '@nats-io/transport-node';
import { TirelessError } from '../errors/index.js';
import {
  ApiClient,
  makeCertificates,
  startNatsCluster,
  startTireless,
  tempDir,
  type NatsCluster,
} from '../testing/index.js';
import { joinCluster, type JoinOptions } from './connection.js';

// A cluster as docs/CLUSTER.md sets one up: TLS that verifies clients, and users that sign
// in with a password or an nkey.
const log = pino({ level: 'silent' });
const certs = tempDir('tireless-nats-tls-');
const user = nkeys.createUser();
const seedFile = join(certs, 'node.nk');
const PASSWORD = 'a NATS password';
const tls = {
  natsTlsCa: join(certs, 'ca.crt'),
  natsTlsCert: join(certs, 'client.crt'),
  natsTlsKey: join(certs, 'client.key'),
};
let cluster: NatsCluster;

before(async () => {
  await makeCertificates(certs, { days: 30 });
  writeFileSync(seedFile, new TextDecoder().decode(user.getSeed()) + '\n', { mode: 0o600 });
  cluster = await startNatsCluster(3, {
    config: [
      `tls { cert_file: "${join(certs, 'leaf.crt')}", key_file: "${join(certs, 'leaf.key')}", ca_file: "${tls.natsTlsCa}", verify: true }`,
      `authorization { users: [ { user: tireless, password: "${PASSWORD}" }, { nkey: ${user.getPublicKey()} } ] }`,
    ],
    connect: {
      user: 'tireless',
      pass: PASSWORD,
      tls: { caFile: tls.natsTlsCa, certFile: tls.natsTlsCert, keyFile: tls.natsTlsKey },
    },
  });
});

after(async () => {
  await cluster.stop();
});

const key = randomBytes(32);
const join3 = (options: Partial<JoinOptions>) =>
  joinCluster({ servers: cluster.urls, nodeId: 'n1', secretKey: key, log, ...options });

test('a node joins over TLS with a client certificate, signing in with a password or an nkey seed', async () => {
  const withPassword = await join3({ ...tls, natsUser: 'tireless', natsPassword: PASSWORD });
  assert.equal(withPassword.replicas, 3);
  await withPassword.close();
  const withNkey = await join3({ ...tls, natsNkey: seedFile });
  assert.equal(withNkey.replicas, 3);
  await withNkey.close();
});

test('a wrong password, no client certificate, or a file that is no seed: a clear error, no start', async () => {
  const refused = async (
    options: Partial<JoinOptions>,
    pattern: RegExp,
    codes = ['TIRELESS_CONFIG'],
  ) =>
    assert.rejects(join3({ readyTimeoutMs: 2000, ...options }), (error: unknown) => {
      assert.ok(error instanceof TirelessError);
      assert.match(error.message, pattern);
      assert.ok(codes.includes(error.code), `${error.code}: ${error.message}`);
      return true;
    });
  await refused({ ...tls, natsUser: 'tireless', natsPassword: 'wrong' }, /cannot connect.*auth/i);
  // The server closes the handshake: OpenSSL reports a bad-certificate alert (a setting to
  // fix) or only a reset connection (which a restarting server also gives: UNAVAILABLE, so a
  // node with a replica starts in island mode and keeps trying); either way the hint is given.
  await refused({ natsTlsCa: tls.natsTlsCa, natsNkey: seedFile }, /give a certificate/, [
    'TIRELESS_CONFIG',
    'TIRELESS_UNAVAILABLE',
  ]);
  await refused({ ...tls, natsNkey: tls.natsTlsCa }, /does not hold a NATS user nkey seed/);
});

test('the started binary signs in with --nats-nkey and the TLS flags', async () => {
  const node = await startTireless(tempDir(), {
    args: [
      ...['--cluster', cluster.urls.join(','), '--node-id', 'tls-node'],
      ...['--nats-nkey', seedFile, '--nats-tls-ca', tls.natsTlsCa],
      ...['--nats-tls-cert', tls.natsTlsCert, '--nats-tls-key', tls.natsTlsKey],
    ],
    env: { TIRELESS_SECRET_KEY: key.toString('hex') },
  });
  try {
    const reply = await new ApiClient(node.url).request('GET', '/healthz');
    assert.equal(reply.status, 200);
  } finally {
    await node.stop();
  }
});
