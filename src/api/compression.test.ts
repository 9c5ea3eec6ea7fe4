/**
 * Response compression over a real socket: JSON answers and the app's assets in the encoding
 * the client accepts (and plain to one that accepts none), while the event stream stays
 * uncompressed and delivers each event as it happens.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { openEventStream, tempDir, waitFor } from '../testing/index.js';
import { registerPages } from '../web/index.js';
import { buildApi } from './build-api.js';
import { bearer, createTestApi } from './testing.js';

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A GET as sent and answered on the wire: node:http does not decompress. */
function get(url: string, headers: Record<string, string>): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (reply) => {
      const chunks: Buffer[] = [];
      reply.on('data', (chunk: Buffer) => chunks.push(chunk));
      reply.on('end', () =>
        resolve({
          status: reply.statusCode ?? 0,
          headers: reply.headers,
          body: Buffer.concat(chunks),
        }),
      );
      reply.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

void describe('response compression', () => {
  void it('compresses JSON answers and assets as Accept-Encoding asks; the event stream is not held back', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    const app = tempDir('tireless-app-');
    mkdirSync(join(app, 'assets'));
    writeFileSync(join(app, 'index.html'), '<!doctype html><title>Tireless</title>');
    const script = `export const names = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `monitor ${i}`))};`;
    writeFileSync(join(app, 'assets', 'index-Zz99.js'), script);
    const base = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const reply = await api.call('POST', '/api/v1/monitors', {
        payload: { name: `shop ${i}`, type: 'http', url: `https://shop${i}.example.com/health` },
      });
      assert.equal(reply.statusCode, 201, reply.body);
      ids.push(reply.json<{ id: string }>().id);
    }
    const auth = bearer(api.token);
    const list = `${base}/api/v1/monitors`;

    const plain = await get(list, auth);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-encoding'], undefined);
    const expected = JSON.parse(plain.body.toString()) as unknown;
    assert.ok(plain.body.length > 2048, `the list is ${plain.body.length} bytes`);

    const gzip = await get(list, { ...auth, 'accept-encoding': 'gzip' });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.match(String(gzip.headers.vary), /accept-encoding/i);
    assert.ok(gzip.body.length < plain.body.length / 2, `gzip ${gzip.body.length} bytes`);
    assert.deepEqual(JSON.parse(gunzipSync(gzip.body).toString()), expected);

    const br = await get(list, { ...auth, 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.deepEqual(JSON.parse(brotliDecompressSync(br.body).toString()), expected);

    const identity = await get(list, { ...auth, 'accept-encoding': 'identity' });
    assert.equal(identity.headers['content-encoding'], undefined);

    // The assets come precompressed with gzip; other encodings the plugin makes. (A node
    // registers the pages on its API; this one's test API is ready already.)
    const withPages = await buildApi(api.deps);
    t.after(() => withPages.close());
    registerPages(withPages, { dir: app });
    const pagesBase = await withPages.listen({ port: 0, host: '127.0.0.1' });
    const asset = await get(`${pagesBase}/assets/index-Zz99.js`, { 'accept-encoding': 'br' });
    assert.equal(asset.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(asset.body).toString(), script);

    const stream = await openEventStream(`${base}/api/v1/events`, {
      ...auth,
      'accept-encoding': 'gzip, deflate, br',
    });
    t.after(() => stream.close());
    assert.equal(stream.headers.get('content-encoding'), null);
    await waitFor('the snapshot', () => stream.events[0]);
    const sentAt = Date.now();
    api.record([
      {
        monitorId: ids[0] ?? '',
        slot: 1_767_225_600_000,
        checkedAt: 1_767_225_600_003,
        status: 'up',
        latencyMs: 12,
        node: 'node-test',
        region: 'local',
      },
    ]);
    await waitFor('the state event', () => stream.events[1]);
    assert.equal(stream.events[1]?.event, 'state');
    assert.ok(Date.now() - sentAt < 1000, `the event took ${Date.now() - sentAt} ms`);
  });
});
