import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureRequest, SAMPLES } from '../test-fixtures.js';

void describe('discord notifier', () => {
  void it('POSTs content and an embed, asking Discord to confirm', async () => {
    const request = await captureRequest('discord', SAMPLES.down);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/api/webhooks/123/discord-secret-token?wait=true');
    assert.deepEqual(request.json, {
      content: SAMPLES.down.title,
      embeds: [
        {
          title: SAMPLES.down.title,
          description: SAMPLES.down.text,
          color: 0xd93025,
          timestamp: SAMPLES.down.at,
        },
      ],
      allowed_mentions: { parse: [] },
    });
  });

  void it('colours down red, up green, certificate amber', async () => {
    const colours = [];
    for (const sample of [SAMPLES.down, SAMPLES.up, SAMPLES.certificate]) {
      const request = await captureRequest('discord', sample);
      colours.push((request.json as { embeds: { color: number }[] }).embeds[0]?.color);
    }
    assert.deepEqual(colours, [0xd93025, 0x2da44e, 0xf5a623]);
  });

  void it('keeps the query string of the webhook URL', async () => {
    const request = await captureRequest('discord', SAMPLES.test, ({ url }) => ({
      webhookUrl: `${url}/api/webhooks/1/token?thread_id=99`,
    }));
    assert.equal(request.path, '/api/webhooks/1/token?thread_id=99&wait=true');
  });
});
