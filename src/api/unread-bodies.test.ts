import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { describe, it } from 'node:test';
import { createTestApi } from './testing.js';

/** One request on a connection of its own (`Connection: close`), its answer read whole. */
function send(url: string, token: string, body: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const outgoing = request(url, {
      method: 'GET',
      agent: new Agent({ keepAlive: false }),
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    outgoing.on('error', reject);
    outgoing.on('response', (incoming) => {
      let text = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (text += chunk));
      incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, text }));
      incoming.on('error', reject);
    });
    outgoing.end(body);
  });
}

void describe('a GET that carries a body', () => {
  void it('gets its whole answer, and a 413 past the body limit', async (t) => {
    const api = await createTestApi();
    t.after(() => api.close());
    for (let i = 0; i < 300; i++) {
      const created = await api.call('POST', '/api/v1/monitors', {
        payload: { name: `m${i}`, type: 'http', url: 'http://127.0.0.1:9/', paused: true },
      });
      assert.equal(created.statusCode, 201, created.body);
    }
    const base = await api.app.listen({ port: 0, host: '127.0.0.1' });
    // Under the body limit (1 MiB), as a fuzzer or a careless client sends it.
    const body = JSON.stringify({ a: 'x'.repeat(1_000_000) });
    for (let i = 0; i < 20; i++) {
      const reply = await send(`${base}/api/v1/monitors`, api.token, body);
      assert.equal(reply.status, 200);
      const { items } = JSON.parse(reply.text) as { items: unknown[] };
      assert.equal(items.length, 300, 'the whole answer');
    }
    const tooLarge = JSON.stringify({ a: 'x'.repeat(1_100_000) });
    const refused = await send(`${base}/api/v1/monitors`, api.token, tooLarge).catch(
      (error: Error) => ({ status: 0, text: error.message }),
    );
    // Refused before it was all read: the client may see the 413 or the connection reset.
    assert.ok(refused.status === 413 || refused.status === 0, String(refused.status));
  });
});
