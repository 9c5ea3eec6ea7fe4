import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureRequest, SAMPLES } from '../test-fixtures.js';

void describe('gotify notifier', () => {
  void it('POSTs /message with the app token header', async () => {
    const request = await captureRequest('gotify', SAMPLES.down);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/message');
    assert.equal(request.headers['x-gotify-key'], 'gotify-secret-token');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(request.json, {
      title: SAMPLES.down.title,
      message: SAMPLES.down.text,
      priority: 8,
    });
  });

  void it('uses priority 5 for up, or the configured one', async () => {
    const normal = await captureRequest('gotify', SAMPLES.up);
    const configured = await captureRequest('gotify', SAMPLES.down, { priority: 2 });
    assert.equal((normal.json as { priority: number }).priority, 5);
    assert.equal((configured.json as { priority: number }).priority, 2);
  });

  void it('keeps a server URL’s path prefix, with or without a trailing slash', async () => {
    for (const prefix of ['/gotify', '/gotify/']) {
      const request = await captureRequest('gotify', SAMPLES.test, ({ url }) => ({
        serverUrl: `${url}${prefix}`,
      }));
      assert.equal(request.path, '/gotify/message');
    }
  });
});
