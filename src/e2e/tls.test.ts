/**
 * Native TLS through the real binary: `--tls-cert`/`--tls-key` serve HTTPS (the banner says
 * https), and a key file that cannot be read stops the start naming the setting.
 */
import assert from 'node:assert/strict';
import { get } from 'node:https';
import { test } from 'node:test';
import { runTireless, selfSignedCertificate, startTireless, tempDir } from '../testing/index.js';

test('serves HTTPS with the certificate given; an unreadable key stops the start', async (t) => {
  const { cert, certFile, keyFile } = selfSignedCertificate();
  const node = await startTireless(tempDir(), {
    args: ['--tls-cert', certFile, '--tls-key', keyFile],
  });
  t.after(() => node.kill());
  assert.match(node.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    get(`${node.url}/healthz`, { ca: cert }, (reply) => {
      let body = '';
      reply.on('data', (chunk: Buffer) => (body += chunk.toString()));
      reply.on('end', () => resolve({ status: reply.statusCode ?? 0, body }));
    }).on('error', reject);
  });
  assert.equal(health.status, 200, health.body);
  assert.match(health.body, /"status":"ok"/);

  const missing = await runTireless([
    'start',
    '--data',
    tempDir(),
    '--port',
    '0',
    '--tls-cert',
    certFile,
    '--tls-key',
    `${keyFile}.missing`,
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /tlsKey: cannot read .*key\.pem\.missing/);
});
