/**
 * First run of the real binary listening on every interface (`--host 0.0.0.0`; the test
 * connects through 127.0.0.1 only): the banner prints a one-time setup code, setup refuses
 * a request without it, with a wrong one, with a stale one from the previous start, or with
 * a Host the node does not serve, and takes the code of this start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import {
  ApiClient,
  startTireless,
  tempDir,
  waitFor,
  type TirelessProcess,
} from '../testing/index.js';

const OWNER = { email: 'owner@example.com', password: 'correct horse battery' };

/** Starts the binary on every interface; its loopback URL and the code its banner printed. */
async function startOnEveryInterface(dataDir: string, args: string[] = []) {
  const node = await startTireless(dataDir, { args: ['--host', '0.0.0.0', ...args] });
  const code = await waitFor('the setup code in the banner', () => {
    return /setup code: ([0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}) /.exec(node.output())?.[1];
  });
  const port = new URL(node.url).port;
  return { node, code, api: new ApiClient(`http://127.0.0.1:${port}`), port: Number(port) };
}

/** A setup POST with a Host header of our choice, sent to 127.0.0.1 (fetch will not set Host). */
function setupWithHost(
  port: number,
  host: string,
  body: object,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const sent = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/v1/setup',
        headers: {
          host,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
        },
      },
      (reply) => {
        let text = '';
        reply.on('data', (chunk: Buffer) => (text += chunk.toString()));
        reply.on('end', () => resolve({ status: reply.statusCode ?? 0, body: text }));
      },
    );
    sent.on('error', reject);
    sent.end(data);
  });
}

test('first run beyond loopback: the printed one-time code, per start, and only on a served Host', async (t) => {
  const dataDir = tempDir();
  const nodes: TirelessProcess[] = [];
  t.after(async () => {
    for (const node of nodes) await node.kill().catch(() => undefined);
  });

  const first = await startOnEveryInterface(dataDir);
  nodes.push(first.node);
  assert.match(first.node.output(), /First run: create the owner account at http:\/\/\S+\/setup/);
  assert.match(first.node.output(), /"setupCode":"[0-9A-Z-]{34}"/, 'the curl line carries it');
  const session = await first.api.expect<{ setupOpen: boolean; setupCodeRequired: boolean }>(
    200,
    'GET',
    '/api/v1/auth/session',
  );
  assert.deepEqual([session.setupOpen, session.setupCodeRequired], [true, true]);
  const missing = await first.api.request<{ error: { code: string; fields: { field: string }[] } }>(
    'POST',
    '/api/v1/setup',
    OWNER,
  );
  assert.equal(missing.status, 403);
  assert.deepEqual(
    missing.body.error.fields.map((f) => f.field),
    ['setupCode'],
  );
  await first.api.expect(403, 'POST', '/api/v1/setup', { ...OWNER, setupCode: 'ABCD-EFGH' });
  assert.equal(await first.node.stop(), 0);

  // A restart makes a new code: the old one no longer opens setup.
  const second = await startOnEveryInterface(dataDir, ['--allowed-hosts', 'Tireless.Example.test']);
  nodes.push(second.node);
  assert.notEqual(second.code, first.code);
  await second.api.expect(403, 'POST', '/api/v1/setup', { ...OWNER, setupCode: first.code });
  // The right code from a page whose name was pointed at this node: refused, naming the
  // setting; at the name the operator allowed, taken.
  const withCode = { ...OWNER, setupCode: second.code };
  const rebound = await setupWithHost(second.port, 'rebound.example:80', withCode);
  assert.equal(rebound.status, 403);
  assert.match(rebound.body, /TIRELESS_ALLOWED_HOSTS/);
  const allowed = await setupWithHost(second.port, 'tireless.example.test:80', withCode);
  assert.equal(allowed.status, 201, allowed.body);
  second.api.token = (JSON.parse(allowed.body) as { token: string }).token;
  await second.api.expect(200, 'GET', '/api/v1/monitors');
  await second.api.expect(409, 'POST', '/api/v1/setup', withCode);
  assert.equal(await second.node.stop(), 0);

  // Set up: a later start prints no first-run lines, and no code.
  const third = await startTireless(dataDir, { args: ['--host', '0.0.0.0'] });
  nodes.push(third);
  assert.doesNotMatch(third.output(), /First run|setup code/);
});
