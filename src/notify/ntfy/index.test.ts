import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureRequest, SAMPLES } from '../test-fixtures.js';
import { ntfy } from './index.js';

void describe('ntfy notifier', () => {
  void it('publishes JSON to the server root with a bearer token', async () => {
    const request = await captureRequest('ntfy', SAMPLES.down);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/');
    assert.equal(request.headers.authorization, 'Bearer tk_ntfysecrettoken');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.deepEqual(request.json, {
      topic: 'tireless-alerts',
      title: SAMPLES.down.title,
      message: SAMPLES.down.text,
      priority: 4,
      tags: ['rotating_light'],
    });
  });

  void it('uses default priority and a check mark for up, and no auth without a token', async () => {
    const request = await captureRequest('ntfy', SAMPLES.up, { token: undefined });
    assert.equal(request.headers.authorization, undefined);
    const message = request.json as { priority: number; tags: string[] };
    assert.equal(message.priority, 3);
    assert.deepEqual(message.tags, ['white_check_mark']);
  });

  void it('sends the configured priority for every message', async () => {
    const request = await captureRequest('ntfy', SAMPLES.up, { priority: 5 });
    assert.equal((request.json as { priority: number }).priority, 5);
  });

  void it('defaults the server to ntfy.sh and rejects priorities outside 1–5', () => {
    assert.equal(ntfy.config.parse({ topic: 'alerts' }).serverUrl, 'https://ntfy.sh');
    const parsed = ntfy.config.safeParse({ topic: 'alerts', priority: 0 });
    assert.deepEqual(
      parsed.error?.issues.map((issue) => issue.path.join('.')),
      ['priority'],
    );
  });
});
