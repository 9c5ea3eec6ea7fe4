import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestApi, errorOf } from './testing.js';

const TOKEN = 'a-scrape-token-of-some-length';

void describe('/metrics and /api/docs access', () => {
  void it('lets only the networks named read /metrics; the docs stay open', async (t) => {
    const api = await createTestApi({
      settings: { metricsAccess: { kind: 'network', networks: ['10.0.0.0/8', '::1'] } },
    });
    t.after(() => api.close());
    const from = (remoteAddress: string, url = '/metrics') =>
      api.call('GET', url, { token: null, remoteAddress });
    for (const inside of ['10.1.2.3', '::ffff:10.1.2.3', '::1']) {
      assert.equal((await from(inside)).statusCode, 200, inside);
    }
    for (const outside of ['203.0.113.9', '127.0.0.1', '::ffff:203.0.113.9']) {
      const refused = await from(outside);
      assert.equal(refused.statusCode, 403, outside);
      assert.match(errorOf(refused).message, /metricsAccess/);
      assert.doesNotMatch(refused.body, /tireless_/, 'no metric in the refusal');
    }
    assert.equal((await from('203.0.113.9', '/api/docs/json')).statusCode, 200);
  });

  void it('lets only the networks named read the docs UI and document; /metrics stays open', async (t) => {
    const api = await createTestApi({
      settings: { docsAccess: { kind: 'network', networks: ['192.168.0.0/16', 'fd00::/8'] } },
    });
    t.after(() => api.close());
    const from = (remoteAddress: string, url: string) =>
      api.call('GET', url, { token: null, remoteAddress });
    for (const url of ['/api/docs/json', '/api/docs', '/api/docs/static/index.html']) {
      for (const inside of ['192.168.4.2', '::ffff:192.168.4.2', 'fd00::7']) {
        const allowed = await from(inside, url);
        assert.ok(allowed.statusCode < 400, `${url} from ${inside}: ${allowed.statusCode}`);
      }
      for (const outside of ['203.0.113.9', '127.0.0.1', '::ffff:10.1.2.3', 'fe80::1']) {
        const refused = await from(outside, url);
        assert.equal(refused.statusCode, 403, `${url} from ${outside}`);
        assert.match(errorOf(refused).message, /docsAccess/);
        assert.doesNotMatch(refused.body, /openapi/i, 'no document in the refusal');
      }
    }
    assert.equal((await from('203.0.113.9', '/metrics')).statusCode, 200);
  });

  void it('asks for the token when set so, for the docs UI and document alike', async (t) => {
    const api = await createTestApi({
      settings: {
        metricsAccess: { kind: 'token', token: TOKEN },
        docsAccess: { kind: 'token', token: TOKEN },
      },
    });
    t.after(() => api.close());
    for (const url of ['/metrics', '/api/docs/json', '/api/docs', '/api/docs/static/index.html']) {
      const none = await api.call('GET', url, { token: null });
      assert.equal(none.statusCode, 401, url);
      const wrong = await api.call('GET', url, { token: `${TOKEN}x` });
      assert.equal(wrong.statusCode, 401, url);
      // An API token of the owner is not the scrape token either.
      assert.equal((await api.call('GET', url)).statusCode, 401, url);
      const right = await api.call('GET', url, { token: TOKEN });
      assert.ok(right.statusCode < 400, `${url}: ${right.statusCode}`);
    }
    // Other routes are not guarded by it.
    assert.equal((await api.call('GET', '/healthz', { token: null })).statusCode, 200);
    assert.equal((await api.call('GET', '/metricsx', { token: null })).statusCode, 404);
  });
});
